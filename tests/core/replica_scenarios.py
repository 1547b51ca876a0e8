"""The read replica against a real streaming standby (cdp_portal/core/replica.py).

Not collected by the suite on its own (the name does not start with `test_`):
tests/core/test_read_replica.py starts a private primary and its standby, then runs this
file in a child pytest whose DATABASE_URL is the primary and DATABASE_REPLICA_URL the
standby. pytest-django creates the test database on the primary; the standby receives it
by streaming, and the `replica` alias, a test mirror, reads it there. The tests are
transactional: what they write is committed, so the standby can replay it, or not when
its replay is paused.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from functools import partial
from types import SimpleNamespace

import pytest
from django.db import close_old_connections, connections
from django.db.backends.signals import connection_created
from django.test import Client
from django.urls import reverse

from cdp_portal.core.replica import PRIMARY, REPLICA, STICKY_COOKIE, forget_replica_state
from tests.factories import CommunityFactory, make_member
from tests.forums.factories import general_forum, make_post, make_topic
from tests.pg_clusters import (
    PAIR_VARIABLE,
    described,
    wait_until_replayed,
    wait_until_streaming,
)
from tests.resources.factories import make_resource

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get(PAIR_VARIABLE),
        reason="run by tests/core/test_read_replica.py against a primary and its standby",
    ),
    pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA]),
]

REPLICA_LOG = "cdp_portal.core.replica"


@pytest.fixture(scope="module")
def pair():
    return described(os.environ[PAIR_VARIABLE])


@pytest.fixture(autouse=True)
def fresh_replica(pair, settings):
    """Each test starts with a standby streaming and replaying, in a process that has not
    seen it fail, with the production settings but shorter waits."""
    forget_replica_state()
    settings.DATABASE_REPLICA_RETRY_SECONDS = 0.5
    settings.DATABASE_REPLICA_LAG_CHECK_SECONDS = 0
    yield
    _primary, standby = pair
    if not standby.running():
        standby.start()
        wait_until_streaming(standby)
    standby.query("SELECT pg_wal_replay_resume()")
    forget_replica_state()


def caught_up(pair) -> None:
    wait_until_replayed(*pair)


def pause_replay(pair) -> None:
    """The standby keeps receiving the primary's changes but applies none: it lags by
    exactly what is written from now on."""
    _primary, standby = pair
    standby.query("SELECT pg_wal_replay_pause()")
    deadline = time.monotonic() + 10
    while standby.query("SELECT pg_get_wal_replay_pause_state()")[0][0] != "paused":
        assert time.monotonic() < deadline, "the standby's replay did not pause"
        time.sleep(0.02)


def resume_replay(pair) -> None:
    pair[1].query("SELECT pg_wal_replay_resume()")
    caught_up(pair)


class Visitor:
    """A browser: the test client, with the database connections handled between
    requests as a server handles them (Django's test client keeps them open), so every
    request connects to the standby anew, as with the default CONN_MAX_AGE=0."""

    def __init__(self, user=None) -> None:
        self.client = Client()
        if user is not None:
            self.client.force_login(user)

    def get(self, url: str):
        close_old_connections()
        return self.client.get(url)

    def post(self, url: str, data: dict):
        close_old_connections()
        return self.client.post(url, data)

    def text(self, url: str) -> str:
        response = self.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content.decode()

    @property
    def reads_primary(self) -> bool:
        return STICKY_COOKIE in self.client.cookies


class DatabaseUse:
    """Statements and new connections per alias, in this thread (where the test client
    runs the views)."""

    def __init__(self) -> None:
        self.statements: defaultdict[str, list[str]] = defaultdict(list)
        self.connections: Counter[str] = Counter()
        self._stack = ExitStack()

    def __enter__(self) -> DatabaseUse:
        for alias in (PRIMARY, REPLICA):
            wrapper = partial(self._record, alias)
            self._stack.enter_context(connections[alias].execute_wrapper(wrapper))
        connection_created.connect(self._created)
        return self

    def __exit__(self, *exc) -> None:
        connection_created.disconnect(self._created)
        self._stack.close()

    def _record(self, alias, execute, sql, params, many, context):
        self.statements[alias].append(sql)
        return execute(sql, params, many, context)

    def _created(self, sender, connection, **kwargs) -> None:
        self.connections[connection.alias] += 1

    def primary_reads(self) -> list[str]:
        """SELECTs sent to the primary, except the session's (always read there)."""
        return [
            sql
            for sql in self.statements[PRIMARY]
            if sql.lstrip().upper().startswith("SELECT") and "django_session" not in sql
        ]


@pytest.fixture
def world(pair):
    community = CommunityFactory(name="Pédagogie active", slug="pedagogie", visibility="open")
    animator = make_member(community, roles=("animator",))
    topic = make_topic(general_forum(community), animator, title="Sujet partagé", body="Bonjour")
    resource = make_resource(author=animator, community=community, title="Guide partagé")
    world = SimpleNamespace(
        community=community,
        animator=animator,
        writer=make_member(community),
        reader=make_member(community),
        topic=topic,
        topic_url=topic.get_absolute_url(),
        resource=resource,
    )
    caught_up(pair)
    return world


LIST_PAGES = ("/forums/", "/communities/", "/resources/", "/members/", "/search/?q=partagé")


def test_a_member_reading_lists_and_pages_reads_them_on_the_standby(world):
    reader = Visitor(world.reader)
    with DatabaseUse() as use:
        for url in (*LIST_PAGES, world.topic_url, world.resource.get_absolute_url()):
            assert reader.get(url).status_code == 200, url
    assert use.primary_reads() == []
    assert len(use.statements[REPLICA]) > 20
    assert use.connections[REPLICA] == len(LIST_PAGES) + 2  # one per request
    # Counting the resource's views wrote on the primary, but needs no read-your-writes.
    assert not reader.reads_primary
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_setting('port')::int")
        assert cursor.fetchone() == (True, int(connections[REPLICA].settings_dict["PORT"]))


def test_a_member_who_posts_sees_the_post_while_the_standby_lags(pair, world, settings):
    # This is read-your-writes alone: the lag bound would otherwise set the standby aside.
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0
    settings.DATABASE_REPLICA_STICKY_SECONDS = 2
    writer, reader = Visitor(world.writer), Visitor(world.reader)
    reply = "Ma réponse toute fraîche"
    pause_replay(pair)
    with DatabaseUse() as use:
        response = writer.post(reverse("forums:reply", args=[world.topic.pk]), {"body": reply})
        assert response.status_code == 302
        assert writer.reads_primary
        assert reply in writer.text(world.topic_url)
    # The write and the writer's next reads used the primary only.
    assert use.statements[REPLICA] == []
    assert use.connections[REPLICA] == 0
    # The reader's page comes from the standby, which has not replayed the reply.
    assert reply not in reader.text(world.topic_url)
    time.sleep(2.1)  # DATABASE_REPLICA_STICKY_SECONDS later, the writer reads the standby
    assert reply not in writer.text(world.topic_url)
    resume_replay(pair)
    assert reply in reader.text(world.topic_url)


def test_a_topic_created_by_a_member_is_on_the_forum_page_they_land_on(pair, world):
    writer = Visitor(world.writer)
    pause_replay(pair)
    with DatabaseUse() as use:
        response = writer.post(
            reverse("forums:topic_new", args=["pedagogie", "general"]),
            {"title": "Une nouvelle question", "body": "Qui sait ?"},
        )
        assert response.status_code == 302
        assert "Une nouvelle question" in writer.text(response["Location"])
    assert use.statements[REPLICA] == []


def test_a_standby_too_far_behind_is_set_aside_until_it_catches_up(pair, world, settings, caplog):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1
    reader = Visitor(world.reader)
    pause_replay(pair)
    make_post(world.topic, world.animator, "Écrit pendant la pause")
    time.sleep(1.3)
    caplog.set_level(logging.WARNING, logger=REPLICA_LOG)
    with DatabaseUse() as use:
        assert "Écrit pendant la pause" in reader.text(world.topic_url)
    assert len(use.statements[REPLICA]) == 1  # measuring the lag, nothing else
    assert "Read replica behind by" in caplog.text
    resume_replay(pair)
    with DatabaseUse() as use:
        assert "Écrit pendant la pause" in reader.text(world.topic_url)
    assert use.primary_reads() == []
    assert "Read replica caught up" in caplog.text


def test_pages_answer_from_the_primary_while_the_standby_is_stopped(pair, world, caplog):
    reader = Visitor(world.reader)
    assert reader.get(world.topic_url).status_code == 200
    _primary, standby = pair
    standby.stop()
    make_post(world.topic, world.animator, "Écrit pendant la panne")
    caplog.set_level(logging.WARNING, logger=REPLICA_LOG)
    pages = (world.topic_url, *LIST_PAGES, world.topic_url)
    for url in pages:
        assert reader.get(url).status_code == 200, url
    assert "Écrit pendant la panne" in reader.text(world.topic_url)
    outage = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert len(outage) == 1, caplog.text
    standby.start()
    wait_until_streaming(standby)
    caught_up(pair)
    time.sleep(0.6)  # DATABASE_REPLICA_RETRY_SECONDS, 0.5 s here
    with DatabaseUse() as use:
        assert "Écrit pendant la panne" in reader.text(world.topic_url)
    assert use.primary_reads() == []
    assert "Read replica available again" in caplog.text


def test_a_standby_lost_during_a_request_costs_no_error(pair, world, settings, caplog):
    """A persistent connection, no health check, no lag check: nothing notices the loss
    before a view's query fails. The page is answered again from the primary."""
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0
    replica = connections[REPLICA]
    replica.close()
    saved = {key: replica.settings_dict[key] for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    replica.settings_dict.update(CONN_MAX_AGE=None, CONN_HEALTH_CHECKS=False)
    try:
        reader = Visitor(world.reader)
        assert reader.get(world.topic_url).status_code == 200
        terminated = pair[1].query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        assert terminated
        caplog.set_level(logging.WARNING, logger=REPLICA_LOG)
        assert "Bonjour" in reader.text(world.topic_url)
        assert "Read replica failed during GET" in caplog.text
    finally:
        replica.close()
        replica.settings_dict.update(saved)


def test_facet_counts_made_on_a_lagging_standby_are_not_cached(pair, world, settings):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0
    reader = Visitor(world.reader)

    def total() -> int:
        return reader.get("/resources/").context["page_obj"].paginator.count

    before = total()
    pause_replay(pair)
    make_resource(author=world.animator, community=world.community, title="Toute nouvelle")
    assert total() == before  # the standby has not replayed it
    resume_replay(pair)
    assert total() == before + 1  # not the count above, kept under the library's new version
