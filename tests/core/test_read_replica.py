"""The read replica (DATABASE_REPLICA_URL; cdp_portal/core/replica.py, README "Read replica").

The settings are checked in child processes, since they are read once at start-up. The
behaviour is checked against a real streaming replica: a session fixture starts a private
primary (initdb) and its standby (pg_basebackup -R) on free loopback ports, and
tests/core/replica_scenarios.py runs against them in a child pytest, since this process's
settings name one database only.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cdp_portal.core.replica import ReplicaRouter
from forums.models import Post
from tests import pg_clusters

ROOT = Path(__file__).resolve().parents[2]
# What the child processes must not inherit from this test run: its database, its
# replica, its cache, its xdist worker.
NOT_INHERITED = ("DATABASE_", "REDIS_URL", "PYTEST_", "DJANGO_DEBUG", "SECRET_KEY")


def child_environment(**variables: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED)}
    environment.update(variables)
    return environment


def settings_in_child(expression: str, **variables: str) -> str:
    code = f"from django.conf import settings as s; print(repr({expression}))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=ROOT,
        env=child_environment(DATABASE_URL="postgres://cdp@127.0.0.1:5432/cdp", **variables),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# --- Settings ---------------------------------------------------------------------------


def test_without_a_replica_url_there_is_one_database_and_nothing_routes():
    shown = settings_in_child(
        "(sorted(s.DATABASES), s.DATABASE_ROUTERS, [m for m in s.MIDDLEWARE if 'replica' in m])"
    )
    assert shown == "(['default'], [], [])"


def test_a_replica_url_adds_the_alias_the_router_and_the_middleware_first():
    shown = settings_in_child(
        "(s.DATABASES['replica'], s.DATABASE_ROUTERS, s.MIDDLEWARE[0])",
        DATABASE_REPLICA_URL="postgres://reader:secret@standby.univ.example:5433/cdp",
        DATABASE_CONNECT_TIMEOUT="2",
    )
    replica, routers, first = ast.literal_eval(shown)
    assert {key: replica[key] for key in ("HOST", "PORT", "NAME", "USER", "PASSWORD")} == {
        "HOST": "standby.univ.example",
        "PORT": 5433,
        "NAME": "cdp",
        "USER": "reader",
        "PASSWORD": "secret",
    }
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert replica["TEST"]["MIRROR"] == "default"
    assert routers == ["cdp_portal.core.replica.ReplicaRouter"]
    assert first == "cdp_portal.core.replica.ReplicaRoutingMiddleware"


def test_with_a_pooled_primary_the_replica_keeps_plain_persistent_connections():
    shown = settings_in_child(
        "(s.DATABASES['replica'], 'pool' in s.DATABASES['default']['OPTIONS'])",
        DATABASE_REPLICA_URL="postgres://reader@standby.univ.example/cdp",
        DATABASE_POOL="1",
    )
    replica, primary_pooled = ast.literal_eval(shown)
    assert primary_pooled
    assert "pool" not in replica["OPTIONS"]
    assert replica["CONN_MAX_AGE"] == 60
    assert replica["CONN_HEALTH_CHECKS"] is True


# --- Router, outside any request ----------------------------------------------------------


def test_outside_a_request_everything_reads_and_writes_the_primary():
    router = ReplicaRouter()
    assert router.db_for_read(Post) == "default"
    assert router.db_for_write(Post) == "default"


def test_migrations_never_run_on_the_replica():
    router = ReplicaRouter()
    assert router.allow_migrate("replica", "forums", model_name="post") is False
    assert router.allow_migrate("default", "forums", model_name="post") is None


# --- Against a real primary and its streaming standby -----------------------------------


@pytest.fixture(scope="session")
def replication_pair():
    bindir = pg_clusters.replication_tools()
    if bindir is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) are missing")
    root = pg_clusters.new_root()
    try:
        primary = pg_clusters.start_primary(root, bindir)
        standby = pg_clusters.start_standby(primary, root)
        yield root, primary, standby
    finally:
        pg_clusters.remove(root, bindir)


def test_the_portal_on_a_real_streaming_replica(replication_pair):
    root, primary, standby = replication_pair
    primary.query("CREATE DATABASE cdp")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/core/replica_scenarios.py", "-p", "no:xdist"],
        cwd=ROOT,
        env=child_environment(
            DATABASE_URL=primary.url("cdp"),
            DATABASE_REPLICA_URL=standby.url("cdp"),
            PORTAL_FAST_PASSWORD_HASHER="1",
            **{pg_clusters.PAIR_VARIABLE: pg_clusters.describe(root, primary, standby)},
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-4000:]
    assert " passed" in summary and "skipped" not in summary, summary
    print(f"replica scenarios: {summary} in {time.monotonic() - started:.1f} s")


# --- What counts as a write -------------------------------------------------------------


@pytest.mark.django_db
def test_a_select_opening_with_with_is_no_write_and_a_with_insert_is_one():
    """The library's statements open with WITH: read on the primary (a person who just
    wrote, a standby down), they must not send the person's next reads there too."""
    from functools import partial

    from django.db import connection

    from cdp_portal.core.replica import RequestReads, _watch_primary

    def wrote(sql: str) -> bool:
        reads = RequestReads(replica_allowed=True)
        with (
            connection.execute_wrapper(partial(_watch_primary, reads)),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
        return reads.wrote

    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE written (n integer)")
    assert not wrote("WITH t AS MATERIALIZED (SELECT 1 AS n) SELECT n FROM t")
    assert not wrote("SELECT 1")
    assert wrote("WITH t AS (SELECT 1 AS n) INSERT INTO written SELECT n FROM t")
    assert wrote("UPDATE written SET n = 2")
    assert not wrote("UPDATE written SET n = 3 WHERE n = 0")
