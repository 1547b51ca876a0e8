from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.db.models import QuerySet

from .models import User
from .permissions import is_portal_admin, with_portal_admin_fact
from .prepared import PreparedLookup

# The paths sessions were signed in with before the backends below replaced Django's and
# allauth's: `SessionBackendUpgradeMiddleware` rewrites them, nobody is signed out.
UPGRADED_BACKENDS = {
    "django.contrib.auth.backends.ModelBackend": "cdp_portal.accounts.backends.PortalModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": (
        "cdp_portal.accounts.backends.PortalAuthenticationBackend"
    ),
}


class SignedInWithFactsMixin:
    """The signed-in person is loaded with whether they administer the portal and with
    their feed token, in the same query (`is_portal_admin` and the pages offering a feed
    read them instead of asking the database on every page)."""

    def get_user(self, user_id):
        found = SIGNED_IN_PERSON.find(None, pk=user_id)
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None


def _signed_in_person(_nobody: None) -> QuerySet[User]:
    return with_portal_admin_fact(User._default_manager.all()).select_related("feed_token")


# On every page: compiled once per process (cdp_portal.accounts.prepared).
SIGNED_IN_PERSON = PreparedLookup("accounts.signed_in_person", _signed_in_person, by_person=False)


class PortalModelBackend(SignedInWithFactsMixin, ModelBackend):
    """Django's e-mail and password sign-in."""


class PortalAuthenticationBackend(SignedInWithFactsMixin, AuthenticationBackend):
    """allauth's sign-in (its forms, its rate limits)."""


class AdministratorsGroupBackend(BaseBackend):
    """Members of the "Administrateurs" group hold every permission, like superusers,
    without handing out the superuser flag (which also bypasses `is_active` checks)."""

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return is_portal_admin(user_obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        return is_portal_admin(user_obj)
