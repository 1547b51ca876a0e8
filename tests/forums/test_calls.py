"""/forums/calls/: the open calls for help I may read, and how calls are answered."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.services import profile_ensure
from forums import services
from forums.models import Topic
from tests.factories import make_member
from tests.forums.factories import calls_forum, make_post, make_topic
from tests.worlds import VISIBILITIES, ForumWorld

pytestmark = pytest.mark.django_db
CALLS = reverse("forums:calls")


@pytest.fixture
def calls_world(forum_world: ForumWorld) -> ForumWorld:
    """In each community: an unanswered call, an answered one (in 2 hours) and a solved
    one (answered in 4 hours)."""
    w = forum_world
    for visibility in VISIBILITIES:
        community, member = w.community(visibility), w.visitor_for("member", visibility)
        helper = w.visitor_for("animator", visibility)
        forum = calls_forum(community)
        make_topic(forum, member, title=f"Sans réponse {visibility}", tags=["moodle"],
                   is_call_for_help=True)  # fmt: skip
        answered = make_topic(forum, member, title=f"Répondu {visibility}", tags=["vidéo"],
                              is_call_for_help=True)  # fmt: skip
        make_post(answered, helper)
        solved = make_topic(forum, member, title=f"Résolu {visibility}", is_call_for_help=True)
        services.topic_mark_solved(topic=solved, by=member, post=make_post(solved, helper))
        start = timezone.now() - timedelta(days=3)
        Topic.objects.filter(pk=answered.pk).update(
            created_at=start, first_answer_at=start + timedelta(hours=2)
        )
        Topic.objects.filter(pk=solved.pk).update(
            created_at=start, first_answer_at=start + timedelta(hours=4)
        )
    return w


def titles(response) -> set[str]:
    return {topic.title for topic in response.context["calls"]}


@pytest.mark.parametrize(
    ("visitor", "communities"),
    [
        ("outsider", {"open"}),  # may read the open community's content only
        ("open_member", {"open"}),
        ("private_member", {"open", "private"}),
        ("closed_animator", {"open", "closed"}),
        ("admin", {"open", "closed", "private"}),
    ],
)
def test_open_calls_follow_visibility(client, login, calls_world, visitor, communities):
    login(calls_world.visitor(visitor))
    response = client.get(CALLS)
    assert response.status_code == 200
    expected = {f"{kind} {c}" for c in communities for kind in ("Sans réponse", "Répondu")}
    assert titles(response) == expected
    figures = response.context["figures"]
    assert figures["open"] == 2 * len(communities)
    assert figures["unanswered"] == len(communities)
    assert figures["median_first_answer"] == timedelta(hours=3)
    page = response.content.decode()
    assert "3\xa0heures" in page  # timesince joins with a no-break space
    assert "pas encore de réponse" in page


def test_anonymous_visitors_are_asked_to_log_in(client):
    response = client.get(CALLS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_scopes_my_communities_and_my_expertise(client, login, calls_world):
    reader = make_member(calls_world.closed)
    profile_ensure(user=reader).expertise.add("vidéo")
    login(reader)
    assert titles(client.get(CALLS, {"scope": "mine"})) == {
        "Sans réponse closed",
        "Répondu closed",
    }
    assert titles(client.get(CALLS, {"scope": "expertise"})) == {"Répondu open", "Répondu closed"}
    # An unknown scope lists everything rather than failing.
    assert len(titles(client.get(CALLS, {"scope": "nimporte"}))) == 4


def test_the_calls_page_runs_a_fixed_number_of_queries(
    client, login, calls_world, django_assert_num_queries
):
    login(calls_world.open_member)
    # session, user, figures (the page's count with them), page (its tags in the same
    # statement)
    with django_assert_num_queries(4):
        client.get(CALLS)
    forum = calls_forum(calls_world.open)
    for number in range(5):
        make_topic(forum, calls_world.open_member, title=f"Encore {number}",
                   tags=["moodle", f"t{number}"], is_call_for_help=True)  # fmt: skip
    with django_assert_num_queries(4):
        response = client.get(CALLS)
    assert len(response.context["calls"]) == 7


@pytest.mark.parametrize("scope", ["", "mine", "expertise"])
def test_the_pages_of_calls_hold_every_open_call_once(client, login, calls_world, scope):
    from forums.views.common import TOPICS_PER_PAGE

    reader = make_member(calls_world.closed)
    profile_ensure(user=reader).expertise.add("moodle")
    for number in range(2 * TOPICS_PER_PAGE + 2):
        visibility = "closed" if number % 2 else "open"
        author = calls_world.visitor_for("member", visibility)
        make_topic(calls_forum(calls_world.community(visibility)), author,
                   title=f"Appel {number}", tags=["moodle"], is_call_for_help=True)  # fmt: skip
    login(reader)
    first = client.get(CALLS, {"scope": scope})
    pages = first.context["page_obj"].paginator.num_pages
    assert pages >= 2
    listed = [
        topic.title
        for number in range(1, pages + 1)
        for topic in client.get(CALLS, {"scope": scope, "page": number}).context["calls"]
    ]
    visible = Topic.objects.visible_to(reader).open_calls()
    if scope == "mine":
        visible = visible.filter(forum__community=calls_world.closed)
    elif scope == "expertise":
        visible = visible.for_expertise_of(reader)
    assert sorted(listed) == sorted(visible.values_list("title", flat=True))
    assert first.context["page_obj"].paginator.count == len(listed)
    assert first.context["figures"]["open"] == len(listed)
