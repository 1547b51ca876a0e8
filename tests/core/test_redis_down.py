"""A real Redis that dies, freezes or never answers: members stay signed in, signing in
and posting work, the sign-in limit still counts, and Redis is used again once back.

Each test starts its own redis-server on a free loopback port (never the machine's own
on 6379) and kills, stops or restarts it by its PID.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest
import redis
from django.core.cache import cache, caches
from django.urls import reverse

from cdp_portal.core.cache import ResilientRedisCache
from forums.models import Post
from tests.factories import TEST_PASSWORD, UserFactory
from tests.forums.factories import general_forum, make_topic

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server not installed"),
]

RETRY_AFTER = 0.3  # seconds before the backend tries a dead Redis again (10 in production)
TOO_MANY = "Trop de tentatives"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self, directory) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def freeze(self) -> None:
        """SIGSTOP: the kernel still accepts connections, nothing ever answers."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.thaw()
            self.kill()


def use_cache_at(settings, location: str) -> None:
    ResilientRedisCache.forget_outages()
    # Changing CACHES makes Django drop its cache objects (setting_changed).
    settings.CACHES = {
        "default": {
            "BACKEND": "cdp_portal.core.cache.ResilientRedisCache",
            "LOCATION": location,
            "OPTIONS": {"RETRY_AFTER": RETRY_AFTER},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def redis_server(settings, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    use_cache_at(settings, server.url)
    cache.clear()
    yield server
    server.stop()
    ResilientRedisCache.forget_outages()


def sign_in(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def current_user(client):
    return client.get("/").context["user"]


def after_back_off():
    time.sleep(RETRY_AFTER + 0.1)


# --- Redis killed --------------------------------------------------------------------------


def test_a_signed_in_member_stays_signed_in_when_redis_dies(client, redis_server):
    user = UserFactory(email="reste@example.org")
    assert sign_in(client, "reste@example.org", TEST_PASSWORD).status_code == 302
    assert redis_server.client().dbsize() > 0  # the session's cache layer is in Redis
    redis_server.kill()
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["user"] == user
    assert cache.degraded


def test_signing_in_works_while_redis_is_down(client, redis_server):
    user = UserFactory(email="arrive@example.org")
    redis_server.kill()
    response = sign_in(client, "arrive@example.org", TEST_PASSWORD)
    assert response.status_code == 302
    assert current_user(client) == user
    client.post(reverse("account_logout"))
    assert not current_user(client).is_authenticated


def test_posting_a_reply_works_while_redis_is_down(client, redis_server, community_world):
    w = community_world
    topic = make_topic(general_forum(w.open), w.open_animator, title="Sujet")
    client.force_login(w.open_member)
    redis_server.kill()
    response = client.post(reverse("forums:reply", args=[topic.pk]), {"body": "Sans Redis"})
    assert response.status_code == 302
    assert Post.objects.filter(topic=topic, body="Sans Redis").exists()
    assert client.get(topic.get_absolute_url()).status_code == 200


def test_the_posting_limit_keeps_counting_while_redis_is_down(
    client, redis_server, community_world, settings
):
    settings.PORTAL_POST_RATE_LIMIT = "2/10m"
    w = community_world
    topic = make_topic(general_forum(w.open), w.open_animator, title="Sujet")
    client.force_login(w.open_member)
    redis_server.kill()
    url = reverse("forums:reply", args=[topic.pk])
    assert client.post(url, {"body": "Un"}).status_code == 302
    assert client.post(url, {"body": "Deux"}).status_code == 302
    assert client.post(url, {"body": "Trois"}).status_code == 429


def test_the_sign_in_failure_limit_still_blocks_while_redis_is_down(client, redis_server):
    UserFactory(email="cible@example.org")
    redis_server.kill()
    for _ in range(5):
        response = sign_in(client, "cible@example.org", "faux")
        assert response.status_code == 200
        assert TOO_MANY not in response.content.decode()
    response = sign_in(client, "cible@example.org", TEST_PASSWORD)
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_redis_is_used_again_once_it_is_back(client, redis_server, caplog):
    UserFactory(email="retour@example.org")
    redis_server.kill()
    with caplog.at_level(logging.WARNING, logger="cdp_portal.core.cache"):
        assert sign_in(client, "retour@example.org", "faux").status_code == 200
        assert cache.degraded
        redis_server.start()  # same port
        after_back_off()
        assert sign_in(client, "retour@example.org", TEST_PASSWORD).status_code == 302
    assert not cache.degraded
    assert redis_server.client().dbsize() > 0  # session and rate-limit keys went to Redis
    cache.set("portal-probe", 42)
    assert redis_server.client().exists(cache.make_key("portal-probe"))
    messages = [r.getMessage() for r in caplog.records]
    assert any("unreachable" in m for m in messages)
    assert any("reachable again" in m for m in messages)


def test_the_health_check_says_degraded_while_redis_is_down_and_ok_once_back(client, redis_server):
    assert client.get("/healthz").json()["cache"] == "ok"
    redis_server.kill()
    # Pages go on from the local fallback; the health check tells the load balancer.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "unavailable"}
    redis_server.start()  # same port
    after_back_off()
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok"}


# --- Redis frozen or black-holed: nothing waits long ----------------------------------------


def test_a_frozen_redis_costs_a_fraction_of_a_second_and_no_stale_session_comes_back(
    client, redis_server
):
    user = UserFactory(email="gele@example.org")
    assert sign_in(client, "gele@example.org", TEST_PASSWORD).status_code == 302
    redis_server.freeze()  # Redis keeps its copy of the signed-in session
    try:
        started = time.monotonic()
        response = client.get("/")
        assert time.monotonic() - started < 2
        assert response.context["user"] == user
        signed_in_cookie = client.cookies["sessionid"].value
        client.post(reverse("account_logout"))  # during the outage
        assert not current_user(client).is_authenticated
    finally:
        redis_server.thaw()
    after_back_off()
    # Redis still holds the session as it was before the sign-out: it must not win, even
    # for someone who kept the old cookie (another tab, a copied cookie).
    client.cookies["sessionid"] = signed_in_cookie
    assert not current_user(client).is_authenticated
    assert not cache.degraded


@pytest.fixture
def black_hole(settings):
    """A port that accepts connections and never answers a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted = []
    stop = threading.Event()

    def swallow():
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=swallow, daemon=True)
    thread.start()
    use_cache_at(settings, f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
    yield
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()
    ResilientRedisCache.forget_outages()


def test_a_black_holed_redis_never_hangs_a_request(client, black_hole):
    user = UserFactory(email="trou@example.org")
    started = time.monotonic()
    assert sign_in(client, "trou@example.org", TEST_PASSWORD).status_code == 302
    assert time.monotonic() - started < 2
    started = time.monotonic()
    assert client.get("/").context["user"] == user
    assert time.monotonic() - started < 2
    after_back_off()  # the next try at Redis times out once more, then the fallback
    started = time.monotonic()
    assert client.get("/").status_code == 200
    assert time.monotonic() - started < 2


# --- Every cache operation, Redis dead --------------------------------------------------------


def test_every_cache_operation_falls_back_and_warns_once(redis_server, caplog):
    redis_server.kill()
    with caplog.at_level(logging.WARNING, logger="cdp_portal.core.cache"):
        assert cache.get("absent") is None
        assert cache.get("absent", "défaut") == "défaut"
        cache.set("a", 1)
        assert cache.get("a") == 1
        assert cache.add("a", 2) is False
        assert cache.add("b", 2) is True
        assert cache.incr("a") == 2
        assert cache.decr("a") == 1
        with pytest.raises(ValueError):
            cache.incr("absent")  # the same contract as Redis and local memory
        assert cache.touch("a", 60) is True
        assert cache.has_key("a") and not cache.has_key("absent")
        assert cache.get_many(["a", "b", "absent"]) == {"a": 1, "b": 2}
        assert cache.set_many({"c": 3, "d": 4}) == []
        assert cache.get_or_set("e", 5) == 5
        assert cache.get_or_set("e", 6) == 5
        assert cache.delete("c") is True
        cache.delete_many(["d", "e"])
        assert cache.get_many(["c", "d", "e"]) == {}
        cache.clear()
        assert cache.get("a") is None
        for _ in range(200):
            cache.get("a")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert str(redis_server.port) in warnings[0].getMessage()


def test_the_fallback_is_shared_by_the_threads_of_a_process(redis_server):
    redis_server.kill()
    cache.set("partagé", "oui")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(caches["default"].get("partagé")))
    thread.start()
    thread.join()
    assert seen == ["oui"]


def test_a_dead_redis_is_not_tried_on_every_call(redis_server, monkeypatch):
    redis_server.kill()
    cache.get("x")  # notices the outage
    tries = []
    real_get_client = cache._cache.get_client
    monkeypatch.setattr(
        cache._cache, "get_client", lambda *a, **k: tries.append(1) or real_get_client(*a, **k)
    )
    for _ in range(100):
        cache.get("x")
    assert tries == []
    after_back_off()
    cache.get("x")
    assert len(tries) == 1


def test_one_redis_client_serves_every_call_and_outlives_a_restart(redis_server):
    """Making a redis-py client costs about what a GET does: the backend keeps the one it
    made for its pool, and that client reconnects once Redis is back."""
    made = []
    real = cache._cache._client
    cache._cache._client = lambda **kwargs: made.append(1) or real(**kwargs)
    cache._cache._clients.clear()
    for n in range(20):
        cache.set(f"k{n}", n)
        assert cache.get(f"k{n}") == n
    assert len(made) == 1
    redis_server.kill()
    redis_server.start()
    after_back_off()
    cache.set("après", "oui")
    assert cache.get("après") == "oui"
    assert redis.Redis.from_url(redis_server.url).exists(cache.make_key("après"))
    assert len(made) == 1


# --- Settings -------------------------------------------------------------------------------


def test_redis_url_selects_the_resilient_cache_and_database_sessions():
    from tests.core.test_settings import manage

    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings as s; from django.core.cache import caches; "
        "c = caches['default']; "
        "print(s.SESSION_ENGINE, type(c).__name__, c._options['socket_timeout'])",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.contrib.sessions.backends.cached_db",
        "ResilientRedisCache",
        "0.5",
    ]
