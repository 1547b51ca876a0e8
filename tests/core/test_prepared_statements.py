"""Prepared statements (DATABASE_PREPARED_STATEMENTS, cdp_portal/postgresql): a statement
run again and again on a connection is prepared by the server, so PostgreSQL plans it
once; a word search never is, so each search is planned for its words; and the setting
is off by default behind pgbouncer's transaction pooling, which would lose them."""

from __future__ import annotations

import pytest
from django.db import connection

from communities.models import Profile
from forums.models import Post, Topic
from tests.core.test_settings import setting_values
from tests.factories import CommunityFactory, make_member
from tests.forums.factories import general_forum, make_topic

# psycopg prepares a statement from its fifth run on a connection (settings.py).
RUNS = 6


def opened_topic(title: str):
    community = CommunityFactory()
    return make_topic(general_forum(community), make_member(community), title=title)


def prepared_statements() -> list[str]:
    """The statements prepared on this connection, from the server's own view."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_a_statement_run_again_and_again_is_prepared_once_by_the_server():
    topic = opened_topic("Une question")
    for _ in range(RUNS):
        assert Topic.objects.filter(pk=topic.pk).values_list("title", flat=True).get()
    assert any(
        '"forums_topic"."title"' in statement and "$1" in statement
        for statement in prepared_statements()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "search",
    [
        pytest.param(lambda: list(Post.objects.matching("photosynthèse")[:5]), id="post text"),
        pytest.param(lambda: list(Topic.objects.matching("photosyntese")[:5]), id="topic title"),
        pytest.param(lambda: list(Profile.objects.search("tremblay")[:5]), id="directory"),
    ],
)
def test_a_word_search_is_planned_for_its_words_every_time(search):
    opened_topic("Photosynthèse au laboratoire")
    before = prepared_statements()
    for _ in range(RUNS):
        search()
    added = [statement for statement in prepared_statements() if statement not in before]
    assert not [s for s in added if "@@" in s or "%" in s], added


def test_prepared_statements_are_on_by_default_and_off_behind_transaction_pooling():
    assert setting_values(
        "DATABASE_PREPARED_STATEMENTS", "DATABASES['default']['OPTIONS'].get('prepare_threshold')"
    ) == ["True", "5"]
    behind_pgbouncer = setting_values(
        "DATABASE_PREPARED_STATEMENTS",
        "DATABASES['default']['OPTIONS'].get('server_side_binding')",
        DATABASE_DISABLE_SERVER_SIDE_CURSORS="1",
    )
    assert behind_pgbouncer == ["False", "None"]
    assert setting_values("DATABASE_PREPARED_STATEMENTS", DATABASE_PREPARED_STATEMENTS="0") == [
        "False"
    ]


@pytest.mark.django_db
def test_bulk_writes_larger_than_a_statement_can_bind_are_cut_to_fit():
    from taggit.models import Tag

    # Bound by the server (the setting's default), a statement carries at most 65,535
    # parameters: 33,000 tags of two columns each need two INSERTs, and as many UPDATEs.
    assert connection.settings_dict["OPTIONS"].get("server_side_binding") is True
    tags = Tag.objects.bulk_create(
        [Tag(name=f"étiquette {n}", slug=f"etiquette-{n}") for n in range(33_000)]
    )
    assert Tag.objects.filter(slug__startswith="etiquette-").count() == 33_000
    for tag in tags:
        tag.name = tag.name.upper()
    Tag.objects.bulk_update(tags, ["name"])
    assert Tag.objects.filter(name__startswith="ÉTIQUETTE").count() == 33_000
