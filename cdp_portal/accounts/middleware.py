"""Sessions signed in before the portal's own authentication backends keep working; the
sign-in methods the settings allow (password, single sign-on)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cdp_portal.core.middleware import DATABASE_DOWN_ERRORS, database_unavailable_response

from .backends import UPGRADED_BACKENDS

logger = logging.getLogger(__name__)


class SessionBackendUpgradeMiddleware:
    """A session recorded with Django's or allauth's backend path is moved to the
    portal's subclass of it (which loads the person with their administrator fact), so
    nobody is signed out by the change. Placed before AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        try:
            upgraded = UPGRADED_BACKENDS.get(session.get(BACKEND_SESSION_KEY, ""))
        except DATABASE_DOWN_ERRORS:
            # The session could not be read: the database is down. The same 503 page as
            # DatabaseUnavailableMiddleware's, without waiting for the database again.
            return database_unavailable_response(request)
        if upgraded:
            session[BACKEND_SESSION_KEY] = upgraded
        return self.get_response(request)


# allauth's pages that use or set a password: refused while PORTAL_PASSWORD_LOGIN is off.
# The login page itself stays, offering the identity provider, but takes no password.
PASSWORD_PAGES = frozenset(
    {
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
        "account_change_password",
        "account_set_password",
    }
)
# allauth's single sign-on views (its SAML and OpenID Connect providers).
SINGLE_SIGN_ON_VIEWS = frozenset(
    {
        "saml_login",
        "saml_acs",
        "saml_finish_acs",
        "saml_sls",
        "saml_metadata",
        "openid_connect_login",
        "openid_connect_callback",
    }
)


def _identity_provider_errors() -> tuple[tuple[type[BaseException], ...], ...]:
    """(what raises when the identity provider cannot be reached, what raises when a
    message to or from it cannot be read: allauth catches some of them, not all)."""
    import xmlsec
    from lxml import etree
    from onelogin.saml2.errors import OneLogin_Saml2_Error, OneLogin_Saml2_ValidationError
    from requests import RequestException

    unreachable = (RequestException, OSError)  # OSError: urllib's, for SAML metadata
    unreadable = (
        OneLogin_Saml2_Error,
        OneLogin_Saml2_ValidationError,
        etree.LxmlError,
        xmlsec.Error,
        KeyError,
        ValueError,
    )
    return unreachable, unreadable


class SignInMethodsMiddleware:
    """The sign-in methods the settings allow, whatever link or form a request comes
    from: with PORTAL_PASSWORD_LOGIN off, allauth's password pages (and a password posted
    to the login page) answer a page saying so, with the identity provider's button; and
    an identity provider that cannot be reached or answers something unreadable gives
    the sign-in error page (502), not a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if settings.PORTAL_PASSWORD_LOGIN:
            return None
        name = request.resolver_match.url_name if request.resolver_match else ""
        if name in PASSWORD_PAGES or (name == "account_login" and request.method == "POST"):
            return render(request, "account/password_login_off.html", status=403)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception):
        name = request.resolver_match.url_name if request.resolver_match else ""
        if name not in SINGLE_SIGN_ON_VIEWS:
            return None
        unreachable, unreadable = _identity_provider_errors()
        if isinstance(exception, unreachable):
            logger.error("Single sign-on: the identity provider is unreachable", exc_info=exception)
            code, status = "unreachable", 502
        elif isinstance(exception, unreadable):
            # A message that is not SAML, or that python3-saml cannot use: the request's.
            logger.warning("Single sign-on: unreadable message: %r", exception)
            code, status = "unreadable", 400
        else:
            return None
        return render(
            request,
            "socialaccount/authentication_error.html",
            {"auth_error": {"code": code}},
            status=status,
        )
