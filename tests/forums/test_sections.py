"""What the forums add to the dashboard, a community's home and tag pages, respecting
visibility, with a fixed number of queries."""

import pytest
from django.urls import reverse
from taggit.models import Tag

from communities.services import profile_update
from forums import services
from tests.factories import CommunityFactory, make_member
from tests.forums.factories import calls_forum, general_forum, make_post, make_topic

pytestmark = pytest.mark.django_db


def set_expertise(user, *tags):
    profile_update(
        profile=user.profile, user_fields={}, profile_fields={}, expertise=list(tags), interests=[]
    )


def test_dashboard_lists_open_calls_i_can_answer_until_solved(client, login):
    community = CommunityFactory(visibility="closed")
    author, expert = make_member(community), make_member(community)
    outsider_expert = make_member(CommunityFactory())
    set_expertise(expert, "moodle")
    set_expertise(outsider_expert, "moodle")
    call = make_topic(
        calls_forum(community), author, title="Appel Moodle", tags=["moodle"], is_call_for_help=True
    )
    make_topic(general_forum(community), author, title="Discussion Moodle", tags=["moodle"])
    login(expert)
    body = client.get(reverse("home")).content.decode()
    assert "Appels à l&#x27;aide auxquels je peux répondre" in body
    assert "Appel Moodle" in body
    login(outsider_expert)
    assert "Appel Moodle" not in client.get(reverse("home")).content.decode()
    services.topic_mark_solved(topic=call, by=author)
    login(expert)
    panel_titles = [p.key for p in client.get(reverse("home")).context["panels"]]
    assert "calls-for-me" not in panel_titles


def test_dashboard_recent_activity_in_my_forums(client, login, forum_world):
    login(forum_world.closed_member)
    body = client.get(reverse("home")).content.decode()
    assert "Sujet closed" in body
    assert "Sujet private" not in body and "Sujet open" not in body


def test_community_home_shows_recent_discussions_and_open_calls_with_age(
    client, login, forum_world
):
    w = forum_world
    call = make_topic(
        calls_forum(w.open), w.open_member, title="Qui connaît Teams ?", is_call_for_help=True
    )
    login(w.outsider)
    body = client.get(reverse("communities:detail", args=["cdp-open"])).content.decode()
    assert "Discussions récentes" in body and "Sujet open" in body
    assert "Appels à tous ouverts" in body and "Qui connaît Teams ?" in body
    assert "ouvert depuis" in body and "pas encore de réponse" in body
    make_post(call, w.open_animator, "Moi !")
    body = client.get(reverse("communities:detail", args=["cdp-open"])).content.decode()
    assert "première réponse après" in body


def test_closed_community_home_shows_no_discussion_to_outsiders(client, login, forum_world):
    login(forum_world.outsider)
    body = client.get(reverse("communities:detail", args=["cdp-closed"])).content.decode()
    assert "Sujet closed" not in body


@pytest.mark.parametrize(
    ("visitor", "expected"),
    [
        ("outsider", {"Sujet open"}),
        ("closed_member", {"Sujet open", "Sujet closed"}),
        ("private_member", {"Sujet open", "Sujet private"}),
        ("admin", {"Sujet open", "Sujet closed", "Sujet private"}),
    ],
)
def test_tag_page_lists_only_readable_discussions(client, login, forum_world, visitor, expected):
    login(forum_world.visitor(visitor))
    response = client.get(reverse("directory:tag", args=["moodle"]))
    section = next(s for s in response.context["sections"] if s.key == "discussions")
    assert {t.title for t in section.topics} == expected
    body = response.content.decode()
    for title in {"Sujet open", "Sujet closed", "Sujet private"} - expected:
        assert title not in body


def test_tag_page_discussions_page_on_their_own_parameter(client, login, forum_world):
    w = forum_world
    for i in range(12):
        make_topic(w.open_forum, w.open_member, title=f"Extra {i}", tags=["moodle"], notify=False)
    login(w.open_member)
    url = reverse("directory:tag", args=[Tag.objects.get(name="moodle").slug])
    first = next(s for s in client.get(url).context["sections"] if s.key == "discussions")
    second = next(
        s
        for s in client.get(url, {"discussions_page": 2}).context["sections"]
        if s.key == "discussions"
    )
    assert len(first.topics) == 10 and len(second.topics) == 3
    assert not {t.pk for t in first.topics} & {t.pk for t in second.topics}
