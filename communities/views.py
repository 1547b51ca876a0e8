"""Community pages: the list, a community's home and members, and the membership flows
(join, leave, invitations, requests, invite, roles).

Thin views: which communities a person may see comes from the querysets
(`visible_to`, `visible_or_invited_to`), who may do what from `communities.permissions`,
and every write goes through `communities.services`. A service's refusal
(`PermissionDenied`, `ValidationError`) becomes a message, never a server error.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cdp_portal.core.errors import error_text
from cdp_portal.core.middleware import moderation_action
from cdp_portal.core.redirects import safe_next_url

from . import services
from .access import community_or_404
from .benefits import BENEFITS_BY_KEY
from .forms import (
    CommunityFilterForm,
    InvitationResponseForm,
    InviteForm,
    JoinForm,
    MemberFilterForm,
    RequestDecisionForm,
    RolesForm,
)
from .models import Community, Membership, Role
from .pages import COMMUNITY_HOME
from .permissions import (
    can_manage_members,
    can_see_community,
    can_see_content,
    forget_membership,
)
from .responses import STATE_BY_STATUS, membership_state

COMMUNITIES_PER_PAGE = 24
MEMBERS_PER_PAGE = 30
REQUESTS_PER_PAGE = 30


def _back_to(request: HttpRequest, community: Community) -> HttpResponse:
    """After a membership change: the community's home, or the list when the person may
    no longer see it (they left a private community)."""
    forget_membership(request.user, community)
    if can_see_community(request.user, community):
        return redirect(community)
    return redirect("communities:list")


# --- List -----------------------------------------------------------------------------


@require_safe
def community_list(request: HttpRequest) -> HttpResponse:
    visible = Community.objects.visible_to(request.user)
    form = CommunityFilterForm(request.GET or None, visible=visible)
    communities = form.filter(visible.for_listing(), request.user)
    page = Paginator(communities, COMMUNITIES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    if page.object_list:
        # The person's own status on every card of the page, in one query.
        statuses = dict(
            Membership.objects.filter(
                user=request.user, community__in=[c.pk for c in page.object_list]
            ).values_list("community_id", "status")
        )
        for community in page.object_list:
            community.my_state = STATE_BY_STATUS.get(statuses.get(community.pk), "none")
    return render(
        request,
        "communities/community_list.html",
        {"form": form, "page_obj": page, "communities": page.object_list},
    )


# --- Community home -------------------------------------------------------------------


def _home_queryset(user):
    return (
        Community.objects.visible_or_invited_to(user)
        .select_related("sponsor__profile")
        .with_member_count()
    )


def _render_home(
    request: HttpRequest,
    community: Community,
    *,
    join_form: JoinForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    membership, state = membership_state(user, community)
    sees_content = can_see_content(user, community)
    manages = can_manage_members(user, community)
    role_holders = Membership.objects.role_holders(
        community, Role.shown(reads_content=sees_content)
    )
    context = {
        "community": community,
        "membership": membership,
        "membership_state": state,
        "join_form": join_form or JoinForm(),
        "sees_content": sees_content,
        "manages": manages,
        "role_holders": [(label, people) for label, people in role_holders if people],
        "benefits": [BENEFITS_BY_KEY[key] for key in community.benefits if key in BENEFITS_BY_KEY],
        "pending_request_count": (
            Membership.objects.filter(community=community).pending_requests().count()
            if manages
            else None
        ),
        "sections": COMMUNITY_HOME.build(request, community) if sees_content else [],
    }
    return render(request, "communities/community_detail.html", context, status=status)


@require_safe
def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_or_404(
        request.user, slug, queryset=_home_queryset(request.user), readable=None
    )
    return _render_home(request, community)


# --- Members --------------------------------------------------------------------------


@require_safe
def community_members(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_or_404(
        request.user, slug, members_only="communities/members_forbidden.html"
    )
    user = request.user
    manages = can_manage_members(user, community)
    form = MemberFilterForm(request.GET or None)
    memberships = form.filter(
        Membership.objects.active().filter(community=community).for_member_list()
    )
    page = Paginator(memberships, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    back = request.get_full_path()
    rows = [
        (
            membership,
            RolesForm(
                initial={"roles": membership.roles, "next": back},
                auto_id=f"roles-{membership.pk}-%s",
            )
            if manages
            else None,
        )
        for membership in page.object_list
    ]
    return render(
        request,
        "communities/community_members.html",
        {
            "community": community,
            "form": form,
            "page_obj": page,
            "rows": rows,
            "manages": manages,
        },
    )


# --- Join, leave, invitations ---------------------------------------------------------


@require_POST
def community_join(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_or_404(
        request.user, slug, queryset=_home_queryset(request.user), readable=None
    )
    form = JoinForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Votre demande n'a pas été envoyée : corrigez le message."))
        return _render_home(request, community, join_form=form, status=400)
    before, _state = membership_state(request.user, community)
    if before is not None and before.status in STATE_BY_STATUS and before.status != "invited":
        messages.info(request, _("Votre adhésion est déjà enregistrée."))
        return redirect(community)
    try:
        membership = services.membership_join(
            community=community, user=request.user, message=form.cleaned_data["message"]
        )
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, error_text(error))
        return redirect(community)
    if membership.is_active:
        messages.success(
            request, _("Bienvenue dans la communauté %(name)s.") % {"name": community.name}
        )
    else:
        messages.success(
            request,
            _(
                "Votre demande a été transmise à l'animation de la communauté. Vous recevrez "
                "un e-mail dès qu'elle sera traitée."
            ),
        )
    return _back_to(request, community)


@require_POST
def community_leave(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_or_404(request.user, slug, readable=None)
    membership, state = membership_state(request.user, community)
    if state == "requested":
        # Leaving before being let in: the request is withdrawn.
        services.membership_withdraw_request(membership=membership)
        messages.success(request, _("Votre demande d'adhésion est retirée."))
        return _back_to(request, community)
    if state != "member":
        messages.error(request, _("Vous n'êtes pas membre de cette communauté."))
        return redirect(community)
    try:
        services.membership_leave(membership=membership)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, error_text(error))
        return redirect(community)
    messages.success(
        request, _("Vous avez quitté la communauté %(name)s.") % {"name": community.name}
    )
    return _back_to(request, community)


@require_POST
def invitation_respond(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_or_404(
        request.user,
        slug,
        queryset=Community.objects.visible_or_invited_to(request.user),
        readable=None,
    )
    form = InvitationResponseForm(request.POST)
    membership, state = membership_state(request.user, community)
    if not form.is_valid():
        messages.error(request, error_text(ValidationError(form.errors["decision"])))
        return redirect(community)
    if state != "invited":
        messages.error(request, _("Aucune invitation en attente."))
        return redirect(community)
    try:
        if form.cleaned_data["decision"] == "accept":
            services.membership_accept_invitation(membership=membership)
            messages.success(
                request, _("Bienvenue dans la communauté %(name)s.") % {"name": community.name}
            )
        else:
            services.membership_decline_invitation(membership=membership)
            messages.info(request, _("Vous avez décliné l'invitation."))
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, error_text(error))
    return _back_to(request, community)


# --- Animators' pages -----------------------------------------------------------------


def _request_decision_auto_id(value) -> str:
    return f"request-{value}-%s" if str(value).isdigit() else "request-%s"


def _decide_request(request: HttpRequest, decision: dict) -> None:
    """Approve or refuse the request of a valid `RequestDecisionForm`; the outcome, or
    the service's refusal, becomes a message."""
    membership = decision["membership"]
    name = membership.user.get_full_name()
    try:
        if decision["decision"] == "approve":
            services.membership_approve(membership=membership, by=request.user)
            messages.success(
                request, _("%(name)s fait maintenant partie de la communauté.") % {"name": name}
            )
        else:
            services.membership_refuse(
                membership=membership, by=request.user, reason=decision["reason"]
            )
            messages.success(request, _("La demande de %(name)s a été refusée.") % {"name": name})
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, error_text(error))


