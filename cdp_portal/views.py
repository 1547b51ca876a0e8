import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import psycopg
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.i18n import set_language as django_set_language

from communities.benefits import BENEFIT_GROUPS
from communities.models import Community, Membership

from .composition import DASHBOARD
from .core.redirects import safe_next_url


@login_not_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors, the dashboard for signed-in members."""
    if not request.user.is_authenticated:
        return render(
            request,
            "home/landing.html",
            {"benefit_groups": BENEFIT_GROUPS},
        )
    context = dashboard_context(request.user)
    context["panels"] = DASHBOARD.build(request, request.user)
    return render(request, "home/dashboard.html", context)


DASHBOARD_LIST_SIZE = 10


def dashboard_context(user) -> dict:
    """What the dashboard panels show: one query per panel, whatever the data size."""
    return {
        "my_memberships": (
            Membership.objects.filter(user=user)
            .active()
            .select_related("community")
            .order_by("community__name")[:DASHBOARD_LIST_SIZE]
        ),
        "my_invitations": (
            Membership.objects.filter(user=user)
            .pending_invitations()
            .select_related("community", "invited_by")
            .order_by("-created_at")[:DASHBOARD_LIST_SIZE]
        ),
        "communities_with_requests": (
            Community.objects.moderated_by(user).with_pending_requests()[:DASHBOARD_LIST_SIZE]
        ),
    }


# --- Health check -------------------------------------------------------------------------

# Each probe has its own deadline: together they answer well within 2 s, whatever state
# the database or the cache is in (down, unreachable, accepting and never answering).
DATABASE_PROBE_SECONDS = 1.0
CACHE_PROBE_SECONDS = 0.5
HEALTH_PROBE_KEY = "healthz:probe"


class _Probe:
    """Runs a check in a daemon thread; the view waits for it only until its deadline.

    A check that hangs (a black-holed server) is abandoned, not waited for; while it is
    still running, the next health checks report failure at once instead of piling up
    threads."""

    def __init__(self, check: Callable[..., None]) -> None:
        self.check = check
        self.running = threading.Lock()

    def start(self, *args: Any) -> threading.Event:
        """An event set when the check has succeeded."""
        done = threading.Event()
        if not self.running.acquire(blocking=False):
            return done  # the previous check still hangs: never set, so a failure

        def run() -> None:
            try:
                self.check(*args)
            except Exception:  # any failure means "not ok"
                pass
            else:
                done.set()
            finally:
                self.running.release()

        threading.Thread(target=run, name="healthz-probe", daemon=True).start()
        return done


def _check_database(params: dict[str, Any]) -> None:
    # A connection of its own, not the pool's: the check says whether PostgreSQL
    # answers, and must not wait behind busy requests for a pooled connection.
    params = dict(params)
    params["connect_timeout"] = max(2, int(DATABASE_PROBE_SECONDS) + 1)
    params["options"] = f"{params.get('options', '')} -c statement_timeout=1000".strip()
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute("SELECT 1").fetchone()


def _check_cache(cache: BaseCache) -> None:
    # A key of its own per check: several workers probing at once must not read each
    # other's value.
    key = f"{HEALTH_PROBE_KEY}:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            raise RuntimeError("cache did not keep the probe value")
    finally:
        cache.delete(key)
    # The resilient Redis cache answers from this process's memory while Redis is down:
    # the probe then succeeds, but the shared cache is not there.
    if getattr(cache, "degraded", False):
        raise RuntimeError("the shared cache is down; serving from the local fallback")


_database_probe = _Probe(_check_database)
_cache_probe = _Probe(_check_cache)


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and monitoring, within 2 s: 200 "ok" when the database and the
    cache answer; 200 "degraded" when only the cache fails (pages and posting keep
    working without it); 503 "unavailable" when the database does not answer."""
    database = _database_probe.start(connection.get_connection_params())
    # This thread's cache client, shared with the probe: one more would be opened per call.
    cache = _cache_probe.start(caches["default"])
    started = time.monotonic()
    database_ok = database.wait(DATABASE_PROBE_SECONDS)
    cache_ok = cache.wait(max(0.0, CACHE_PROBE_SECONDS - (time.monotonic() - started)))
    body = {
        "database": "ok" if database_ok else "unreachable",
        "cache": "ok" if cache_ok else "unavailable",
    }
    if not database_ok:
        return JsonResponse({"status": "unavailable", **body}, status=503)
    return JsonResponse({"status": "ok" if cache_ok else "degraded", **body})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent with an expired or missing token (a page left open
    past the session, a reload after signing out elsewhere) gets the portal's own 403 in
    the person's language instead of Django's bare English page.

    It runs before authentication and may run while the database is failing, so the
    template reads nothing from the database; Django's `reason` names which check failed,
    which helps an attacker more than the person, so it is not shown."""
    return render(request, "403_csrf.html", status=403)


@login_not_required
def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """Replaces the admin's own login form, which would bypass allauth's rate limits,
    e-mail verification and two-factor authentication: everyone signs in at
    /accounts/login/. A signed-in person without admin access gets a 403, not a loop."""
    if request.user.is_authenticated:
        raise PermissionDenied
    target = safe_next_url(request, request.GET.get(REDIRECT_FIELD_NAME), reverse("admin:index"))
    return redirect(f"{reverse('account_login')}?{REDIRECT_FIELD_NAME}={quote(target)}")


@login_not_required
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switcher, given only a safe `next` (its own check lets "/a\\r\\nb"
    through, which a Location header refuses with a 500)."""
    params = request.POST if request.method == "POST" else request.GET
    candidate = params.get("next") or request.META.get("HTTP_REFERER")
    params = params.copy()
    params["next"] = safe_next_url(request, candidate, "/")
    if request.method == "POST":
        request.POST = params
    else:
        request.GET = params
    return django_set_language(request)
