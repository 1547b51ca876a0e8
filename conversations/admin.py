"""Django admin for private conversations: the portal's administrators only.

Administrators see the flags and the flagged messages, never a conversation nobody
flagged (the rest stays between its participants), and handle them with the same
services as the site's queue: resolve, dismiss, hide or show a message again. Every
action lands in the moderation log. Animators have no access: a private conversation
belongs to no community. Flags and messages are never deleted.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cdp_portal.core.admin import (
    FLAG_FIELDS,
    NeverDeleteAdminMixin,
    ReadOnlyAdminMixin,
    flag_actions,
    run_on_each,
)

from . import services
from .models import Message, MessageFlag
from .permissions import can_handle_message_flags

# When an administrator hides a flagged message without a note of their own.
ADMIN_HIDE_REASON = _("Masqué par l'administration du portail")


class AdministratorsOnlyMixin:
    """Whatever model permissions a group grants, only the portal's administrators."""

    def has_module_permission(self, request):
        return can_handle_message_flags(request.user)

    def has_view_permission(self, request, obj=None):
        return can_handle_message_flags(request.user)

    def has_change_permission(self, request, obj=None):
        return can_handle_message_flags(request.user)

    def has_add_permission(self, request, *args):
        return False


flag_admin_actions = flag_actions(
    services.message_flag_resolve,
    related=["message"],
    hide=(
        "hide_flagged_messages",
        _("Masquer les messages signalés et traiter les signalements"),
    ),
    default_hide_reason=ADMIN_HIDE_REASON,
)


@admin.register(MessageFlag)
class MessageFlagAdmin(NeverDeleteAdminMixin, AdministratorsOnlyMixin, admin.ModelAdmin):
    list_display = ["message", "reporter", "reason", "status", "created_at", "resolved_by"]
    list_filter = ["status"]
    search_fields = ["reason", "message__body"]
    list_select_related = ["message__conversation", "reporter", "resolved_by"]
    ordering = ["-created_at"]
    actions = flag_admin_actions
    readonly_fields = ["message", "flagged_text", *FLAG_FIELDS]
    fields = readonly_fields

    @admin.display(description=_("texte du message"))
    def flagged_text(self, obj):
        return obj.message.body


@admin.action(description=_("Rendre visibles les messages choisis"))
def unhide_messages(modeladmin, request, queryset):
    run_on_each(
        modeladmin,
        request,
        queryset,
        lambda message: services.message_set_hidden(message=message, by=request.user, hidden=False),
    )


@admin.register(Message)
class MessageAdmin(
    NeverDeleteAdminMixin, ReadOnlyAdminMixin, AdministratorsOnlyMixin, admin.ModelAdmin
):
    """The flagged messages only: hidden from the flag's page or its queue, shown again
    from here."""

    list_display = ["__str__", "author", "created_at", "is_hidden"]
    list_filter = ["is_hidden"]
    search_fields = ["body"]
    list_select_related = ["conversation", "author"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    actions = [unhide_messages]
    fields = [
        "conversation",
        "author",
        "created_at",
        "is_hidden",
        "hidden_reason",
        "hidden_by",
        "hidden_at",
        "body",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).flagged()
