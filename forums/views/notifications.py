"""Following: watching a forum or a topic, and the notification centre that tells what
happened in them."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cdp_portal.core.announcements import announce

from .. import services
from ..models import Notification
from ..unread import recount_unread
from .common import NOTIFICATIONS_PER_PAGE, _forum, _safe_next, _topic, post_location

# --- Watching ---------------------------------------------------------------------------------


@require_POST
def forum_watch(request: HttpRequest, community_slug: str, slug: str) -> HttpResponse:
    forum = _forum(request, community_slug, slug)
    watching = request.POST.get("watch") == "on"
    services.watch_set(user=request.user, forum=forum, watching=watching)
    done = (
        _("Vous suivez ce forum : les nouveaux sujets vous seront signalés.")
        if watching
        else _("Vous ne suivez plus ce forum.")
    )
    if request.htmx:
        response = render(
            request,
            "forums/watch_button.html",
            {"watching": watching, "action": request.path, "target": "forum"},
        )
        return announce(response, done)
    messages.success(request, done)
    return redirect(forum)


@require_POST
def topic_watch(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _topic(request, pk)
    watching = request.POST.get("watch") == "on"
    services.watch_set(user=request.user, topic=topic, watching=watching)
    done = (
        _("Vous suivez ce sujet : les réponses vous seront signalées.")
        if watching
        else _("Vous ne suivez plus ce sujet.")
    )
    if request.htmx:
        response = render(
            request,
            "forums/watch_button.html",
            {"watching": watching, "action": request.path, "target": "topic"},
        )
        return announce(response, done)
    messages.success(request, done)
    return redirect(topic)


# --- Notifications ---------------------------------------------------------------------------


@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = (
        Notification.objects.for_user(request.user)
        .select_related("actor", "topic__forum__community", "post")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    # The notification centre is where a stale header count is put right: it counts
    # exactly, by the one rule, and keeps what it found.
    recount_unread(request.user)
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
