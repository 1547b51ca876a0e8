"""The accounts' admin page lives with the communities: deleting a person is a
communities service (`user_delete`), since what they wrote stays, anonymised."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from cdp_portal.accounts.models import User

from .services import user_delete, user_delete_refusal

ANONYMISED_MESSAGE = _(
    "Ses messages, sujets et ressources sont conservés, signés « Ancien membre·e »."
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Deleting an account, one at a time or with the list's action, goes through
    `communities.services.user_delete`: what the person wrote is kept and anonymised, and
    the deletion is refused (the admin's "cannot delete" page says why) while they are the
    only animator of a community."""

    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_superuser", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "display_name", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identité"), {"fields": ["display_name", "first_name", "last_name"]}),
        (
            _("Droits"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]},
        ),
    ]

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        refusals = [refusal for refusal in map(user_delete_refusal, objs) if refusal]
        return deleted, model_count, perms_needed, [*refusals, *protected]

    def delete_model(self, request, obj):
        self._delete(request, [obj])

    def delete_queryset(self, request, queryset):
        self._delete(request, list(queryset))

    def _delete(self, request, users) -> None:
        for user in users:
            try:
                user_delete(user=user, by=request.user)
            except (PermissionDenied, ValidationError) as error:
                # Only a change between the confirmation page and this request gets here.
                self.message_user(
                    request, " ".join(getattr(error, "messages", [str(error)])), messages.ERROR
                )
                continue
        self.message_user(request, ANONYMISED_MESSAGE, messages.INFO)
