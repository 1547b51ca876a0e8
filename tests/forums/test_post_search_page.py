"""The search page (`/search/?q=`) finds discussions by the text of their posts: who finds
what, and what a result shows (the topic once, an extract of its best post linking to
that post)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forums import services
from tests.forums.factories import make_post
from tests.worlds import VISIBILITIES, ForumWorld

pytestmark = pytest.mark.django_db

URL = reverse("search")
WORD = "hydrogéologie"


@pytest.fixture
def world(forum_world: ForumWorld) -> ForumWorld:
    """In each community's topic ("Sujet open"…), a reply by its member about
    hydrogeology, and in the open one a second, hidden by the animation, about
    speleology."""
    w = forum_world
    for visibility in VISIBILITIES:
        make_post(
            w.topic_in(visibility),
            w.visitor_for("member", visibility),
            f"Une sortie d'{WORD} {visibility} au printemps.",
            notify=False,
        )
    hidden = make_post(w.open_topic, w.open_member, "Spéléologie interdite.", notify=False)
    services.post_set_hidden(post=hidden, by=w.open_animator, hidden=True, reason="Hors sujet")
    return w


def search(client, user, q: str) -> tuple[list[str], str]:
    client.force_login(user)
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    topics = response.context["results"].discussions.items
    return [topic.title for topic in topics], response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client, world):
    response = client.get(URL, {"q": "hydrogeologie"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# visitor: (topics found by the replies' text, finds the hidden reply)
EXPECTED = {
    "outsider": ({"open"}, False),
    "open_member": ({"open"}, True),  # the hidden reply is theirs
    "closed_member": ({"open", "closed"}, False),
    "open_animator": ({"open"}, True),
    "private_member": ({"open", "private"}, False),
    "private_animator": ({"open", "private"}, False),
    "admin": ({"open", "closed", "private"}, True),
}


@pytest.mark.parametrize("visitor", list(EXPECTED))
def test_who_finds_which_posts(client, world, visitor):
    communities, reads_hidden = EXPECTED[visitor]
    user = world.visitor(visitor)
    titles, body = search(client, user, "hydrogeologie")
    assert sorted(titles) == sorted(f"Sujet {v}" for v in communities)
    for visibility in VISIBILITIES:
        assert (f"{visibility} au printemps" in body) == (visibility in communities)
    titles, body = search(client, user, "speleologie")
    assert titles == (["Sujet open"] if reads_hidden else [])
    assert ("interdite" in body) == reads_hidden


def test_a_result_shows_the_topic_once_with_an_extract_linking_to_the_post(client, world):
    reply = make_post(world.open_topic, world.open_animator, f"{WORD} encore.", notify=False)
    titles, body = search(client, world.open_member, "hydrogeologie")
    assert titles == ["Sujet open"]
    assert body.count(world.open_topic.get_absolute_url()) == 1
    assert f"<mark>{WORD}</mark> encore" in body
    assert f'href="{reply.get_absolute_url()}">Lire le message {reply.position}' in body
    assert "1 discussion trouvée" in body


def test_the_extract_is_escaped(client, world):
    text = f"Si a<b & <img src=x onerror=alert(1)> {WORD}"
    make_post(world.open_topic, world.open_member, text, notify=False)
    _titles, body = search(client, world.open_member, "hydrogeologie")
    assert "<img src=x" not in body
    assert f"alert(1)&gt; <mark>{WORD}</mark>" in body
