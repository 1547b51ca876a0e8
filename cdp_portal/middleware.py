import logging

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


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


class DatabaseUnavailableMiddleware:
    """A database that is down, unreachable or out of pooled connections gives a quick
    503 page in the portal's layout (with Retry-After), not a server error.

    Placed before LoginRequiredMiddleware: loading the signed-in person is the first
    query of most requests and happens before the view, where `process_exception` does
    not see it. The page is rendered without the context processors, which would query
    the database again (the person, the unread notifications)."""

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            request.user.is_authenticated  # noqa: B018 - loads the person now, here
        except DATABASE_DOWN_ERRORS:
            return database_unavailable_response(request)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_DOWN_ERRORS):
            return database_unavailable_response(request)
        return None


def _database_down_errors() -> tuple[type[BaseException], ...]:
    from django.db import InterfaceError, OperationalError

    errors: list[type[BaseException]] = [OperationalError, InterfaceError]
    try:
        from psycopg_pool import PoolTimeout
    except ImportError:  # pragma: no cover - the pool is optional
        pass
    else:
        errors.append(PoolTimeout)
    return tuple(errors)


DATABASE_DOWN_ERRORS = _database_down_errors()


def database_unavailable_response(request) -> HttpResponse:
    logger.error("Database unavailable for %s %s", request.method, request.path, exc_info=True)
    # No RequestContext: its processors would ask the database for the person again.
    html = render_to_string("503.html", {"request": request})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(DatabaseUnavailableMiddleware.RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
