"""Forum pages: my forums, a forum's topics, a topic and its posts, writing, moderation,
flags and the notification centre.

Thin views: what a person may read comes from the querysets (`Community.visible_to` for
knowing a community exists, `can_see_content` for reading it), who may do what from
`forums.permissions`, and every write goes through `forums.services`. A service's refusal
(`PermissionDenied`, `ValidationError`) becomes a message or a form error, never a server
error; a form always comes back with what the person typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from operator import attrgetter
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cdp_portal.core.errors import error_text
from cdp_portal.core.middleware import moderation_action
from cdp_portal.core.redirects import safe_next_url
from communities.access import community_or_404, readable_or_404
from communities.models import Community
from communities.permissions import can_see_content
from resources.models import Resource

from . import ratelimit, services
from .forms import (
    CallFilterForm,
    FlagForm,
    FlagResolveForm,
    HideForm,
    MoveForm,
    OpeningPostEditForm,
    PostEditForm,
    ReasonForm,
    ReplyForm,
    TopicForm,
    TopicModerationForm,
)
from .models import Flag, Forum, ModerationLog, Notification, Post, Topic, Watch
from .permissions import (
    can_accept_answer,
    can_edit_post,
    can_flag,
    can_moderate_forum,
    can_post_in,
    can_quote,
    can_read_post_body,
    can_reply,
)

TOPICS_PER_PAGE = 25
# The median time to a first answer is over the calls opened in this window.
CALL_FIGURES_WINDOW = timedelta(days=90)
POSTS_PER_PAGE = 20
NOTIFICATIONS_PER_PAGE = 30
FLAGS_PER_PAGE = 30
LOG_PER_PAGE = 50
QUOTE_MAX_CHARS = 2000


# What a closed community's discussions say to a non-member: how to join, status 403.
FORBIDDEN_TEMPLATE = "forums/forbidden.html"
Readable = Callable[[Any, Community], bool]


def _rate_limited(form) -> None:
    form.add_error(
        None,
        _(
            "Vous avez publié beaucoup de messages en peu de temps. Patientez quelques "
            "minutes avant de publier de nouveau : votre texte est conservé ci-dessous."
        ),
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    return safe_next_url(request, request.POST.get("next") or request.GET.get("next"), fallback)


def _page_of(position: int) -> int:
    return (max(position, 1) - 1) // POSTS_PER_PAGE + 1


def post_location(topic: Topic, post: Post) -> str:
    page = _page_of(post.position)
    query = f"?page={page}" if page > 1 else ""
    return f"{topic.get_absolute_url()}{query}#post-{post.pk}"


# --- Lookups ----------------------------------------------------------------------------


def _forum(request: HttpRequest, community_slug: str, slug: str) -> Forum:
    """The forum: 404 when the person may not know its community exists, the members-only
    403 when they may not read it."""
    return readable_or_404(
        request.user,
        Forum.objects.filter(community__in=Community.objects.visible_to(request.user))
        .select_related("community"),
        community=attrgetter("community"),
        members_only=FORBIDDEN_TEMPLATE,
        community__slug=community_slug,
        slug=slug,
    )  # fmt: skip


def _topic_queryset(user):
    """Topics of the communities a person may know (content is checked by `_topic`, which
    answers 403 for a closed community); hidden ones only for their author and the
    animation."""
    return (
        Topic.objects.filter(forum__community__in=Community.objects.visible_to(user))
        .unhidden_for(user, including_own=True)
        .select_related("forum__community", "author__profile")
    )


def _topic(request: HttpRequest, pk: int, readable: Readable | None = can_see_content) -> Topic:
    """The topic: 404 when unknown to the person; 403 when not `readable` in its community
    (the members-only page for reading, a plain 403 for moderating)."""
    return readable_or_404(
        request.user,
        _topic_queryset(request.user),
        community=attrgetter("forum.community"),
        readable=readable,
        members_only=FORBIDDEN_TEMPLATE if readable is can_see_content else None,
        pk=pk,
    )


def _post(request: HttpRequest, pk: int, readable: Readable | None = None) -> Post:
    """A post of a topic the person may read (404 otherwise, even for closed communities:
    post URLs are only reached from a topic page); 403 when not `readable` in its
    community."""
    return readable_or_404(
        request.user,
        Post.objects.visible_to(request.user).select_related(
            "topic__forum__community", "author__profile"
        ),
        community=attrgetter("topic.forum.community"),
        readable=readable,
        members_only=FORBIDDEN_TEMPLATE if readable is can_see_content else None,
        pk=pk,
    )


def _moderated_community(request: HttpRequest, slug: str) -> Community:
    return community_or_404(request.user, slug, readable=can_moderate_forum)


# --- My forums --------------------------------------------------------------------------


@require_safe
def forum_index(request: HttpRequest) -> HttpResponse:
    forums = list(Forum.objects.of_member(request.user).for_listing())
    groups: list[tuple[Community, list[Forum]]] = []
    for forum in forums:
        if groups and groups[-1][0].pk == forum.community_id:
            groups[-1][1].append(forum)
        else:
            groups.append((forum.community, [forum]))
    return render(request, "forums/forum_index.html", {"groups": groups})


# --- Calls for help ----------------------------------------------------------------------


@require_safe
def call_list(request: HttpRequest) -> HttpResponse:
    """The open calls for help I may read, oldest first (they have waited longest), and
    how calls are answered: open, unanswered, median time to a first answer."""
    user = request.user
    form = CallFilterForm(request.GET)
    scope = form.cleaned_data["scope"] if form.is_valid() else ""
    topics = Topic.objects.visible_to(user)
    if scope == "mine":
        topics = topics.filter(forum__in=Forum.objects.of_member(user))
    elif scope == "expertise":
        topics = topics.for_expertise_of(user)
    figures = topics.call_figures(since=timezone.now() - CALL_FIGURES_WINDOW)
    calls = (
        topics.open_calls()
        .select_related("forum__community", "author")
        .prefetch_related("tags")
        .order_by("created_at", "pk")
    )
    page = Paginator(calls, TOPICS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "forums/call_list.html",
        {
            "form": form,
            "page_obj": page,
            "calls": page.object_list,
            "figures": figures,
            "window_days": CALL_FIGURES_WINDOW.days,
        },
    )


# --- A forum's topics ---------------------------------------------------------------------


def _unread_location(topic: Topic) -> str | None:
    """Where the person's first unread post is, or None when they have read everything."""
    last_read = getattr(topic, "last_read_position", None)
    if last_read is None:
        return topic.get_absolute_url()
    if last_read >= topic.post_count:
        return None
    page = _page_of(last_read + 1)
    query = f"?page={page}" if page > 1 else ""
    return f"{topic.get_absolute_url()}{query}#p{last_read + 1}"


