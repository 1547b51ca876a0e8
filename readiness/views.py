"""The readiness pages: a community's launch-readiness checklist, the inline edit of an
item (htmx, or a plain page without JavaScript), and the printable decision dossier with
the decision form.

Who sees what: a private community is a 404 for non-members, a closed one the "members
only" 403; members read; animators, the sponsor and administrators change hand-set items;
the sponsor and administrators record the decision (`readiness.permissions`). Every write
goes through `readiness.services`; a refusal becomes a message, never a server error.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cdp_portal.core.announcements import announce
from cdp_portal.core.middleware import moderation_action, second_factor_refusal
from cdp_portal.core.numbers import format_percent
from communities.access import community_or_404
from communities.benefits import BENEFIT_GROUPS
from communities.models import Community, Membership, Role
from communities.permissions import can_moderate

from . import services
from .forms import ChecklistItemForm, DecisionForm
from .models import READINESS_PHASES, ChecklistItem, ReadinessDecision
from .permissions import can_edit_checklist, can_record_decision, can_view_readiness
from .scoring import ReadinessReport, readiness_report


def _readable_community(request: HttpRequest, slug: str) -> Community:
    """The community, a 404 when the person may not know it exists (its sponsor always
    does), or the members-only 403 page."""
    return community_or_404(
        request.user,
        slug,
        queryset=Community.objects.visible_or_sponsored_by(request.user).select_related("sponsor"),
        readable=can_view_readiness,
        members_only="readiness/forbidden.html",
    )


def _readiness_url(community: Community, item: ChecklistItem | None = None) -> str:
    url = reverse("readiness:checklist", kwargs={"slug": community.slug})
    return f"{url}#item-{item.pk}" if item is not None else url


def _page_context(request: HttpRequest, community: Community, report: ReadinessReport | None):
    user = request.user
    editable = community.phase in READINESS_PHASES
    return {
        "community": community,
        "report": report,
        "checklist": report.checklist if report else None,
        "can_edit": editable and can_edit_checklist(user, community),
        "can_decide": can_record_decision(user, community),
        "manages": can_moderate(user, community),
        "in_readiness_phase": editable,
        "today": timezone.localdate(),
    }


# --- The checklist ----------------------------------------------------------------------------


@require_safe
def readiness(request: HttpRequest, slug: str) -> HttpResponse:
    community = _readable_community(request, slug)
    # Reading never writes: until someone who may edit starts it, there is no checklist.
    checklist = services.checklist_get(community)
    report = readiness_report(checklist) if checklist else None
    return render(
        request,
        "readiness/readiness.html",
        _page_context(request, community, report),
    )


@require_POST
@moderation_action
def readiness_start(request: HttpRequest, slug: str) -> HttpResponse:
    community = _readable_community(request, slug)
    try:
        services.checklist_start(community=community, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("La liste de préparation est démarrée."))
    return redirect(_readiness_url(community))


def _item_for(request: HttpRequest, slug: str, item_id: int) -> tuple[Community, ChecklistItem]:
    community = _readable_community(request, slug)
    item = get_object_or_404(
        ChecklistItem.objects.select_related(
            "checklist", "template_item__section", "owner__profile", "evidence"
        ),
        checklist__community=community,
        pk=item_id,
    )
    item.checklist.community = community
    return community, item


def _render_item(
    request: HttpRequest,
    community: Community,
    item: ChecklistItem,
    *,
    form: ChecklistItemForm | None = None,
    status: int = 200,
    saved: bool = False,
    announcement: str = "",
) -> HttpResponse:
    """The item as a row of the checklist (htmx), in edit mode when a form is given, or
    its own page (no JavaScript). With htmx, what happened is read out: the editor
    opened, refused or closed, the item saved with the new score (the score's own block
    is replaced, so it cannot announce itself)."""
    report = readiness_report(item.checklist)
    state = report.state_of(item.pk)
    context = {
        **_page_context(request, community, report),
        "state": state,
        "form": form,
    }
    if request.htmx:
        # htmx swaps 2xx answers only: errors come back in a 200 with the form.
        response = render(request, "readiness/item_response.html", context)
        return announce(
            response, announcement or _item_announcement(item, report, form=form, saved=saved)
        )
    return render(request, "readiness/item_edit.html", context, status=status)


def _item_announcement(
    item: ChecklistItem, report: ReadinessReport, *, form: ChecklistItemForm | None, saved: bool
) -> str:
    text = item.template_item.text
    if form is not None:
        if form.errors:
            return _("L'élément n'a pas été enregistré : corrigez les champs signalés.")
        return _("Modification de « %(item)s ».") % {"item": text}
    if not saved:
        return _("Modification de « %(item)s » fermée.") % {"item": text}
    done = _("« %(item)s » est à jour.") % {"item": text}
    if report.score is None:
        return done
    score = format_percent(report.score)
    return done + " " + _("Score de préparation : %(score)s.") % {"score": score}


@require_http_methods(["GET", "HEAD", "POST"])
def readiness_item(request: HttpRequest, slug: str, item_id: int) -> HttpResponse:
    community, item = _item_for(request, slug, item_id)
    if request.method != "POST" and request.GET.get("view") == "row":
        return _render_item(request, community, item)
    if not can_edit_checklist(request.user, community):
        raise PermissionDenied
    # Reading a row is for every reader; editing is a moderation action.
    refusal = second_factor_refusal(request)
    if refusal is not None:
        return refusal
    if community.phase not in READINESS_PHASES:
        messages.error(request, _("La liste est figée : la communauté a quitté la préparation."))
        return redirect(_readiness_url(community, item))
    if item.template_item.rule:
        refusal_text = _("Cet élément est évalué automatiquement à partir des données du portail.")
        if request.htmx:
            return _render_item(request, community, item, announcement=refusal_text)
        messages.error(request, refusal_text)
        return redirect(_readiness_url(community, item))
    if request.method != "POST":
        form = ChecklistItemForm(item=item, user=request.user)
        return _render_item(request, community, item, form=form)
    form = ChecklistItemForm(request.POST, item=item, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.checklist_item_update(
                item=item,
                by=request.user,
                status=data["status"],
                owner=data["owner"],
                due_date=data["due_date"],
                note=data["note"],
                evidence=data["evidence"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            if request.htmx:
                return _render_item(request, community, item, saved=True)
            messages.success(
                request, _("« %(item)s » est à jour.") % {"item": item.template_item.text}
            )
            return redirect(_readiness_url(community, item))
    return _render_item(request, community, item, form=form, status=400)


# --- The decision dossier -------------------------------------------------------------------


def _render_dossier(
    request: HttpRequest, community: Community, *, form: DecisionForm | None = None, status=200
) -> HttpResponse:
    checklist = services.checklist_get(community)
    report = readiness_report(checklist) if checklist else None
    # Only those who read the content and the sponsor, who decides on the staffing, get
    # this far: all the roles, as to readers.
    role_holders = Membership.objects.role_holders(community, Role.shown(reads_content=True))
    chosen = set(community.benefits)
    benefit_groups = [
        (group, [benefit for benefit in group.benefits if benefit.key in chosen])
        for group in BENEFIT_GROUPS
    ]
    context = {
        **_page_context(request, community, report),
        "role_holders": role_holders,
        "benefit_groups": [(group, benefits) for group, benefits in benefit_groups if benefits],
        "decisions": list(ReadinessDecision.objects.for_community(community)),
        "form": form or DecisionForm(),
        "now": timezone.now(),
    }
    return render(request, "readiness/dossier.html", context, status=status)


@require_safe
def readiness_dossier(request: HttpRequest, slug: str) -> HttpResponse:
    community = _readable_community(request, slug)
    return _render_dossier(request, community)


@require_POST
@moderation_action
def readiness_decision(request: HttpRequest, slug: str) -> HttpResponse:
    community = _readable_community(request, slug)
    if not can_record_decision(request.user, community):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = services.decision_record(
                community=community,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                rationale=form.cleaned_data["rationale"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            if decision.changed_phase:
                text = _("Décision enregistrée : la communauté passe à la phase « %(phase)s ».") % {
                    "phase": decision.get_phase_after_display()
                }
            else:
                text = _("Décision enregistrée : %(outcome)s.") % {
                    "outcome": decision.get_outcome_display()
                }
            messages.success(request, text)
            return redirect("readiness:dossier", slug=community.slug)
    messages.error(request, _("La décision n'a pas été enregistrée : corrigez le formulaire."))
    return _render_dossier(request, community, form=form, status=400)
