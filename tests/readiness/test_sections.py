"""Readiness elsewhere: my tasks on the dashboard, progress on the community home, the
scoped admin and the demo data."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from communities import services as community_services
from communities.models import Community
from readiness.demo_data import seed_demo_readiness
from readiness.models import ChecklistItem, ItemStatus, ReadinessDecision
from tests.factories import CommunityFactory, make_member
from tests.readiness.factories import (  # noqa: F401
    checklist_of,
    item_of,
    readiness_world_fixture,
    set_item,
)

pytestmark = pytest.mark.django_db


def test_my_checklist_tasks_on_the_dashboard_overdue_first(client, readiness_world):
    community = readiness_world.open
    checklist_of(community)
    me = readiness_world.open_member
    today = timezone.localdate()
    set_item(community, "integration", owner=me, due_date=today + datetime.timedelta(days=5))
    set_item(community, "middle-managers", owner=me, due_date=today - datetime.timedelta(days=2))
    set_item(community, "groupware", owner=me, status=ItemStatus.IN_PROGRESS)  # no date: last
    set_item(community, "relevant-purpose", owner=me, status=ItemStatus.DONE)  # done: not shown
    set_item(community, "legitimate-structure", owner=readiness_world.open_animator)
    # An item in a community I no longer read is not mine to see any more.
    closed = readiness_world.closed
    checklist_of(closed)
    set_item(closed, "integration", owner=me)
    client.force_login(me)
    response = client.get("/")
    panel = next(p for p in response.context["panels"] if p.key == "readiness-tasks")
    assert [task.template_item.key for task in panel.tasks] == [
        "middle-managers",
        "integration",
        "groupware",
    ]
    text = response.content.decode()
    assert "Mes tâches de préparation" in text
    assert "En retard" in text
    task = item_of(community, "middle-managers")
    assert (
        f'href="{reverse("readiness:checklist", kwargs={"slug": community.slug})}#item-{task.pk}"'
        in text
    )


def test_no_panel_without_tasks_nor_for_communities_past_preparation(client, readiness_world):
    community = readiness_world.open
    checklist_of(community)
    me = readiness_world.open_member
    set_item(community, "integration", owner=me)
    Community.objects.filter(pk=community.pk).update(phase="launching")
    client.force_login(me)
    response = client.get("/")
    assert all(p.key != "readiness-tasks" for p in response.context["panels"])
    assert "Mes tâches de préparation" not in response.content.decode()


def test_the_community_home_shows_readiness_progress_while_deciding(client, readiness_world):
    community = readiness_world.open
    client.force_login(readiness_world.open_member)
    text = client.get(community.get_absolute_url()).content.decode()
    assert "Préparation au démarrage" in text
    assert "pas encore commencée" in text
    checklist_of(community)
    text = client.get(community.get_absolute_url()).content.decode()
    assert "score de préparation" in text
    assert reverse("readiness:checklist", kwargs={"slug": community.slug}) in text
    # Nothing once the community is launched, and no query for it.
    Community.objects.filter(pk=community.pk).update(phase="growing")
    text = client.get(community.get_absolute_url()).content.decode()
    assert "score de préparation" not in text


def test_the_home_section_is_not_built_for_outsiders_of_a_closed_community(client, readiness_world):
    community = readiness_world.closed
    checklist_of(community)
    client.force_login(readiness_world.outsider)
    text = client.get(community.get_absolute_url()).content.decode()
    assert "score de préparation" not in text


# --- Scoped admin ---------------------------------------------------------------------------


def test_animators_get_the_checklist_permissions():
    for permission in (
        "readiness.view_checklist",
        "readiness.view_checklistitem",
        "readiness.change_checklistitem",
        "readiness.view_readinessdecision",
    ):
        assert permission in community_services.ANIMATOR_PERMISSIONS


def test_the_admin_shows_animators_only_their_communities_items(client, readiness_world):
    mine, other = readiness_world.open, readiness_world.closed
    checklist_of(mine)
    checklist_of(other)
    animator = readiness_world.open_animator
    animator.refresh_from_db()
    client.force_login(animator)
    response = client.get(reverse("admin:readiness_checklistitem_changelist"))
    assert response.status_code == 200
    shown = {item.checklist.community_id for item in response.context["cl"].result_list}
    assert shown == {mine.pk}
    other_item = item_of(other, "integration")
    change = reverse("admin:readiness_checklistitem_change", args=[other_item.pk])
    assert client.get(change).status_code in (302, 403, 404)
    assert client.post(change, {"status": "done"}).status_code in (302, 403, 404)
    assert item_of(other, "integration").status == "todo"


def test_an_animator_changes_an_item_in_the_admin_through_the_service(client, readiness_world):
    community = readiness_world.open
    checklist_of(community)
    item = item_of(community, "integration")
    client.force_login(readiness_world.open_animator)
    change = reverse("admin:readiness_checklistitem_change", args=[item.pk])
    response = client.post(
        change,
        {
            "status": "in_progress",
            "owner": readiness_world.closed_member.pk,  # not a member of this community
            "due_date": "",
            "note": "x",
            "evidence": "",
        },
    )
    assert response.status_code == 200  # re-rendered with the error
    assert item_of(community, "integration").status == "todo"
    response = client.post(
        change,
        {
            "status": "in_progress",
            "owner": readiness_world.open_member.pk,
            "due_date": "",
            "note": "Depuis l'admin",
            "evidence": "",
        },
    )
    assert response.status_code == 302
    item = item_of(community, "integration")
    assert (item.status, item.owner, item.note) == (
        "in_progress",
        readiness_world.open_member,
        "Depuis l'admin",
    )
    assert item.revisions.count() == 1


# --- Demo data ------------------------------------------------------------------------------


def test_demo_readiness_is_idempotent_with_levels_and_a_decision(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())  # seeds the readiness data itself
    assert ReadinessDecision.objects.count() == 2
    lab = Community.objects.get(slug="laboratoire-innovation")
    veille = Community.objects.get(slug="veille-documentaire")
    assert lab.phase == "deciding"  # postponed
    assert veille.phase == "preparing"
    assert ReadinessDecision.objects.get(community=lab).outcome == "postpone"
    assert ReadinessDecision.objects.get(community=veille).outcome == "go"
    from readiness.scoring import readiness_report
    from readiness.services import checklist_get

    lab_score = readiness_report(checklist_get(lab)).score
    veille_score = readiness_report(checklist_get(veille)).score
    assert lab_score < veille_score
    animator_tasks = ChecklistItem.objects.my_tasks(
        veille.memberships.get(user__email="animation@demo.example").user
    )
    assert animator_tasks.count() == 2
    assert animator_tasks.first().is_overdue

    counts = (ChecklistItem.objects.count(), ReadinessDecision.objects.count())
    out = StringIO()
    again = seed_demo_readiness(stdout=out)
    assert not any(again.values())
    assert "nothing was changed" in out.getvalue()
    assert (ChecklistItem.objects.count(), ReadinessDecision.objects.count()) == counts


def test_demo_readiness_without_the_demo_institution_does_nothing():
    CommunityFactory(slug="other", phase="deciding")
    make_member(Community.objects.get(slug="other"))
    assert not any(seed_demo_readiness().values())
