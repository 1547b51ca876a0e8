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
    from django.db.models import Value
    from django.db.models.functions import Concat

    from cdp_portal.accounts.models import User

    # Bound by the server (the setting's default), a statement carries at most 65,535
    # parameters: 6,000 accounts of 11 columns need two INSERTs.
    assert connection.settings_dict["OPTIONS"].get("server_side_binding") is True
    people = User.objects.bulk_create(
        [User(email=f"p{n}@example.org", display_name=f"Personne {n}") for n in range(6_000)]
    )
    assert User.objects.filter(email__endswith="@example.org").count() == 6_000
    # A value computed in the INSERT takes what it compiles to (here 4 parameters).
    User.objects.bulk_create(
        [
            User(email=f"q{n}@example.org", display_name=Concat(Value("Q "), Value(str(n))))
            for n in range(6_000)
        ]
    )
    assert User.objects.filter(display_name__startswith="Q ").count() == 6_000
    # An UPDATE of two columns takes five per row (the key thrice): 65,535 // 5 rows in
    # a statement. (Run for real, a CASE of 13,000 keys would cost a minute.)
    pk, first, last = (User._meta.get_field(f) for f in ("id", "first_name", "last_name"))
    assert connection.ops.bulk_batch_size([pk, pk, first, last], people) == 65_535 // 5
    changed = people[:300]
    for person in changed:
        person.first_name, person.last_name = "Prénom", "Nom"
    User.objects.bulk_update(changed, ["first_name", "last_name"])
    assert User.objects.filter(first_name="Prénom", last_name="Nom").count() == 300
