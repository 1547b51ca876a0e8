"""Business actions on launch-readiness checklists and decisions.

Views, the admin and the demo data call these functions; each is one transaction.
Refusals are `PermissionDenied` (not the person's to do) or `ValidationError` (bad input,
or an item computed from live data, which nobody sets by hand).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cdp_portal.accounts.types import AnyUser, User
from communities.models import Community, Membership, Phase

from .loader import DEFAULT_DIRECTORY, DEFAULT_TEMPLATE_SLUG, load_directory
from .models import (
    READINESS_PHASES,
    Checklist,
    ChecklistItem,
    ChecklistItemRevision,
    ChecklistTemplate,
    DecisionOutcome,
    ItemStatus,
    ReadinessDecision,
    TemplateItem,
)
from .permissions import can_edit_checklist, can_record_decision
from .scoring import readiness_report

if TYPE_CHECKING:
    from resources.models import Resource


# --- Choices offered to editors -------------------------------------------------------------


def owner_candidates(community: Community) -> QuerySet[User]:
    """Who may own an item: the community's active members, by name."""
    return (
        User.objects.filter(
            memberships__community=community, memberships__status=Membership.Status.ACTIVE
        )
        .select_related("profile")
        .order_by("display_name", "last_name", "first_name", "email", "pk")
    )


def evidence_candidates(community: Community, user: AnyUser) -> QuerySet[Resource]:
    """Resources that may back an item: visible ones of the community itself or offered to
    the whole institution, among those the person may see."""
    from resources.models import Resource

    return Resource.objects.visible_to(user).filter(
        Q(community__isnull=True) | Q(community=community), is_hidden=False
    )


# --- Checklist ---------------------------------------------------------------------------------


def default_template() -> ChecklistTemplate:
    """The latest version of the default template, loaded from the repository's YAML
    files on first need (a fresh installation has not run the command yet)."""
    template = ChecklistTemplate.objects.latest_version(DEFAULT_TEMPLATE_SLUG)
    if template is None:
        load_directory(DEFAULT_DIRECTORY)
        template = ChecklistTemplate.objects.latest_version(DEFAULT_TEMPLATE_SLUG)
    if template is None:  # pragma: no cover - the repository ships the default template
        raise ValidationError(_("Le modèle de liste de préparation par défaut est introuvable."))
    return template


def checklist_get(community: Community) -> Checklist | None:
    checklist = Checklist.objects.filter(community=community).select_related("template").first()
    if checklist is not None:
        checklist.community = community
    return checklist


def checklist_ensure(
    *, community: Community, by: User | None = None, template: ChecklistTemplate | None = None
) -> Checklist | None:
    """The community's checklist, created from the latest version of the default template
    when it first needs one (deciding or preparing phase). None for a community in another
    phase that never had one."""
    checklist = checklist_get(community)
    if checklist is not None or community.phase not in READINESS_PHASES:
        return checklist
    template = template or default_template()
    try:
        with transaction.atomic():
            checklist = Checklist.objects.create(
                community=community, template=template, created_by=by
            )
            ChecklistItem.objects.bulk_create(
                ChecklistItem(checklist=checklist, template_item=template_item)
                for template_item in TemplateItem.objects.filter(template=template).order_by(
                    "section__position", "position"
                )
            )
    except IntegrityError:
        # Someone else created it at the same moment: theirs is the one.
        checklist = checklist_get(community)
    else:
        checklist.community = community
    return checklist


def checklist_start(*, community: Community, by: User) -> Checklist | None:
    """Start the community's checklist: pages only read (a GET writes nothing, whoever
    asks), so the list is created by this deliberate action of someone who may edit it."""
    if not can_edit_checklist(by, community):
        raise PermissionDenied(
            _("Seules l'animation, la marraine ou le parrain modifient la liste.")
        )
    if community.phase not in READINESS_PHASES:
        raise ValidationError(
            _("La liste de préparation se démarre en phase de décision ou de préparation.")
        )
    return checklist_ensure(community=community, by=by)


