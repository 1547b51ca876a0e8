"""Searching the text of posts: the stored search column (written by the services, the
bulk paths, the migration and `index_posts`), what each person may find through it, and
how the topics found are ordered."""

from __future__ import annotations

import importlib
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.postgres.search import SearchQuery
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from cdp_portal.search import discussion_matches
from forums import services
from forums.models import Post
from forums.scale_data import generate_forums
from forums.search import best_of_each_topic
from tests.factories import CommunityFactory, make_member
from tests.forums.factories import general_forum, make_post, make_topic
from tests.worlds import ForumWorld

pytestmark = pytest.mark.django_db

WORD = "hydrogéologie"


def found(user, text: str = "hydrogeologie") -> list[str]:
    return [topic.title for topic in discussion_matches(user, text).items]


def holding(text: str):
    """Posts whose stored column matches `text` (French configuration)."""
    return Post.objects.filter(search_vector=SearchQuery(text, config="cdp_fr"))


@pytest.fixture
def reply(forum_world: ForumWorld) -> Post:
    """In the open community's topic ("Sujet open"), a reply by its member that speaks of
    hydrogeology; the title says nothing of it."""
    return make_post(
        forum_world.open_topic,
        forum_world.open_member,
        f"Notre collègue en {WORD} a monté un terrain d'étude.",
        notify=False,
    )


# --- The column ----------------------------------------------------------------------


def test_a_new_topic_and_a_reply_are_searchable_as_soon_as_written(forum_world, reply):
    topic = make_topic(
        general_forum(forum_world.open), forum_world.open_member, body="Des capsules vidéo."
    )
    assert list(holding("capsule")) == [topic.posts.get()]
    assert list(holding("hydrogeologie")) == [reply]
    # The instance does not keep the expression that computed its column.
    assert "search_vector" in reply.get_deferred_fields()
    assert reply.search_vector  # loaded from the database when read


def test_editing_a_post_rewrites_its_column(forum_world, reply):
    services.post_edit(post=reply, editor=forum_world.open_member, body="Plutôt en géomatique.")
    assert not holding("hydrogeologie").exists()
    assert list(holding("geomatique")) == [reply]
    assert found(forum_world.open_member, "geomatique") == ["Sujet open"]
    assert found(forum_world.open_member) == []


def test_editing_a_topic_rewrites_its_opening_post_column(forum_world):
    topic = forum_world.open_topic
    services.topic_edit(
        topic=topic, editor=forum_world.open_member, title=topic.title, body="Sur la géomatique.",
        tags=[],
    )  # fmt: skip
    assert list(holding("geomatique")) == [topic.posts.get(position=1)]


def test_french_and_english_stemming_and_accents_either_way(forum_world):
    post = make_post(
        forum_world.open_topic,
        forum_world.open_member,
        "Les évaluations formatives. Our teaching workshops.",
        notify=False,
    )
    for words in ("evaluation formative", "ÉVALUATIONS", "workshop", "teach"):
        assert found(forum_world.open_member, words) == ["Sujet open"], words
        assert discussion_matches(forum_world.open_member, words).items[0].hit.pk == post.pk


def test_the_migration_backfill_computes_the_same_column_as_the_services(forum_world, reply):
    written = dict(Post.objects.values_list("pk", "search_vector"))
    Post.objects.update(search_vector=None)
    backfill = importlib.import_module("forums.migrations.0012_post_search_vector_backfill")
    backfill.fill_search_vectors(apps, SimpleNamespace(connection=connection))
    assert dict(Post.objects.values_list("pk", "search_vector")) == written


def test_index_posts_fills_the_missing_columns_then_recomputes_all_on_demand(forum_world, reply):
    written = dict(Post.objects.values_list("pk", "search_vector"))
    Post.objects.filter(pk=reply.pk).update(search_vector=None)
    out = StringIO()
    call_command("index_posts", "--batch-size", "2", stdout=out)
    assert out.getvalue().strip() == "1 posts indexed."
    assert dict(Post.objects.values_list("pk", "search_vector")) == written
    call_command("index_posts", "--all", stdout=out)
    assert f"{len(written)} posts indexed." in out.getvalue()


def test_scale_data_posts_are_searchable():
    community = CommunityFactory(visibility="open")
    for _ in range(3):
        make_member(community)
    generate_forums(posts=300, seed=5)
    assert not Post.objects.filter(search_vector__isnull=True).exists()
    # Every synthetic sentence ends in one of a few words; "merci" opens one of them.
    assert holding("merci").count() == Post.objects.filter(body__icontains="merci").count() > 0


# --- Who finds what --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visitor", "finds"),
    [
        ("open_member", True),  # its author
        ("closed_member", False),  # a reader of the open community
        ("open_animator", True),  # the community's animation
        ("private_animator", False),  # an animator elsewhere
        ("admin", True),
    ],
)
def test_a_hidden_post_is_found_only_by_those_who_may_read_it(forum_world, reply, visitor, finds):
    services.post_set_hidden(post=reply, by=forum_world.open_animator, hidden=True, reason="x")
    assert found(forum_world.visitor(visitor)) == (["Sujet open"] if finds else [])


