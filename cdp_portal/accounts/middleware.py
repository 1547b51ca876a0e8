"""Sessions signed in before the portal's own authentication backends keep working."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest, HttpResponse

from cdp_portal.core.middleware import DATABASE_DOWN_ERRORS, database_unavailable_response

from .backends import UPGRADED_BACKENDS


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
