"""What private conversations add to composed pages (`cdp_portal.composition`)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from cdp_portal.core.page_sections import Section

from .models import MessageFlag
from .permissions import can_handle_message_flags


def message_flags_panel(request: HttpRequest, user) -> Section | None:
    """Dashboard, for the portal's administrators: how many flagged private messages wait
    for them (one query, none for anyone else)."""
    if not can_handle_message_flags(user):
        return None
    count = MessageFlag.objects.open().count()
    if not count:
        return None
    return Section(
        key="message-flags",
        title=_("Messages privés signalés"),
        template="conversations/sections/flags_to_handle.html",
        context={"count": count},
    )
