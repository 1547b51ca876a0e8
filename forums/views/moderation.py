"""Moderation: a member flags a post; the animation hides posts, locks, pins and moves
topics, works through the flag queue and reads the moderation log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cdp_portal.core.errors import error_text
from cdp_portal.core.middleware import moderation_action

from .. import services
from ..forms import FlagForm, FlagResolveForm, HideForm, MoveForm, ReasonForm, TopicModerationForm
from ..models import Flag, ModerationLog
from ..permissions import can_flag, can_moderate_forum
from .common import (
    FLAGS_PER_PAGE,
    LOG_PER_PAGE,
    _moderated_community,
    _post,
    _safe_next,
    _topic,
    post_location,
)

# --- Flagging and hiding posts --------------------------------------------------------------


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