@require_safe
def forum_detail(request: HttpRequest, community_slug: str, slug: str) -> HttpResponse:
    forum = _forum(request, community_slug, slug)
    user = request.user
    moderates = can_moderate_forum(user, forum.community)
    topics = (
        Topic.objects.filter(forum=forum)
        .unhidden_for(user)
        .in_list_order()
        .with_read_state(user)
        .select_related("author__profile", "last_post__author")
        .prefetch_related("tags")
    )
    paginator = Paginator(topics, TOPICS_PER_PAGE)
    if not moderates:
        # The services keep the count of the topics not hidden: no COUNT over them. The
        # animation, who also sees the hidden ones, gets the paginator's own COUNT.
        paginator.__dict__["count"] = forum.topic_count
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for topic in page.object_list:
        topic.forum = forum
        topic.unread_url = _unread_location(topic)
    return render(
        request,
        "forums/forum_detail.html",
        {
            "forum": forum,
            "community": forum.community,
            "page_obj": page,
            "topics": page.object_list,
            "can_post": can_post_in(user, forum),
            "moderates": moderates,
            "watching": Watch.objects.filter(user=user, forum=forum).exists(),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def topic_create(request: HttpRequest, community_slug: str, slug: str) -> HttpResponse:
    forum = _forum(request, community_slug, slug)
    user = request.user
    if not can_post_in(user, forum):
        raise PermissionDenied(_("Seuls les membres de la communauté peuvent écrire ici."))
    status = 200
    discussable = Resource.objects.visible_to(user).discussable_in(forum.community)
    about = None
    if request.method == "POST":
        form = TopicForm(request.POST, resources=discussable)
        valid = form.is_valid()
        about = form.cleaned_data.get("resource")
        if valid:
            try:
                topic = services.topic_create(forum=forum, author=user, **form.cleaned_data)
            except ratelimit.PostingLimitReached:
                _rate_limited(form)
                status = 429
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("Votre sujet est publié."))
                return redirect(topic)
    else:
        initial = {"is_call_for_help": forum.slug == "appels-a-tous"}
        # Opened from a resource's page: about that resource, titled after it.
        if (wanted := request.GET.get("resource", "")).isdigit():
            about = discussable.filter(pk=int(wanted)).first()
        if about is not None:
            initial |= {"resource": about, "title": about.title}
        form = TopicForm(initial=initial, resources=discussable)
    return render(
        request,
        "forums/topic_form.html",
        {"forum": forum, "community": forum.community, "form": form, "about": about},
        status=status,
    )


@require_POST
def forum_watch(request: HttpRequest, community_slug: str, slug: str) -> HttpResponse:
    forum = _forum(request, community_slug, slug)
    watching = request.POST.get("watch") == "on"
    services.watch_set(user=request.user, forum=forum, watching=watching)
    if request.htmx:
        return render(
            request,
            "forums/watch_button.html",
            {"watching": watching, "action": request.path, "target": "forum"},
        )
    messages.success(
        request,
        _("Vous suivez ce forum : les nouveaux sujets vous seront signalés.")
        if watching
        else _("Vous ne suivez plus ce forum."),
    )
    return redirect(forum)


# --- A topic ---------------------------------------------------------------------------------


def _quote_text(post: Post) -> str:
    author = post.author.get_full_name() if post.author else _("Quelqu'un")
    body = post.body[:QUOTE_MAX_CHARS]
    quoted = "\n".join(f"> {line}" if line else ">" for line in body.splitlines())
    return _("%(name)s a écrit :") % {"name": author} + "\n" + quoted + "\n\n"


def _quoted_initial(request: HttpRequest, topic: Topic) -> str:
    """`?quote=<post id>`: the reply box starts with that post quoted (after what the
    person already typed, sent along by htmx as `body`)."""
    try:
        quote_id = int(request.GET.get("quote", ""))
    except ValueError:
        return ""
    post = (
        Post.objects.readable_by(request.user)
        .filter(topic=topic, pk=quote_id)
        .select_related("author")
        .first()
    )
    if post is None or not can_quote(request.user, post):
        return ""
    typed = request.GET.get("body", "").strip()
    return (typed + "\n\n" if typed else "") + _quote_text(post)


def _set_post_actions(user, topic: Topic, post: Post) -> None:
    """What forums/post.html offers on a post, each from its one rule in
    `forums.permissions` (the template adds no condition of its own)."""
    post.shows_body = can_read_post_body(user, post)
    post.editable = can_edit_post(user, post)
    post.quotable = can_quote(user, post)
    post.flaggable = can_flag(user, post)
    # The answer already accepted is not offered again (accepting it again changes nothing).
    post.acceptable = can_accept_answer(user, topic, post) and topic.accepted_post_id != post.pk


def _render_topic(
    request: HttpRequest,
    topic: Topic,
    *,
    reply_form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    forum = topic.forum
    community = forum.community
    moderates = can_moderate_forum(user, community)
    may_reply = can_reply(user, topic)
    if reply_form is None:
        initial = _quoted_initial(request, topic) if "quote" in request.GET else ""
        reply_form = ReplyForm(initial={"body": initial})
        if request.htmx and "quote" in request.GET:
            return render(
                request,
                "forums/reply_form.html",
                {
                    "topic": topic,
                    "reply_form": reply_form,
                    "can_reply": may_reply,
                    "page_number": request.GET.get("page", "1"),
                },
            )
    posts = (
        Post.objects.filter(topic=topic)
        .in_topic_order()
        .select_related("author__profile", "hidden_by")
    )
    paginator = Paginator(posts, POSTS_PER_PAGE)
    paginator.__dict__["count"] = topic.post_count  # kept by the services
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    may_accept = can_accept_answer(user, topic)
    for post in page.object_list:
        post.topic = topic
        _set_post_actions(user, topic, post)
    if page.object_list and status == 200:
        services.topic_mark_read(user=user, topic=topic, position=page.object_list[-1].position)
        services.notifications_mark_read(user=user, topic=topic)
    context = {
        "topic": topic,
        "forum": forum,
        "community": community,
        "page_obj": page,
        "posts": page.object_list,
        "tags": list(topic.tags.all()),
        "reply_form": reply_form,
        "page_number": page.number,
        "can_reply": may_reply,
        "can_accept": may_accept,
        "moderates": moderates,
        "watching": Watch.objects.filter(user=user, topic=topic).exists(),
        "move_form": MoveForm(topic=topic) if moderates else None,
        "hide_form": HideForm() if moderates else None,
        # Only topics opened from a resource pay this query; the resource shows only to
        # those who may see it.
        "about": (
            Resource.objects.visible_to(user).filter(pk=topic.resource_id).first()
            if topic.resource_id
            else None
        ),
    }
    return render(request, "forums/topic_detail.html", context, status=status)


@require_safe
def topic_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    topic = _topic(request, pk)
    return _render_topic(request, topic)


@require_POST
def topic_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """A plain POST, then a redirect to the new post. With htmx the reply box is swapped
    in place: a refused reply comes back with its text and the reason, an accepted one
    is appended to the page being read (or the browser is sent to its page)."""
    topic = _topic(request, pk)
    user = request.user
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _refused_reply(request, topic, form, status=200)
    try:
        # A form sent twice (same submission token) gives back the post of the first.
        post = services.post_create(
            topic=topic,
            author=user,
            body=form.cleaned_data["body"],
            submission_token=form.cleaned_data["submission_token"],
        )
    except ratelimit.PostingLimitReached:
        _rate_limited(form)
        return _refused_reply(request, topic, form, status=429)
    except (ValidationError, PermissionDenied) as error:
        form.add_error(None, error_text(error))
        return _refused_reply(request, topic, form, status=403)
    if request.htmx:
        if str(_page_of(post.position)) == request.POST.get("page", "1"):
            return _appended_reply(request, topic, post)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = post_location(topic, post)
        return response
    messages.success(request, _("Votre réponse est publiée."))
    return redirect(post_location(topic, post))


def _refused_reply(request: HttpRequest, topic: Topic, form: ReplyForm, *, status: int):
    if request.htmx:
        # htmx swaps only successful responses: the reason is in the form's alert.
        return render(
            request,
            "forums/reply_form.html",
            {
                "topic": topic,
                "reply_form": form,
                "can_reply": can_reply(request.user, topic),
                "page_number": request.POST.get("page", "1"),
            },
        )
    return _render_topic(request, topic, reply_form=form, status=status)


def _appended_reply(request: HttpRequest, topic: Topic, post: Post) -> HttpResponse:
    user = request.user
    post.topic = topic
    _set_post_actions(user, topic, post)
    return render(
        request,
        "forums/reply_appended.html",
        {
            "topic": topic,
            "post": post,
            "reply_form": ReplyForm(),
            "can_reply": can_reply(user, topic),
            "moderates": can_moderate_forum(user, topic.forum.community),
            "page_number": request.POST.get("page", "1"),
        },
    )


@require_POST
def topic_watch(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _topic(request, pk)
    watching = request.POST.get("watch") == "on"
    services.watch_set(user=request.user, topic=topic, watching=watching)
    if request.htmx:
        return render(
            request,
            "forums/watch_button.html",
            {"watching": watching, "action": request.path, "target": "topic"},
        )
    messages.success(
        request,
        _("Vous suivez ce sujet : les réponses vous seront signalées.")
        if watching
        else _("Vous ne suivez plus ce sujet."),
    )
    return redirect(topic)


@require_POST
def topic_solve(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark solved (`post` names the accepted answer) or reopen (`reopen=1`)."""
    topic = _topic(request, pk, readable=None)
    post = None
    if request.POST.get("post"):
        try:
            post = Post.objects.get(topic=topic, pk=int(request.POST["post"]))
        except (ValueError, Post.DoesNotExist):
            messages.error(request, _("Cette réponse n'existe pas dans ce sujet."))
            return redirect(topic)
    try:
        if request.POST.get("reopen"):
            services.topic_reopen(topic=topic, by=request.user)
            messages.success(request, _("Le sujet est de nouveau ouvert."))
        else:
            services.topic_mark_solved(topic=topic, by=request.user, post=post)
            messages.success(
                request,
                _("Réponse acceptée : le sujet est résolu.") if post else _("Le sujet est résolu."),
            )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    return redirect(post_location(topic, post) if post else topic.get_absolute_url())


# --- Posts ---------------------------------------------------------------------------------


@require_safe
def post_permalink(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    return redirect(post_location(post.topic, post))


@require_http_methods(["GET", "HEAD", "POST"])
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    if not can_edit_post(request.user, post):
        raise PermissionDenied(_("Vous ne pouvez pas modifier ce message."))
    topic = post.topic
    # Editing the opening post edits the topic's title and tags as well.
    if post.is_opening:
        make_form = partial(OpeningPostEditForm, topic=topic)
        tags = ", ".join(tag.name for tag in topic.tags.all())
        initial = {"body": post.body, "title": topic.title, "tags": tags}
    else:
        make_form, initial = PostEditForm, {"body": post.body}
    if request.method == "POST":
        form = make_form(request.POST)
        if form.is_valid():
            if not ratelimit.posting_allowed(request.user):
                _rate_limited(form)
                return render(
                    request, "forums/post_form.html", {"post": post, "form": form}, status=429
                )
            try:
                if post.is_opening:
                    services.topic_edit(topic=topic, editor=request.user, **form.cleaned_data)
                else:
                    services.post_edit(
                        post=post, editor=request.user, body=form.cleaned_data["body"]
                    )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("Votre message est modifié."))
                return redirect(post_location(topic, post))
    else:
        form = make_form(initial=initial)
    return render(request, "forums/post_form.html", {"post": post, "form": form})


@require_safe
def post_history(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk, readable=can_see_content)
    if not can_read_post_body(request.user, post):
        raise Http404
    revisions = list(post.revisions.select_related("editor").order_by("-created_at", "-pk")[:100])
    return render(request, "forums/post_history.html", {"post": post, "revisions": revisions})


@require_http_methods(["GET", "HEAD", "POST"])
def post_flag(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    if not can_flag(request.user, post):
        raise PermissionDenied(_("Vous ne pouvez pas signaler ce message."))
    if request.method == "POST":
        form = FlagForm(request.POST)
        if form.is_valid():
            try:
                services.flag_create(
                    post=post, reporter=request.user, reason=form.cleaned_data["reason"]
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(
                    request, _("Merci : l'animation de la communauté va examiner ce message.")
                )
                return redirect(post_location(post.topic, post))
    else:
        form = FlagForm()
    return render(request, "forums/post_flag.html", {"post": post, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@moderation_action
def post_hide(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk, readable=can_moderate_forum)
    if request.method == "POST":
        form = HideForm(request.POST)
        if form.is_valid():
            services.post_set_hidden(
                post=post, by=request.user, hidden=True, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Le message est masqué."))
            return redirect(_safe_next(request, post_location(post.topic, post)))
    else:
        form = HideForm()
    return render(request, "forums/post_hide.html", {"post": post, "form": form})


@require_POST
@moderation_action
def post_unhide(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk, readable=can_moderate_forum)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.post_set_hidden(post=post, by=request.user, hidden=False, reason=reason)
    messages.success(request, _("Le message est de nouveau visible."))
    return redirect(_safe_next(request, post_location(post.topic, post)))


# --- Moderation of topics ------------------------------------------------------------------


@require_POST
@moderation_action
def topic_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _topic(request, pk, readable=can_moderate_forum)
    form = TopicModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Action de modération inconnue."))
        return redirect(topic)
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    if action in {"lock", "unlock"}:
        services.topic_set_locked(
            topic=topic, by=request.user, locked=action == "lock", reason=reason
        )
    else:
        services.topic_set_pinned(
            topic=topic, by=request.user, pinned=action == "pin", reason=reason
        )
    done = {
        "lock": _("Le sujet est verrouillé."),
        "unlock": _("Le sujet est déverrouillé."),
        "pin": _("Le sujet est épinglé."),
        "unpin": _("Le sujet n'est plus épinglé."),
    }
    messages.success(request, done[action])
    return redirect(topic)


@require_http_methods(["GET", "HEAD", "POST"])
@moderation_action
def topic_move(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _topic(request, pk, readable=can_moderate_forum)
    if request.method == "POST":
        form = MoveForm(request.POST, topic=topic)
        if form.is_valid():
            try:
                services.topic_move(
                    topic=topic,
                    by=request.user,
                    forum=form.cleaned_data["forum"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(
                    request,
                    _("Le sujet est déplacé dans « %(forum)s ».")
                    % {"forum": form.cleaned_data["forum"].name},
                )
                return redirect(topic)
    else:
        form = MoveForm(topic=topic)
    return render(
        request,
        "forums/topic_move.html",
        {"topic": topic, "community": topic.forum.community, "form": form},
    )


# --- Flags and the moderation log (animators) ----------------------------------------------


@require_safe
@moderation_action
def flag_queue(request: HttpRequest, community_slug: str) -> HttpResponse:
    community = _moderated_community(request, community_slug)
    show = request.GET.get("status", Flag.Status.OPEN)
    if show not in Flag.Status.values:
        show = Flag.Status.OPEN
    flags = (
        Flag.objects.filter(post__topic__forum__community=community, status=show)
        .select_related("post__topic__forum", "post__author", "reporter", "resolved_by")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(flags, FLAGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "forums/flag_queue.html",
        {
            "community": community,
            "page_obj": page,
            "flags": list(page.object_list),
            "status": show,
            "statuses": Flag.Status.choices,
            "resolve_form": FlagResolveForm(),
        },
    )


@require_POST
@moderation_action
def flag_resolve(request: HttpRequest, community_slug: str, pk: int) -> HttpResponse:
    community = _moderated_community(request, community_slug)
    flag = get_object_or_404(
        Flag.objects.select_related("post__topic__forum__community"),
        pk=pk,
        post__topic__forum__community=community,
    )
    form = FlagResolveForm(request.POST)
    if not form.is_valid():
        for error in form.non_field_errors() or [_("Choisissez « traité » ou « rejeté ».")]:
            messages.error(request, error)
        return redirect("forums:flags", community_slug=community.slug)
    services.flag_resolve(
        flag=flag,
        by=request.user,
        dismiss=form.cleaned_data["decision"] == "dismiss",
        note=form.cleaned_data["note"],
        hide=form.cleaned_data["hide_post"],
    )
    messages.success(request, _("Le signalement est traité."))
    return redirect("forums:flags", community_slug=community.slug)


@require_safe
@moderation_action
def moderation_log(request: HttpRequest, community_slug: str) -> HttpResponse:
    community = _moderated_community(request, community_slug)
    entries = (
        ModerationLog.objects.filter(community=community)
        .select_related("actor", "topic", "post", "resource")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(entries, LOG_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "forums/moderation_log.html",
        {"community": community, "page_obj": page, "entries": list(page.object_list)},
    )


# --- Notifications ---------------------------------------------------------------------------


@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = (
        Notification.objects.for_user(request.user)
        .select_related("actor", "topic__forum__community", "post")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "forums/notification_list.html",
        {"page_obj": page, "notifications": list(page.object_list)},
    )


@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read, then go to what it is about."""
    notification = get_object_or_404(
        Notification.objects.for_user(request.user).select_related("topic", "post"), pk=pk
    )
    services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    if request.POST.get("open"):
        if notification.post_id:
            return redirect(post_location(notification.topic, notification.post))
        return redirect(notification.topic)
    return redirect(_safe_next(request, reverse("forums:notifications")))


@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_read(user=request.user)
    if count:
        messages.success(request, _("Toutes vos notifications sont marquées comme lues."))
    return redirect("forums:notifications")
