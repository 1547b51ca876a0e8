"""Private conversations: the list under the bell, a conversation and its reply box,
starting one from a profile, leaving, blocking, flagging, and the administrators' queue
of flagged messages.

Thin views: a conversation exists only for its active participants (a 404 for anyone
else, administrators included), who may do what comes from `conversations.permissions`,
and every write goes through `conversations.services`. A refused write comes back as a
form error with what was typed, never a server error.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cdp_portal.core.errors import error_text
from cdp_portal.core.middleware import moderation_action
from cdp_portal.core.pagination import KeysFirstPaginator
from cdp_portal.core.ratelimit import WritingLimitReached
from cdp_portal.core.redirects import safe_next_url
from communities.models import Profile

from . import services
from .forms import (
    HANDLE,
    BlockForm,
    ConversationStartForm,
    MessageFlagForm,
    MessageFlagResolveForm,
    MessageForm,
    handles_in,
)
from .models import Block, Conversation, Message, MessageFlag, Participant
from .permissions import (
    blocked_between,
    can_flag_message,
    can_handle_message_flags,
    can_read_message_body,
    can_write_in,
    still_reading,
)

CONVERSATIONS_PER_PAGE = 20
MESSAGES_PER_PAGE = 20
BLOCKS_PER_PAGE = 30
FLAGS_PER_PAGE = 30

# What a page shows of a person: their name (`User.get_full_name`), never the address
# itself (the name falls back on its first part only when nothing else is known).
_NAMES = ("display_name", "first_name", "last_name", "email")


def _rate_limited(form) -> None:
    form.add_error(
        None,
        _(
            "Vous avez écrit beaucoup de messages en peu de temps. Patientez quelques minutes "
            "avant d'écrire de nouveau : votre texte est conservé ci-dessous."
        ),
    )


def _participation(request: HttpRequest, pk: int) -> Participant:
    """The person's own, active participation in conversation `pk`, with the
    conversation: a 404 for anyone who does not take part in it or left it."""
    participation = get_object_or_404(
        Participant.objects.for_inbox(request.user), conversation_id=pk
    )
    # The signed-in person itself: reading lowers the count the header shows.
    participation.user = request.user
    return participation


# --- The list ---------------------------------------------------------------------------


@require_safe
def conversation_list(request: HttpRequest) -> HttpResponse:
    """My conversations, most recent first, unread ones marked; with whom each is."""
    user = request.user
    paginator = KeysFirstPaginator(Participant.objects.for_inbox(user), CONVERSATIONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    others: dict[int, list[Participant]] = defaultdict(list)
    if rows:
        participants = (
            Participant.objects.filter(conversation__in=[row.conversation_id for row in rows])
            .exclude(user=user)
            .select_related("user")
            .only("conversation_id", "user_id", "left_at", *(f"user__{n}" for n in _NAMES))
            .order_by("joined_at", "pk")
        )
        for participant in participants:
            others[participant.conversation_id].append(participant)
    for row in rows:
        row.others = others[row.conversation_id]
    return render(
        request,
        "conversations/conversation_list.html",
        {"page_obj": page, "rows": rows},
    )


# --- A conversation ---------------------------------------------------------------------


def _render_conversation(
    request: HttpRequest,
    participation: Participant,
    *,
    form: MessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    conversation = participation.conversation
    participants = list(
        conversation.participants.select_related("user__profile")
        .only(
            "conversation_id",
            "user_id",
            "joined_at",
            "left_at",
            "user__is_active",
            *(f"user__{n}" for n in _NAMES),
            "user__profile__handle",
        )
        .order_by("joined_at", "pk")
    )
    others = [p for p in participants if p.user_id != user.pk]
    blocked_me, i_blocked = blocked_between(user, [p.user_id for p in others])
    may_write = can_write_in(user, participation, others, blocked_me=blocked_me)
    paginator = Paginator(
        Message.objects.filter(conversation=conversation).in_order().for_page(),
        MESSAGES_PER_PAGE,
    )
    paginator.__dict__["count"] = conversation.message_count  # kept by the services
    # The latest messages first: the last page, unless another is asked for.
    page = paginator.get_page(request.GET.get("page") or paginator.num_pages)
    page.object_list = list(page.object_list)
    for message in page.object_list:
        message.shows_body = can_read_message_body(user, message)
        message.flaggable = can_flag_message(user, message, participation)
    if status == 200:
        services.conversation_mark_read(participation=participation, conversation=conversation)
    if form is None and may_write:
        form = MessageForm()
    for other in others:
        other.blocked_by_me = other.user_id in i_blocked
    return render(
        request,
        "conversations/conversation_detail.html",
        {
            "conversation": conversation,
            "participation": participation,
            "others": others,
            "page_obj": page,
            "conversation_messages": page.object_list,
            "form": form,
            "can_write": may_write,
            "everyone_left": not any(still_reading(p) for p in others),
            "blocked_me": bool(blocked_me & {p.user_id for p in others if still_reading(p)}),
        },
        status=status,
    )


@require_safe
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_conversation(request, _participation(request, pk))


@require_POST
def conversation_reply(request: HttpRequest, pk: int) -> HttpResponse:
    participation = _participation(request, pk)
    conversation = participation.conversation
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _render_conversation(request, participation, form=form, status=400)
    try:
        # A form sent twice (same submission token) gives back the message of the first.
        message = services.message_send(
            conversation=conversation,
            author=request.user,
            body=form.cleaned_data["body"],
            submission_token=form.cleaned_data["submission_token"],
        )
    except WritingLimitReached:
        _rate_limited(form)
        return _render_conversation(request, participation, form=form, status=429)
    except (ValidationError, PermissionDenied) as error:
        form.add_error(None, error_text(error))
        return _render_conversation(request, participation, form=form, status=403)
    messages.success(request, _("Votre message est envoyé."))
    return redirect(f"{conversation.get_absolute_url()}#message-{message.pk}")


@require_POST
def conversation_leave(request: HttpRequest, pk: int) -> HttpResponse:
    participation = _participation(request, pk)
    services.conversation_leave(conversation=participation.conversation, user=request.user)
    messages.success(
        request,
        _(
            "Vous avez quitté la conversation « %(subject)s » : elle ne figure plus dans votre "
            "liste et vous n'en serez plus prévenu·e."
        )
        % {"subject": participation.conversation.subject},
    )
    return redirect("conversations:list")


# --- Starting one -----------------------------------------------------------------------


def _people_named(handles: list[str]) -> list:
    """The active people holding these handles (each with their profile), in order;
    anything that cannot be a handle (a NUL byte…) is left out before the query."""
    handles = [handle for handle in handles if HANDLE.match(handle)]
    profiles = {
        p.handle: p
        for p in Profile.objects.filter(handle__in=handles, user__is_active=True).select_related(
            "user"
        )
    }
    people = []
    for handle in handles:
        if handle in profiles:
            person = profiles[handle].user
            person.profile = profiles[handle]
            people.append(person)
    return people


@require_http_methods(["GET", "HEAD", "POST"])
def conversation_start(request: HttpRequest) -> HttpResponse:
    """A new conversation, opened from a profile's "Contacter" (`?to=<handle>`, several
    allowed) or from the list; more people may be added by their handles."""
    user = request.user
    status = 200
    if request.method == "POST":
        form = ConversationStartForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                conversation = services.conversation_start(
                    by=user,
                    recipients=data["recipients"],
                    subject=data["subject"],
                    body=data["body"],
                    submission_token=data["submission_token"],
                )
            except WritingLimitReached:
                _rate_limited(form)
                status = 429
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
            except PermissionDenied as error:
                form.add_error(None, error_text(error))
                status = 403
            else:
                messages.success(request, _("Votre message est envoyé."))
                return redirect(conversation)
        else:
            status = 400
        recipients, refusals = [], []
    else:
        wanted = [h for to in request.GET.getlist("to")[:20] for h in handles_in(to)]
        recipients = _people_named(wanted[: services.MAX_RECIPIENTS])
        form = ConversationStartForm(
            initial={"recipients": ", ".join(p.profile.handle for p in recipients)}
        )
        # Said before anything is typed: whom the form would refuse, and why.
        refusals = services.recipients_refused(user, recipients) if recipients else []
    return render(
        request,
        "conversations/conversation_form.html",
        {"form": form, "recipients": recipients, "refusals": refusals},
        status=status,
    )


# --- Blocking ---------------------------------------------------------------------------


@require_safe
def blocked_list(request: HttpRequest) -> HttpResponse:
    """The people I blocked, each with a button to unblock them."""
    blocks = (
        Block.objects.filter(blocker=request.user)
        .select_related("blocked__profile")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(blocks, BLOCKS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "conversations/blocked_list.html",
        {"page_obj": page, "blocks": list(page.object_list)},
    )


@require_POST
def block(request: HttpRequest, handle: str) -> HttpResponse:
    """Block (`block=1`) or unblock (`block=0`) the person with this handle, then back
    to `next` (the conversation) or the list of people I blocked."""
    profile = get_object_or_404(Profile.objects.select_related("user"), handle=handle)
    back = safe_next_url(request, request.POST.get("next"), reverse("conversations:blocked"))
    form = BlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choix invalide."))
        return redirect(back)
    name = profile.user.get_full_name()
    try:
        blocking = services.block_set(
            blocker=request.user, blocked=profile.user, blocking=form.cleaned_data["block"]
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(back)
    if blocking:
        messages.success(
            request,
            _(
                "Vous avez bloqué %(name)s : cette personne ne peut plus vous écrire. Vous pouvez "
                "la débloquer depuis la liste des personnes bloquées."
            )
            % {"name": name},
        )
    else:
        messages.success(request, _("Vous avez débloqué %(name)s.") % {"name": name})
    return redirect(back)


# --- Flags ------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def message_flag(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    message = get_object_or_404(
        Message.objects.filter(
            conversation__in=Conversation.objects.of_participant(user)
        ).select_related("conversation", "author"),
        pk=pk,
    )
    participation = (
        Participant.objects.active()
        .filter(conversation_id=message.conversation_id, user=user)
        .first()
    )
    if not can_flag_message(user, message, participation):
        raise PermissionDenied(_("Vous ne pouvez pas signaler ce message."))
    status = 200
    if request.method == "POST":
        form = MessageFlagForm(request.POST)
        if form.is_valid():
            try:
                services.message_flag_create(
                    message=message, reporter=user, reason=form.cleaned_data["reason"]
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(
                    request, _("Merci : l'administration du portail va examiner ce message.")
                )
                return redirect(f"{message.conversation.get_absolute_url()}#message-{message.pk}")
        status = 400
    else:
        form = MessageFlagForm()
    return render(
        request,
        "conversations/message_flag.html",
        {"message": message, "conversation": message.conversation, "form": form},
        status=status,
    )


@require_safe
@moderation_action
def flag_queue(request: HttpRequest) -> HttpResponse:
    """The flagged private messages, for the portal's administrators: each flag with the
    message it is about, nothing else of its conversation."""
    if not can_handle_message_flags(request.user):
        raise PermissionDenied
    show = request.GET.get("status", MessageFlag.Status.OPEN)
    if show not in MessageFlag.Status.values:
        show = MessageFlag.Status.OPEN
    flags = (
        MessageFlag.objects.filter(status=show)
        .select_related("message__author", "reporter", "resolved_by")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(flags, FLAGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "conversations/flag_queue.html",
        {
            "page_obj": page,
            "flags": list(page.object_list),
            "status": show,
            "statuses": MessageFlag.Status.choices,
            "resolve_form": MessageFlagResolveForm(),
        },
    )


@require_POST
@moderation_action
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_handle_message_flags(request.user):
        raise PermissionDenied
    flag = get_object_or_404(MessageFlag.objects.select_related("message"), pk=pk)
    form = MessageFlagResolveForm(request.POST)
    if not form.is_valid():
        for error in form.non_field_errors() or [_("Choisissez « traité » ou « rejeté ».")]:
            messages.error(request, error)
        return redirect("conversations:flags")
    try:
        services.message_flag_resolve(
            flag=flag,
            by=request.user,
            dismiss=form.cleaned_data["decision"] == "dismiss",
            note=form.cleaned_data["note"],
            hide=form.cleaned_data["hide_message"],
        )
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Le signalement est traité."))
    return redirect("conversations:flags")
