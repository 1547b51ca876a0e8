"""What a digest holds, per kind of reader: only what they may read when it is sent (a
private or closed community's content never reaches a non-member), never their own
writing, nothing hidden by moderation; each part (watched forums and topics, followed
tags, calls for one's expertise, requests and flags for animators, checklist tasks)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communities.models import Membership
from digests.contents import LIST_SIZE
from digests.periods import Frequency, Period
from forums import services as forum_services
from forums.models import Topic, Watch
from readiness.models import ItemStatus
from resources import services as resource_services
from tests.digests.conftest import (
    DigestWorld,
    digest_for,
    during,
    follow,
    reply_at,
    titles,
    topic_at,
)
from tests.factories import UserFactory, make_member
from tests.forums.factories import calls_forum, general_forum
from tests.readiness.factories import set_item
from tests.resources.factories import make_resource

pytestmark = pytest.mark.django_db

OPEN = ["Appel open", "Nouveau sujet open", "Ressource institution", "Ressource open"]
CLOSED = ["Appel closed", "Nouveau sujet closed", "Ressource closed"]
PRIVATE = ["Appel private", "Nouveau sujet private", "Ressource private"]


@pytest.mark.parametrize(
    ("reader", "expected"),
    [
        ("outsider", OPEN),
        ("open_member", OPEN),
        ("open_animator", OPEN),
        ("closed_member", OPEN + CLOSED),
        ("closed_animator", OPEN + CLOSED),
        ("private_member", OPEN + PRIVATE),
        ("private_animator", OPEN + PRIVATE),
        ("admin", OPEN + CLOSED + PRIVATE),
    ],
)
def test_each_reader_gets_what_they_may_read_and_nothing_else(
    digest_world: DigestWorld, period: Period, reader, expected
):
    digest = digest_for(digest_world.visitor(reader), period)
    listed = titles(digest)
    assert sorted(listed) == sorted(expected)
    # Each once, in the most specific part: the call for help among the calls (not the
    # watched forum's new topics), the forum's topic not again under the followed tag.
    assert [t.title for t in digest.calls.items] == [t for t in listed if t.startswith("Appel")]
    assert not digest.tagged_topics


def test_the_writer_gets_none_of_their_own_writing(digest_world: DigestWorld, period: Period):
    writer = digest_world.writer
    follow(writer)
    Watch.objects.create(user=writer, forum=general_forum(digest_world.open))
    assert titles(digest_for(writer, period)) == []


@pytest.mark.parametrize(
    ("reader", "requests", "flags"),
    [
        ("closed_member", [], 0),
        ("open_animator", [], 0),
        ("closed_animator", [("Communauté closed", 1)], 1),
        ("admin", [("Communauté closed", 1)], 2),
    ],
)
def test_animators_get_the_requests_and_flags_of_their_communities(
    digest_world: DigestWorld, period: Period, reader, requests, flags
):
    w = digest_world
    for visibility in ("closed", "private"):
        topic = Topic.objects.get(title=f"Nouveau sujet {visibility}")
        forum_services.flag_create(
            post=topic.posts.get(position=1), reporter=w.visitor_for("member", visibility),
            reason="Hors sujet",
        )  # fmt: skip
    digest = digest_for(w.visitor(reader), period)
    assert [(c.name, c.pending_request_count) for c in digest.requests] == requests
    assert sum(row["count"] for row in digest.post_flags) == flags


def test_a_request_decided_is_no_longer_listed(digest_world: DigestWorld, period: Period):
    Membership.objects.filter(user=digest_world.applicant).update(status=Membership.Status.ACTIVE)
    assert digest_for(digest_world.closed_animator, period).requests == []


def test_checklist_tasks_due_soon_or_overdue_only(digest_world: DigestWorld, period: Period):
    w = digest_world
    animator = w.closed_animator
    set_item(w.closed, "relevant-purpose", owner=animator, due_date=period.end - timedelta(days=30))
    set_item(w.closed, "integration", owner=animator, due_date=period.end + timedelta(days=30))
    set_item(w.closed, "strategic-theme", owner=animator, due_date=None)
    set_item(w.closed, "legitimate-structure", owner=animator, due_date=period.end,
             status=ItemStatus.DONE)  # fmt: skip
    set_item(w.closed, "middle-managers", owner=w.closed_member, due_date=period.end)
    digest = digest_for(animator, period)
    keys = [item.template_item.key for item in digest.tasks.items]
    # Overdue first, then due soon; not the far one, the undated one, the one done, nor
    # someone else's.
    assert keys == ["relevant-purpose", "facilitating-environment"]
    assert digest.tasks.items[0].is_overdue


def test_tasks_of_a_community_the_owner_left_are_not_listed(
    digest_world: DigestWorld, period: Period
):
    Membership.objects.filter(user=digest_world.closed_animator).update(
        status=Membership.Status.LEFT
    )
    assert not digest_for(digest_world.closed_animator, period).tasks


def test_replies_in_watched_topics_counted_without_own_hidden_or_older_ones(
    digest_world: DigestWorld, period: Period
):
    w = digest_world
    member, animator = w.open_member, w.open_animator
    before = period.starts_at - timedelta(days=3)
    topic = topic_at(general_forum(w.open), member, before, title="Mon sujet")
    reply_at(topic, w.writer, before, "Avant la période")
    first = reply_at(topic, w.writer, during(period, 1), "Première nouvelle")
    reply_at(topic, member, during(period, 2), "Ma propre réponse")
    hidden = reply_at(topic, w.writer, during(period, 3), "Masquée")
    reply_at(topic, animator, during(period, 4), "Deuxième nouvelle")
    reply_at(topic, w.writer, period.ends_at + timedelta(minutes=5), "Après la période")
    forum_services.post_set_hidden(post=hidden, by=animator, hidden=True, reason="Hors sujet")
    (listed,) = digest_for(member, period).replies.items
    assert (listed.title, listed.count) == ("Mon sujet", 2)
    assert listed.url.endswith(f"/posts/{first.pk}/")


def test_replies_in_a_topic_not_watched_are_not_listed(digest_world: DigestWorld, period):
    w = digest_world
    topic = topic_at(general_forum(w.open), w.writer, period.starts_at - timedelta(days=1))
    reply_at(topic, w.open_animator, during(period))
    assert not digest_for(w.open_member, period).replies
    # The writer watches their own topic (services do that).
    assert digest_for(w.writer, period).replies.total == 1


def test_hidden_topics_are_left_out_even_for_the_animation(
    digest_world: DigestWorld, period: Period
):
    w = digest_world
    topic = Topic.objects.get(title="Nouveau sujet open")
    forum_services.post_set_hidden(
        post=topic.posts.get(position=1), by=w.open_animator, hidden=True, reason="Doublon"
    )
    for reader in ("open_member", "open_animator", "admin"):
        assert "Nouveau sujet open" not in titles(digest_for(w.visitor(reader), period)), reader


def test_hidden_resources_are_left_out(digest_world: DigestWorld, period: Period):
    w = digest_world
    resource = resource_services.Resource.objects.get(title="Ressource open")
    resource_services.resource_set_hidden(
        resource=resource, by=w.open_animator, hidden=True, reason="Doublon"
    )
    for reader in ("open_member", "open_animator", "admin"):
        assert "Ressource open" not in titles(digest_for(w.visitor(reader), period)), reader


def test_followed_tags_bring_topics_and_resources_of_unwatched_forums(
    digest_world: DigestWorld, period: Period
):
    w = digest_world
    Watch.objects.filter(user=w.open_member).delete()
    topic_at(general_forum(w.open), w.writer, during(period), title="Autre", tags=["vidéo"])
    make_resource(author=w.writer, community=w.open, title="Autre ressource", tags=["vidéo"],
                  created_at=during(period))  # fmt: skip
    digest = digest_for(w.open_member, period)
    assert [t.title for t in digest.tagged_topics.items] == ["Nouveau sujet open"]
    assert sorted(r.title for r in digest.tagged_resources.items) == [
        "Ressource institution",
        "Ressource open",
    ]
    follow(w.open_member, interests=["vidéo"])
    digest = digest_for(w.open_member, period)
    assert "Autre" in [t.title for t in digest.tagged_topics.items]
    assert "Autre ressource" in [r.title for r in digest.tagged_resources.items]


def test_calls_for_help_only_open_matching_and_new(digest_world: DigestWorld, period: Period):
    w = digest_world
    forum = calls_forum(w.open)
    solved = topic_at(forum, w.writer, during(period), title="Résolu", tags=["évaluation"],
                      is_call_for_help=True)  # fmt: skip
    Topic.objects.filter(pk=solved.pk).update(solved_at=during(period, 3))
    topic_at(forum, w.writer, during(period), title="Autre expertise", tags=["chimie"],
             is_call_for_help=True)  # fmt: skip
    topic_at(forum, w.writer, period.starts_at - timedelta(days=10), title="Ancien",
             tags=["évaluation"], is_call_for_help=True)  # fmt: skip
    digest = digest_for(w.open_member, period)
    assert [t.title for t in digest.calls.items] == ["Appel open"]


def test_a_member_who_left_the_private_community_gets_none_of_it(
    digest_world: DigestWorld, period: Period
):
    w = digest_world
    Membership.objects.filter(user=w.private_member, community=w.private).update(
        status=Membership.Status.LEFT
    )
    assert sorted(titles(digest_for(w.private_member, period))) == sorted(OPEN)


def test_nothing_to_tell_is_an_empty_digest(community_world, period: Period):
    someone = make_member(community_world.open)
    digest = digest_for(someone, period)
    assert digest.is_empty
    assert digest.item_count == 0


def test_long_parts_are_cut_and_counted(digest_world: DigestWorld, period: Period):
    w = digest_world
    forum = general_forum(w.open)
    for n in range(LIST_SIZE + 3):
        topic_at(forum, w.writer, during(period), title=f"Sujet {n}")
    digest = digest_for(w.open_member, period)
    assert len(digest.forum_topics.items) == LIST_SIZE
    assert digest.forum_topics.total == LIST_SIZE + 4  # and "Nouveau sujet open"
    assert digest.forum_topics.more == 4


def _add_activity(world: DigestWorld, period: Period, rounds: int) -> None:
    """More of everything each part reads, in every community."""
    w = world
    for n in range(rounds):
        for visibility in ("open", "closed", "private"):
            community = w.community(visibility)
            topic = topic_at(general_forum(community), w.writer, during(period),
                             title=f"Plus {visibility} {n}", tags=["moodle"])  # fmt: skip
            Watch.objects.create(user=w.admin, topic=topic)
            reply_at(topic, w.writer, during(period, 3))
            topic_at(calls_forum(community), w.writer, during(period), title=f"Appel {n}",
                     tags=["évaluation"], is_call_for_help=True)  # fmt: skip
            make_resource(author=w.writer, community=community, title=f"R {n}",
                          tags=["moodle"], created_at=during(period))  # fmt: skip
            Membership.objects.create(user=UserFactory(), community=community,
                                      status=Membership.Status.REQUESTED)  # fmt: skip


def test_one_persons_digest_takes_the_same_queries_whatever_the_data(
    digest_world: DigestWorld, period: Period
):
    """An administrator's digest has every part: it reads each with a bounded number of
    queries, the same with three times the content."""
    w = digest_world
    set_item(w.closed, "relevant-purpose", owner=w.admin, due_date=period.end)
    _add_activity(w, period, 2)
    with CaptureQueriesContext(connection) as small:
        digest = digest_for(w.admin, period)
    assert all(
        [digest.calls, digest.forum_topics, digest.replies, digest.tagged_resources, digest.tasks]
    )
    assert digest.requests
    _add_activity(w, period, 6)
    with CaptureQueriesContext(connection) as large:
        bigger = digest_for(w.admin, period)
    assert bigger.item_count > digest.item_count
    # The person and where their previous digest ended (2); a transaction keeping one plan
    # per question (3: savepoint, SET LOCAL, release); what each part may hold (8, for a
    # whole batch); then each part (5 questions, requests and flags 3, tasks 1).
    assert len(large.captured_queries) == len(small.captured_queries) == 22


def test_daily_and_weekly_people_each_get_their_own_period(community_world):
    w = community_world
    from digests.periods import previous_period
    from digests.services import people_due

    daily = make_member(w.open)
    daily.profile.digest_frequency = Frequency.DAILY
    daily.profile.save()
    weekly_ids = set(people_due(previous_period(Frequency.WEEKLY)).values_list("pk", flat=True))
    daily_ids = set(people_due(previous_period(Frequency.DAILY)).values_list("pk", flat=True))
    assert daily.pk in daily_ids and daily.pk not in weekly_ids
    assert w.open_member.pk in weekly_ids and w.open_member.pk not in daily_ids
