from urllib.parse import quote

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from communities.benefits import BENEFIT_GROUPS
from communities.models import Community, Membership

from .page_sections import DASHBOARD_PANELS


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
    context["panels"] = DASHBOARD_PANELS.build(request)
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
            Community.objects.moderated_by(user)
            .with_pending_request_count()
            .filter(pending_request_count__gt=0)
            .order_by("-pending_request_count", "name")[:DASHBOARD_LIST_SIZE]
        ),
    }


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 otherwise: for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


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
    target = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    target = target or reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{REDIRECT_FIELD_NAME}={quote(target)}")
