from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """Read only, administrators only: bodies hold sign-in and password-reset links."""

    list_display = ["pk", "status", "attempts", "subject", "recipients", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject", "to"]
    ordering = ["-pk"]
    actions = ["resend"]
    readonly_fields = [field.name for field in OutgoingEmail._meta.fields]

    @admin.display(description=_("destinataires"))
    def recipients(self, obj: OutgoingEmail) -> str:
        return ", ".join(obj.to + obj.cc + obj.bcc)

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Renvoyer les courriels sélectionnés"))
    def resend(self, request, queryset) -> None:
        outcome = services.resend(queryset.values_list("pk", flat=True))
        queued = sum(result == "queued" for result in outcome.values())
        self.message_user(
            request,
            ngettext(
                "%(count)d courriel remis en file d'envoi.",
                "%(count)d courriels remis en file d'envoi.",
                queued,
            )
            % {"count": queued},
            messages.SUCCESS if queued else messages.WARNING,
        )
