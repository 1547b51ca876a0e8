from django.contrib.auth.backends import BaseBackend

from .permissions import is_portal_admin


class AdministratorsGroupBackend(BaseBackend):
    """Members of the "Administrateurs" group hold every permission, like superusers,
    without handing out the superuser flag (which also bypasses `is_active` checks)."""

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return is_portal_admin(user_obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        return is_portal_admin(user_obj)
