"""The unread notification count shown in the header: stored with the person (see
forums.unread), counted only when something changed it."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .unread import header_unread_count


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: a page that never shows the header (an htmx fragment) never counts.
    return {"unread_notification_count": SimpleLazyObject(lambda: header_unread_count(user))}