def _check_member(owner: User | None, community: Community) -> None:
    if owner is None:
        return
    is_member = Membership.objects.filter(
        community=community, user=owner, status=Membership.Status.ACTIVE
    ).exists()
    if not is_member:
        raise ValidationError(
            {"owner": _("La personne responsable doit être membre de la communauté.")}
        )


def checklist_item_check(
    *,
    item: ChecklistItem,
    by: User,
    status: str,
    owner: User | None = None,
    evidence: Resource | None = None,
) -> None:
    """Refuse a change nobody may make: PermissionDenied or ValidationError."""
    community = item.checklist.community
    if not can_edit_checklist(by, community):
        raise PermissionDenied(
            _("Seules l'animation, la marraine ou le parrain modifient la liste.")
        )
    if item.template_item.rule:
        raise ValidationError(
            _("Cet élément est évalué automatiquement à partir des données du portail.")
        )
    if community.phase not in READINESS_PHASES:
        raise ValidationError(
            _(
                "La communauté a quitté les phases de décision et de préparation : "
                "la liste est figée."
            )
        )
    if status not in ItemStatus.values:
        raise ValidationError({"status": _("Statut inconnu.")})
    _check_member(owner, community)
    if evidence is not None and not (
        evidence_candidates(community, by).filter(pk=evidence.pk).exists()
    ):
        raise ValidationError(
            {
                "evidence": _(
                    "La ressource à l'appui doit appartenir à la communauté ou à toute "
                    "l'institution, et être visible."
                )
            }
        )


@transaction.atomic
def checklist_item_update(
    *,
    item: ChecklistItem,
    by: User,
    status: str,
    owner: User | None = None,
    due_date: datetime.date | None = None,
    note: str = "",
    evidence: Resource | None = None,
) -> ChecklistItem:
    """Set a hand-set item's status, owner, due date, note and evidence, and keep the new
    state in the item's history."""
    checklist_item_check(item=item, by=by, status=status, owner=owner, evidence=evidence)
    item.status = status
    item.owner = owner
    item.due_date = due_date
    item.note = note.strip()
    item.evidence = evidence
    item.updated_by = by
    item.updated_at = timezone.now()
    item.save(
        update_fields=[
            "status",
            "owner",
            "due_date",
            "note",
            "evidence",
            "updated_by",
            "updated_at",
        ]
    )
    ChecklistItemRevision.objects.create(
        item=item,
        changed_by=by,
        changed_at=item.updated_at,
        status=status,
        owner=owner,
        due_date=due_date,
        note=item.note,
        evidence=evidence,
    )
    return item


# --- Decision ----------------------------------------------------------------------------------


@transaction.atomic
def decision_record(
    *, community: Community, by: User, outcome: str, rationale: str
) -> ReadinessDecision:
    """Record the sponsor's launch decision; a "go" moves the community to the next phase
    in the same transaction. Earlier decisions stay as the history."""
    if not can_record_decision(by, community):
        raise PermissionDenied(
            _("Seuls la marraine ou le parrain et les administrateurs décident.")
        )
    if outcome not in DecisionOutcome.values:
        raise ValidationError({"outcome": _("Décision inconnue.")})
    rationale = (rationale or "").strip()
    if not rationale:
        raise ValidationError({"rationale": _("Expliquez la décision en quelques mots.")})
    # Lock the community: two decisions at once must not both move the phase.
    locked = Community.objects.select_for_update().get(pk=community.pk)
    if locked.phase not in READINESS_PHASES:
        raise ValidationError(
            _("La décision de démarrage se prend en phase de décision ou de préparation.")
        )
    checklist = checklist_get(locked)
    score = None
    if checklist is not None:
        checklist.community = locked
        score = readiness_report(checklist).score
    phase_before = locked.phase
    phase_after = phase_before
    if outcome == DecisionOutcome.GO:
        phase_after = Phase.after(phase_before) or phase_before
    decision = ReadinessDecision.objects.create(
        community=locked,
        outcome=outcome,
        rationale=rationale,
        decided_by=by,
        decided_at=timezone.now(),
        phase_before=phase_before,
        phase_after=phase_after,
        score=score,
    )
    if phase_after != phase_before:
        locked.phase = phase_after
        locked.save(update_fields=["phase", "updated_at"])
        community.phase = phase_after
    return decision
