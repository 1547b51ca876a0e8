"""The health check and the pages when PostgreSQL or the cache is down, for real: the
database settings point at a closed port or at a socket that accepts and never answers.
"""

from __future__ import annotations

import contextlib
import socket
import time

import pytest
from django.db import connection
from django.urls import reverse

from cdp_portal import views

HEALTHZ_BUDGET_SECONDS = 2.0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _black_hole():
    """A port where the kernel completes the TCP handshake and nobody ever answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


@contextlib.contextmanager
def _database_at(port: int):
    """The default connection points at 127.0.0.1:`port` until the block ends."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update({"HOST": "127.0.0.1", "PORT": str(port)})
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture(autouse=True)
def _probes_finished():
    """A probe abandoned on a black hole keeps its thread until psycopg gives up: the
    next test waits for it rather than inheriting an "unreachable"."""
    yield
    for probe in (views._database_probe, views._cache_probe):
        assert probe.running.acquire(timeout=10)
        probe.running.release()


def _timed_get(client, path: str, **extra):
    started = time.monotonic()
    response = client.get(path, **extra)
    return response, time.monotonic() - started


@pytest.mark.django_db
def test_healthz_ok_reports_the_database_and_the_cache(client):
    response, elapsed = _timed_get(client, "/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert elapsed < HEALTHZ_BUDGET_SECONDS


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_at_once_when_the_database_port_is_closed(client):
    with _database_at(_closed_port()):
        response, elapsed = _timed_get(client, "/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable", "cache": "ok"}
    assert elapsed < HEALTHZ_BUDGET_SECONDS


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_within_2_seconds_when_the_database_never_answers(client):
    with _black_hole() as port, _database_at(port):
        response, elapsed = _timed_get(client, "/healthz")
        # Still hanging: the next check answers at once instead of piling up threads.
        second, second_elapsed = _timed_get(client, "/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert elapsed < HEALTHZ_BUDGET_SECONDS
    assert second.status_code == 503
    assert second_elapsed < HEALTHZ_BUDGET_SECONDS


@pytest.mark.django_db
def test_healthz_is_degraded_but_200_when_only_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
    response, elapsed = _timed_get(client, "/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "unavailable"}
    assert elapsed < HEALTHZ_BUDGET_SECONDS


@pytest.mark.django_db
def test_healthz_reports_a_cache_that_never_answers_within_2_seconds(client, settings):
    with _black_hole() as port:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"socket_timeout": 3, "socket_connect_timeout": 3},
            }
        }
        response, elapsed = _timed_get(client, "/healthz")
    assert response.status_code == 200
    assert response.json()["cache"] == "unavailable"
    assert elapsed < HEALTHZ_BUDGET_SECONDS


@pytest.mark.django_db
def test_healthz_with_the_real_redis_cache(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    }
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


# --- Pages with the database down ---------------------------------------------------------


def _assert_unavailable_page(response, elapsed: float, budget: float) -> None:
    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.content.decode()
    assert "Le portail est momentanément indisponible" in body
    assert "site-header" in body  # the portal's layout
    assert elapsed < budget


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_page_gives_the_503_page_when_the_database_is_down(client, user):
    client.force_login(user)
    with _database_at(_closed_port()):
        response, elapsed = _timed_get(client, reverse("forums:index"))
    _assert_unavailable_page(response, elapsed, budget=2.0)


@pytest.mark.django_db(transaction=True)
def test_a_query_in_a_view_gives_the_503_page_when_the_database_is_down(client, user):
    with _database_at(_closed_port()):
        started = time.monotonic()
        response = client.post(
            reverse("account_login"), {"login": user.email, "password": "anything"}
        )
        elapsed = time.monotonic() - started
    _assert_unavailable_page(response, elapsed, budget=2.0)


@pytest.mark.django_db(transaction=True)
def test_a_page_fails_after_the_connect_timeout_when_the_database_never_answers(client, user):
    client.force_login(user)
    timeout = connection.settings_dict["OPTIONS"]["connect_timeout"]
    assert timeout <= 5
    with _black_hole() as port, _database_at(port):
        response, elapsed = _timed_get(client, reverse("forums:index"))
    _assert_unavailable_page(response, elapsed, budget=timeout + 1.5)