@pytest.mark.parametrize(
    ("visitor", "finds"),
    [
        ("private_member", True),
        ("private_animator", True),
        ("admin", True),
        ("outsider", False),
        ("closed_member", False),
        ("open_animator", False),
    ],
)
def test_private_community_posts_are_found_by_its_members_only(forum_world, visitor, finds):
    make_post(forum_world.private_topic, forum_world.private_member, f"En {WORD}.", notify=False)
    assert found(forum_world.visitor(visitor)) == (["Sujet private"] if finds else [])


def test_a_hidden_topic_is_found_by_its_text_only_by_the_animation(forum_world):
    """Hiding the opening post hides the topic from every list and search, its author's
    included (as for its title): its replies' text does not bring it back."""
    make_post(forum_world.open_topic, forum_world.open_animator, f"En {WORD}.", notify=False)
    opening = forum_world.open_topic.posts.get(position=1)
    services.post_set_hidden(post=opening, by=forum_world.open_animator, hidden=True, reason="x")
    assert found(forum_world.open_member) == []  # its author
    assert found(forum_world.closed_member) == []
    assert found(forum_world.open_animator) == ["Sujet open"]


# --- Results -------------------------------------------------------------------------


def test_a_topic_shows_once_with_its_best_post(forum_world):
    topic = forum_world.open_topic
    once = make_post(topic, forum_world.open_member, f"Un mot : {WORD}.", notify=False)
    twice = make_post(topic, forum_world.open_member, f"{WORD} et encore {WORD}.", notify=False)
    make_post(topic, forum_world.open_member, f"Et {WORD} enfin.", notify=False)
    section = discussion_matches(forum_world.open_member, "hydrogeologie")
    assert [t.title for t in section.items] == ["Sujet open"]
    assert section.total == 1
    assert section.items[0].hit.pk == twice.pk != once.pk
    assert "<mark>" in section.items[0].hit.snippet


def test_title_matches_come_first_then_posts_by_rank_then_recency(forum_world):
    forum = general_forum(forum_world.open)
    author = forum_world.open_member
    now = timezone.now()
    topics = {
        title: services.topic_create(
            forum=forum, author=author, title=title, body=body, notify=False,
            rate_limited=False, created_at=now - timedelta(days=days),
        )
        for title, body, days in (
            (f"Atelier d'{WORD}", f"{WORD}, {WORD}, {WORD}, {WORD}.", 400),
            (f"Sortie d'{WORD}", "Rien à dire.", 200),
            ("Ancien", f"Parlons {WORD}.", 30),
            ("Récent", f"Parlons {WORD}.", 1),
            ("Insistant", f"{WORD}, {WORD}, {WORD}.", 60),
        )
    }  # fmt: skip
    section = discussion_matches(author, "hydrogeologie")
    # Titles by recency (a post matching too changes nothing), then posts by rank, then
    # by date.
    assert [topic.title for topic in section.items] == [
        f"Sortie d'{WORD}",
        f"Atelier d'{WORD}",
        "Insistant",
        "Récent",
        "Ancien",
    ]
    hits = [topic.hit for topic in section.items]
    assert hits[0] is None
    assert [hit.topic_id for hit in hits[1:]] == [
        topics[title].pk for title in (f"Atelier d'{WORD}", "Insistant", "Récent", "Ancien")
    ]


def test_best_of_each_topic_prefers_rank_then_the_most_recent():
    now = timezone.now()
    newest_first = [
        # (id, topic, position, date, rank)
        (1, 10, 5, now - timedelta(days=1), 0.1),
        (2, 20, 7, now - timedelta(days=2), 0.1),
        (3, 10, 4, now - timedelta(days=3), 0.1),
        (4, 20, 6, now - timedelta(days=4), 0.5),
    ]
    best = best_of_each_topic(newest_first)
    assert [(hit.pk, hit.topic_id, hit.position) for hit in best] == [(4, 20, 6), (1, 10, 5)]
    assert best[0].get_absolute_url() == "/posts/4/"


def test_a_full_window_of_posts_says_there_may_be_more(forum_world, monkeypatch):
    from cdp_portal import search

    monkeypatch.setattr(search, "POST_WINDOW", 2)
    monkeypatch.setattr("forums.models.POST_WINDOW", 2)
    for visibility in ("open", "closed"):
        author = forum_world.visitor_for("member", visibility)
        make_post(forum_world.topic_in(visibility), author, WORD, notify=False)
    section = discussion_matches(forum_world.admin, "hydrogeologie")
    assert (section.total, section.capped) == (2, True)
    monkeypatch.setattr(search, "POST_WINDOW", 3)
    monkeypatch.setattr("forums.models.POST_WINDOW", 3)
    assert discussion_matches(forum_world.admin, "hydrogeologie").capped is False


def test_words_that_are_only_stop_words_or_symbols_find_nothing_and_do_not_fail(forum_world):
    for text in ("le la les", "!!", '"', "-", "a | b"):
        assert discussion_matches(forum_world.admin, text).total >= 0
