"""Readiness services: the checklist's creation, item changes, the launch decision."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from communities.models import Community
from readiness import services
from readiness.models import (
    ChecklistItemRevision,
    ChecklistTemplate,
    ItemStatus,
    ReadinessDecision,
    TemplateItem,
)
from tests.factories import CommunityFactory, make_member
from tests.readiness.factories import (  # noqa: F401
    checklist_of,
    deciding_community,
    item_of,
    readiness_world_fixture,
)
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db


def test_a_deciding_community_gets_a_checklist_from_the_latest_default_template():
    community = deciding_community()
    assert not ChecklistTemplate.objects.exists()
    checklist = services.checklist_ensure(community=community)  # loads the YAML on first need
    assert checklist.template.slug == "se-decider"
    assert (
        checklist.items.count() == TemplateItem.objects.filter(template=checklist.template).count()
    )
    assert services.checklist_ensure(community=community).pk == checklist.pk
    assert (
        checklist.items.count() == TemplateItem.objects.filter(template=checklist.template).count()
    )


def test_no_checklist_outside_the_deciding_and_preparing_phases():
    assert services.checklist_ensure(community=CommunityFactory(phase="growing")) is None
    assert services.checklist_ensure(community=deciding_community(phase="preparing")) is not None


def update(item, by, **fields):
    values = {"status": ItemStatus.IN_PROGRESS, "owner": None, "due_date": None, "note": ""}
    values.update(fields)
    return services.checklist_item_update(item=item, by=by, **values)


def test_an_animator_updates_a_hand_set_item_and_its_history_is_kept(readiness_world):
    community = readiness_world.open
    checklist_of(community)
    item = item_of(community, "middle-managers")
    animator = readiness_world.open_animator
    member = readiness_world.open_member
    resource = ResourceFactory(community=community, indexed=False)
    update(
        item,
        animator,
        status=ItemStatus.DONE,
        owner=member,
        due_date=datetime.date(2026, 6, 1),
        note="  Présenté au comité de direction.  ",
        evidence=resource,
    )
    item = item_of(community, "middle-managers")
    assert (item.status, item.owner, item.due_date) == (
        ItemStatus.DONE,
        member,
        datetime.date(2026, 6, 1),
    )
    assert item.note == "Présenté au comité de direction."
    assert item.evidence == resource
    assert item.updated_by == animator and item.updated_at is not None
    update(item, readiness_world.open_sponsor, status=ItemStatus.TODO)
    revisions = list(ChecklistItemRevision.objects.filter(item=item).order_by("changed_at"))
    assert [r.status for r in revisions] == [ItemStatus.DONE, ItemStatus.TODO]
    assert revisions[0].changed_by == animator


def test_auto_items_are_never_set_by_hand(readiness_world):
    community = readiness_world.open
    checklist_of(community)
    item = item_of(community, "animator")
    with pytest.raises(ValidationError, match="évalué automatiquement"):
        update(item, readiness_world.admin, status=ItemStatus.DONE)
    assert item_of(community, "animator").status == ItemStatus.TODO


@pytest.mark.parametrize("kind", ["member", "outsider"])
def test_members_and_outsiders_cannot_change_items(readiness_world, kind):
    community = readiness_world.open
    checklist_of(community)
    person = readiness_world.visitor("outsider" if kind == "outsider" else "open_member")
    with pytest.raises(PermissionDenied):
        update(item_of(community, "integration"), person, status=ItemStatus.DONE)


def test_the_owner_must_be_an_active_member(readiness_world):
    community = readiness_world.open
    checklist_of(community)
    with pytest.raises(ValidationError) as error:
        update(
            item_of(community, "integration"),
            readiness_world.open_animator,
            owner=readiness_world.closed_member,
        )
    assert "owner" in error.value.message_dict


def test_evidence_must_be_visible_to_the_community(readiness_world):
    community = readiness_world.open
    checklist_of(community)
    item = item_of(community, "integration")
    animator = readiness_world.open_animator
    for resource in (
        ResourceFactory(community=readiness_world.private, indexed=False),
        ResourceFactory(community=readiness_world.closed, indexed=False),
        ResourceFactory(community=community, is_hidden=True, indexed=False),
    ):
        with pytest.raises(ValidationError) as error:
            update(item, animator, evidence=resource)
        assert "evidence" in error.value.message_dict
    institution_wide = ResourceFactory(community=None, indexed=False)
    assert update(item, animator, evidence=institution_wide).evidence == institution_wide


def test_a_frozen_checklist_refuses_changes(readiness_world):
    community = readiness_world.open
    checklist_of(community)
    Community.objects.filter(pk=community.pk).update(phase="growing")
    item = item_of(community, "integration")
    with pytest.raises(ValidationError, match="figée"):
        update(item, readiness_world.admin)


# --- Decision -----------------------------------------------------------------------------


def test_go_moves_the_community_to_the_next_phase_and_history_is_kept(readiness_world):
    community = readiness_world.closed
    checklist_of(community)
    sponsor = readiness_world.closed_sponsor
    first = services.decision_record(
        community=community, by=sponsor, outcome="postpone", rationale="Cadres à rencontrer."
    )
    community.refresh_from_db()
    assert community.phase == "deciding"
    assert (first.phase_before, first.phase_after, first.changed_phase) == (
        "deciding",
        "deciding",
        False,
    )
    assert first.score is not None

    second = services.decision_record(
        community=community, by=sponsor, outcome="go", rationale="  Tout est prêt.  "
    )
    community.refresh_from_db()
    assert community.phase == "preparing"
    assert (second.phase_before, second.phase_after) == ("deciding", "preparing")
    assert second.rationale == "Tout est prêt."
    assert second.decided_by == sponsor
    assert list(ReadinessDecision.objects.for_community(community)) == [second, first]

    services.decision_record(
        community=community, by=readiness_world.admin, outcome="go", rationale="Lancement."
    )
    community.refresh_from_db()
    assert community.phase == "launching"
    # Out of the readiness phases: no more launch decisions.
    with pytest.raises(ValidationError):
        services.decision_record(
            community=community, by=readiness_world.admin, outcome="go", rationale="Encore."
        )
    assert ReadinessDecision.objects.filter(community=community).count() == 3


def test_stop_keeps_the_phase(readiness_world):
    community = readiness_world.open
    decision = services.decision_record(
        community=community,
        by=readiness_world.admin,
        outcome="stop",
        rationale="Pas prioritaire.",
    )
    community.refresh_from_db()
    assert community.phase == "deciding"
    assert decision.outcome == "stop"


@pytest.mark.parametrize("kind", ["open_animator", "open_member", "outsider"])
def test_only_the_sponsor_and_administrators_decide(readiness_world, kind):
    community = readiness_world.open
    with pytest.raises(PermissionDenied):
        services.decision_record(
            community=community, by=readiness_world.visitor(kind), outcome="go", rationale="Oui."
        )
    community.refresh_from_db()
    assert community.phase == "deciding"
    assert not ReadinessDecision.objects.exists()


def test_a_decision_needs_a_known_outcome_and_a_rationale(readiness_world):
    community = readiness_world.open
    sponsor = readiness_world.open_sponsor
    with pytest.raises(ValidationError):
        services.decision_record(community=community, by=sponsor, outcome="go", rationale="  ")
    with pytest.raises(ValidationError):
        services.decision_record(community=community, by=sponsor, outcome="maybe", rationale="x")
    assert not ReadinessDecision.objects.exists()


def test_a_sponsor_by_role_only_may_decide(readiness_world):
    community = readiness_world.open
    by_role = make_member(community, roles=("member", "sponsor"))
    decision = services.decision_record(
        community=community, by=by_role, outcome="postpone", rationale="Attendre."
    )
    assert decision.decided_by == by_role
