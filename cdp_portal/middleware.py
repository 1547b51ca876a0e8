from django.conf import settings
from django.contrib import messages
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _


class FrenchFirstLocaleMiddleware(LocaleMiddleware):
    """French unless the person chose English with the language switcher.

    Django's LocaleMiddleware follows the browser's Accept-Language header; the portal is
    French first, so only the switcher's cookie (a deliberate choice) changes the language.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class StaffTwoFactorMiddleware:
    """With PORTAL_STAFF_MFA_REQUIRED, the admin asks its staff (animators, administrators)
    for two-factor authentication: until they have activated an authenticator app or a
    security key, /admin/ sends them to set one up. allauth then asks for the code at
    every login, so an admin session is a two-factor one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.PORTAL_STAFF_MFA_REQUIRED
            and request.path.startswith("/admin/")
            and getattr(request.user, "is_staff", False)
            and not _has_second_factor(request.user)
        ):
            messages.warning(
                request,
                _(
                    "L'administration demande la double authentification : activez-la "
                    "pour votre compte, puis revenez."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _has_second_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()