@require_http_methods(["GET", "HEAD", "POST"])
@moderation_action
def membership_requests(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_or_404(request.user, slug, readable=can_manage_members)
    pending = (
        Membership.objects.filter(community=community)
        .pending_requests()
        .select_related("user__profile")
    )
    bound = None
    if request.method == "POST":
        bound = RequestDecisionForm(
            request.POST,
            pending=pending,
            auto_id=_request_decision_auto_id(request.POST.get("membership", "")),
        )
        if bound.is_valid():
            _decide_request(request, bound.cleaned_data)
            return redirect("communities:requests", slug=community.slug)
        if "membership" in bound.errors:
            messages.error(request, error_text(ValidationError(bound.errors["membership"])))
            return redirect("communities:requests", slug=community.slug)
    if bound is not None:
        messages.error(request, _("La décision n'a pas été enregistrée : corrigez le formulaire."))
    page = Paginator(pending.order_by("created_at", "pk"), REQUESTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    bound_pk = bound.cleaned_data["membership"].pk if bound is not None else None
    rows = [
        (
            membership,
            bound
            if membership.pk == bound_pk
            else RequestDecisionForm(
                pending=pending, auto_id=_request_decision_auto_id(membership.pk)
            ),
        )
        for membership in page.object_list
    ]
    return render(
        request,
        "communities/membership_requests.html",
        {"community": community, "page_obj": page, "rows": rows},
        status=400 if bound is not None else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@moderation_action
def member_invite(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_or_404(request.user, slug, readable=can_manage_members)
    if request.method == "POST":
        form = InviteForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]
            try:
                membership = services.membership_invite(
                    community=community,
                    email=email,
                    by=request.user,
                    roles=form.cleaned_data["roles"],
                    display_name=form.cleaned_data["display_name"].strip(),
                )
            except (PermissionDenied, ValidationError) as error:
                form.add_error(None, error_text(error))
            else:
                if membership.is_active:
                    text = _("%(email)s fait partie de la communauté ; ses rôles sont à jour.")
                else:
                    text = _("Invitation envoyée à %(email)s.")
                messages.success(request, text % {"email": email})
                return redirect("communities:invite", slug=community.slug)
        status = 400
    else:
        form = InviteForm()
        status = 200
    invitations = (
        Membership.objects.filter(community=community, status=Membership.Status.INVITED)
        .select_related("user", "invited_by")
        .order_by("-created_at", "-pk")
    )
    return render(
        request,
        "communities/member_invite.html",
        {
            "community": community,
            "form": form,
            "invitations": Paginator(invitations, REQUESTS_PER_PAGE).get_page(
                request.GET.get("page")
            ),
        },
        status=status,
    )


@require_POST
@moderation_action
def invitation_cancel(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    community = community_or_404(request.user, slug, readable=can_manage_members)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "community"),
        community=community,
        pk=membership_id,
    )
    try:
        services.membership_cancel_invitation(membership=membership, by=request.user)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("L'invitation de %(email)s est annulée.") % {"email": membership.user.email},
        )
    return redirect("communities:invite", slug=community.slug)


@require_POST
@moderation_action
def member_roles(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    community = community_or_404(request.user, slug, readable=can_manage_members)
    membership = get_object_or_404(
        Membership.objects.active().select_related("user"), community=community, pk=membership_id
    )
    form = RolesForm(request.POST)
    back = safe_next_url(
        request,
        request.POST.get("next"),
        reverse("communities:members", kwargs={"slug": community.slug}),
    )
    name = membership.user.get_full_name()
    if not form.is_valid():
        messages.error(
            request,
            _("Les rôles de %(name)s n'ont pas changé : %(error)s")
            % {"name": name, "error": " ".join(e for errs in form.errors.values() for e in errs)},
        )
        return redirect(back)
    try:
        services.membership_set_roles(
            membership=membership, roles=form.cleaned_data["roles"], by=request.user
        )
    except (PermissionDenied, ValidationError) as error:
        messages.error(
            request,
            _("Les rôles de %(name)s n'ont pas changé : %(error)s")
            % {"name": name, "error": error_text(error)},
        )
    else:
        messages.success(request, _("Les rôles de %(name)s sont à jour.") % {"name": name})
    return redirect(back)
