"""Auto-evaluated checklist items and the readiness score."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.models import Membership
from readiness import rules
from readiness.models import ItemStatus
from readiness.rules import CommunityFacts, evaluate, evaluate_many
from readiness.scoring import readiness_report
from tests.factories import UserFactory, make_member
from tests.readiness.factories import (
    checklist_of,
    deciding_community,
    set_item,
)
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db

ROLE_RULES = {
    "role_animator": "animator",
    "role_coach": "coach",
    "role_documentalist": "documentalist",
    "role_technical_support": "technical_support",
    "role_administrative_support": "administrative_support",
}


@pytest.mark.parametrize(("rule", "role"), ROLE_RULES.items())
def test_each_role_rule_is_met_by_an_active_holder_only(rule, role):
    community = deciding_community()
    make_member(community)
    result = evaluate(rule, community)
    assert not result.met
    assert "Personne n'a encore le rôle" in result.explanation
    make_member(community, roles=("member", role), status="left")  # not active
    make_member(deciding_community(), roles=(role,))  # another community
    assert not evaluate(rule, community).met
    make_member(community, roles=("member", role))
    make_member(community, roles=(role,))
    result = evaluate(rule, community)
    assert result.met
    assert result.explanation.startswith("2 personnes ont le rôle")


def test_sponsor_named_by_the_field_or_the_role():
    community = deciding_community()
    result = evaluate("sponsor_named", community)
    assert not result.met
    assert result.explanation == "Aucun parrain ni aucune marraine n'est désigné·e."
    make_member(community, roles=("sponsor",))
    assert evaluate("sponsor_named", community).met
    other = deciding_community()
    other.sponsor = UserFactory(display_name="Hélène Lavoie")
    other.save()
    result = evaluate("sponsor_named", other)
    assert result.met
    assert "Hélène Lavoie" in result.explanation


def test_benefits_chosen():
    community = deciding_community(benefits=[])
    assert not evaluate("benefits_chosen", community).met
    community.benefits = ["learning", "innovation"]
    result = evaluate("benefits_chosen", community)
    assert result.met
    assert result.explanation == "2 bénéfices visés choisis dans la charte."


def test_allocated_time_needs_half_of_the_active_members():
    community = deciding_community()
    assert not evaluate("allocated_time", community).met  # no member at all
    people = [make_member(community) for _ in range(4)]
    make_member(community, status="left")
    Membership.objects.filter(user=people[0], community=community).update(
        allocated_hours_per_month=4
    )
    result = evaluate("allocated_time", community)
    assert not result.met
    assert result.explanation.startswith("1 membre sur 4 a un temps alloué")
    Membership.objects.filter(user=people[1], community=community).update(
        allocated_hours_per_month=2
    )
    result = evaluate("allocated_time", community)
    assert result.met
    assert result.explanation.startswith("2 membres sur 4 ont un temps alloué")


def test_library_with_resources_counts_visible_resources_of_the_community():
    community = deciding_community()
    for _ in range(2):
        ResourceFactory(community=community, indexed=False)
    ResourceFactory(community=community, is_hidden=True, indexed=False)
    ResourceFactory(community=None, indexed=False)  # institution-wide: not the community's
    result = evaluate("library_resources", community)
    assert not result.met
    assert result.explanation.startswith("2 ressources dans la bibliothèque")
    ResourceFactory(community=community, indexed=False)
    assert evaluate("library_resources", community).met


def test_forum_activity_threshold(monkeypatch):
    community = deciding_community()
    facts = CommunityFacts(community)
    facts.__dict__["recent_post_count"] = rules.FORUM_MIN_POSTS - 1
    result = evaluate("forum_activity", community, facts=facts)
    assert not result.met
    assert "4 messages publiés dans les forums depuis 90 jours" in result.explanation
    facts.__dict__["recent_post_count"] = rules.FORUM_MIN_POSTS
    assert evaluate("forum_activity", community, facts=facts).met
    facts.__dict__["recent_post_count"] = None  # forums not installed yet
    result = evaluate("forum_activity", community, facts=facts)
    assert not result.met
    assert "forums ne sont pas encore en service" in result.explanation


def _forum_models():
    try:
        return [apps.get_model("forums", name) for name in ("Forum", "Topic", "Post")]
    except LookupError:
        return None


@pytest.mark.skipif(_forum_models() is None, reason="the forums app has no models yet")
def test_forum_activity_counts_recent_visible_posts_of_the_community():
    """Against the forums contract: Forum(community), Topic(forum, created_at),
    Post(topic, created_at, is_hidden)."""
    forum_model, topic_model, post_model = _forum_models()
    community = deciding_community()
    author = make_member(community)
    forum = forum_model.objects.create(community=community, name="Essais", slug="essais")
    topic = topic_model.objects.create(forum=forum, title="Un sujet", author=author)

    positions = iter(range(1, 100))

    def post(**fields):
        return post_model.objects.create(
            topic=topic, author=author, body="Bonjour", position=next(positions), **fields
        )

    for _ in range(rules.FORUM_MIN_POSTS - 1):
        post()
    post(is_hidden=True)
    post(created_at=timezone.now() - timedelta(days=rules.FORUM_WINDOW_DAYS + 1))
    other_forum = forum_model.objects.create(
        community=deciding_community(), name="Ailleurs", slug="ailleurs"
    )
    elsewhere = topic_model.objects.create(forum=other_forum, title="Ailleurs", author=author)
    post_model.objects.create(topic=elsewhere, author=author, body="Ailleurs")
    result = evaluate("forum_activity", community)
    assert not result.met
    assert result.explanation.startswith("4 messages publiés")
    post()
    assert evaluate("forum_activity", community).met


def test_every_rule_of_a_checklist_costs_at_most_three_queries():
    community = deciding_community(benefits=["learning"])
    for role in ROLE_RULES.values():
        make_member(community, roles=(role,))
    ResourceFactory(community=community, indexed=False)
    community = type(community).objects.select_related("sponsor").get(pk=community.pk)
    with CaptureQueriesContext(connection) as queries:
        results = evaluate_many(list(rules.RULES), community)
    assert len(queries) <= 3
    assert set(results) == set(rules.RULES)
    assert all(results[rule].met for rule in ROLE_RULES)


# --- Score ----------------------------------------------------------------------------


def _weights(report):
    return {state.template_item.key: state.weight for state in report.items}


def test_the_score_weights_done_items_and_not_applicable_ones_leave_the_denominator():
    community = deciding_community(benefits=[])
    checklist = checklist_of(community)
    report = readiness_report(checklist)
    assert report.score == 0
    assert report.done_count == 0
    weights = _weights(report)
    total = sum(weights.values())
    assert report.total_weight == total

    set_item(community, "facilitating-environment", status=ItemStatus.DONE)
    set_item(community, "relevant-purpose", status=ItemStatus.IN_PROGRESS)  # not counted
    set_item(community, "integration", status=ItemStatus.NOT_APPLICABLE)
    community.benefits = ["learning"]  # an auto item becomes done
    community.save()
    report = readiness_report(checklist_of(community))
    done = weights["facilitating-environment"] + weights["benefits-chosen"]
    applicable = total - weights["integration"]
    assert report.done_weight == done
    assert report.total_weight == applicable
    assert report.score == round(100 * done / applicable)
    assert report.applicable_count == len(weights) - 1

    missing = {state.template_item.key for state in report.missing}
    assert "facilitating-environment" not in missing
    assert "integration" not in missing  # not applicable is not missing
    assert "relevant-purpose" in missing
    assert "benefits-chosen" not in missing

    structuring = next(s for s in report.sections if s.section.key == "structuring")
    assert structuring.done_count == 1
    assert structuring.applicable_count == 2
    expected = round(
        100
        * weights["facilitating-environment"]
        / (weights["facilitating-environment"] + weights["relevant-purpose"])
    )
    assert structuring.score == expected


def test_auto_items_ignore_a_status_set_in_the_database():
    community = deciding_community(benefits=[])
    set_item(checklist_of(community).community, "benefits-chosen", status=ItemStatus.DONE)
    report = readiness_report(checklist_of(community))
    state = next(s for s in report.items if s.template_item.key == "benefits-chosen")
    assert state.is_auto
    assert state.status == ItemStatus.TODO
    assert "Aucun bénéfice visé" in state.result.explanation


def test_everything_not_applicable_gives_no_score():
    community = deciding_community()
    checklist = checklist_of(community)
    checklist.items.update(status=ItemStatus.NOT_APPLICABLE)
    report = readiness_report(checklist)
    # Auto items are never "not applicable": only they remain, none met.
    assert report.applicable_count == len([s for s in report.items if s.is_auto])
    assert report.score == 0
