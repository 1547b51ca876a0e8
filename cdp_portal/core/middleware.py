import logging
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import LazyObject
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
    every login, so an admin session is a two-factor one. The site's moderation pages ask
    the same through `moderation_action`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/admin/"):
            refusal = second_factor_refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)


# Set for a session signed in through an identity provider that asserted a second factor
# (cdp_portal.accounts.sso): that sign-in was a two-factor one, so the staff rule holds
# for the session without an authenticator of the portal's own.
IDP_SECOND_FACTOR_SESSION_KEY = "portal_idp_second_factor"


def staff_needs_second_factor(user) -> bool:
    """The one rule: with PORTAL_STAFF_MFA_REQUIRED on, staff (every animator and
    administrator) without an authenticator app or security key may neither use the admin
    nor moderate on the site."""
    return (
        settings.PORTAL_STAFF_MFA_REQUIRED
        and getattr(user, "is_staff", False)
        and not _has_second_factor(user)
    )


def second_factor_refusal(request: HttpRequest) -> HttpResponse | None:
    """None when the person may go on; otherwise the way to set up a second factor."""
    if not staff_needs_second_factor(request.user):
        return None
    if request.session.get(IDP_SECOND_FACTOR_SESSION_KEY):
        return None
    messages.warning(
        request,
        _(
            "L'administration demande la double authentification : activez-la "
            "pour votre compte, puis revenez."
        ),
    )
    if getattr(request, "htmx", False):
        # htmx would swap the set-up page into a fragment: send the whole page there.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("mfa_activate_totp")
        return response
    return redirect("mfa_activate_totp")


def moderation_action(view):
    """For every view through which staff moderate on the site (hide, lock, move, flags,
    memberships, roles, readiness decisions…): a password alone is not enough when
    PORTAL_STAFF_MFA_REQUIRED is on, exactly as for /admin/. It runs before the view, so
    nothing is read or written for a refused request."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        refusal = second_factor_refusal(request)
        if refusal is not None:
            return refusal
        return view(request, *args, **kwargs)

    return wrapper


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
        # Loaded: from here on the person itself rather than the lazy proxy, which each of
        # a page's few hundred reads of `request.user` went through (about 0.5 ms a page).
        if isinstance(request.user, LazyObject):
            request.user = request.user._wrapped
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
