from django.conf import settings
from django.contrib import messages
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, render
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


FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _malformed(text: str) -> bool:
    """A NUL (PostgreSQL refuses it in any string) or a lone surrogate (not encodable as
    UTF-8): nothing a person can type, so nothing a page should try to handle."""
    return "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text)


def _malformed_params(params) -> bool:
    return any(
        _malformed(key) or any(_malformed(value) for value in values)
        for key, values in params.lists()
    )


class RejectMalformedInputMiddleware:
    """Answers 400 (a page in the portal's layout) when the path, a query parameter, a
    form field or an uploaded file's name holds a NUL byte or a lone surrogate, before
    any view or query sees it: every view, filter and admin changelist is covered at once.
    A file's contents are not looked at."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._is_malformed(request):
            return render(request, "400.html", status=400)
        return self.get_response(request)

    @staticmethod
    def _is_malformed(request) -> bool:
        if _malformed(request.path) or _malformed_params(request.GET):
            return True
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            if _malformed_params(request.POST):
                return True
            return any(_malformed(upload.name or "") for upload in request.FILES.values())
        return False
