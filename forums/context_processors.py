"""The unread notification count shown in the header: one query, signed-in people only."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .models import Notification


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: a page that never shows the header (an htmx fragment) runs no query.
    return {
        "unread_notification_count": SimpleLazyObject(
            lambda: Notification.objects.unread_count_for(user)
        )
    }
