"""The portal's cache backend when REDIS_URL is set: Redis, degrading instead of raising.

A Redis that is down, restarting or black-holed must not log members out, answer 500 or
hang a request. `ResilientRedisCache` is Django's Redis backend with:

- short socket timeouts, so a silent server costs at most a fraction of a second;
- on a connection error or timeout, one warning in the log (then at most one a minute
  while the outage lasts) and a switch to a local-memory cache of this process, so that
  rate limits keep counting (per process instead of for the whole site) and cached
  counts and pages keep working;
- another try at Redis only after a back-off, instead of paying a timeout on every call;
- on the way back, the keys written during the outage are deleted from Redis (its copy
  of a session or a counter is older than the one this process used meanwhile: reading
  it again could bring back a session that was signed out) and the local copy is dropped
  (the next outage must not serve this one's values).

Sessions are kept in the database with this cache in front (`cached_db`), so they
survive Redis entirely.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import exceptions as redis_errors
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# What says "Redis is not there or not usable now", as opposed to a misuse of a key.
# ConnectionError covers refused connections, resets, authentication and loading;
# ReadOnly/OutOfMemory come from a replica promoted or a full server.
UNAVAILABLE = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    redis_errors.OutOfMemoryError,
    OSError,
)

# Connect and read timeouts (seconds): a Redis on the same network answers in
# milliseconds; anything slower is treated as down rather than making a page wait.
SOCKET_TIMEOUT = 0.5
# Seconds before trying Redis again after a failure.
RETRY_AFTER = 10.0
# At most one warning per this many seconds while Redis stays down.
WARNING_INTERVAL = 60.0
# Keys remembered for clean-up on recovery; beyond this, the outage is logged as too
# large to reconcile key by key and the remaining keys are left to expire.
MAX_TRACKED_KEYS = 100_000
# Entries the local fallback keeps (sessions, counters, cached counts).
FALLBACK_MAX_ENTRIES = 10_000


@dataclass
class _Outage:
    """Shared by the threads of one process for one Redis location (Django builds one
    cache object per thread)."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    down_since: float | None = None  # monotonic time of the first failure
    retry_at: float = 0.0
    last_warning: float = float("-inf")
    written: set[str] = field(default_factory=set)
    overflowed: bool = False
    cleared: bool = False


_OUTAGES: dict[str, _Outage] = {}
_OUTAGES_LOCK = threading.Lock()


def _outage_for(location: str) -> _Outage:
    with _OUTAGES_LOCK:
        return _OUTAGES.setdefault(location, _Outage())


class _OneClientPerPool(RedisCacheClient):
    """Django's client of Redis, keeping the redis-py client it makes for a connection
    pool instead of making one on every call: making one costs about as much CPU as a
    GET (it copies its table of reply callbacks), and a page makes several calls.
    A redis-py client is safe to share: each command takes a connection from the pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[Any, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """Django's RedisCache that falls back to a per-process local cache when Redis is
    unreachable. OPTIONS are passed to redis-py as usual, plus RETRY_AFTER (seconds)."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", RETRY_AFTER))
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        # One immediate retry on a connection error: after Redis restarts, the first
        # command on each pooled connection fails once. Timeouts are not retried (a
        # black-holed server would double the wait).
        options.setdefault(
            "retry", Retry(NoBackoff(), 1, supported_errors=(redis_errors.ConnectionError,))
        )
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = _OneClientPerPool
        self.location = server if isinstance(server, str) else ",".join(server)
        self._outage = _outage_for(self.location)
        # LocMemCache shares its storage by name: every thread of the process sees the
        # same fallback entries.
        self._fallback = LocMemCache(
            f"portal-redis-fallback:{self.location}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "KEY_FUNCTION": params.get("KEY_FUNCTION"),
                "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES},
            },
        )

    # --- State ------------------------------------------------------------------------

    @property
    def degraded(self) -> bool:
        """Whether this process is serving from its local fallback (for /healthz)."""
        return self._outage.down_since is not None

    @classmethod
    def forget_outages(cls) -> None:
        """Drop every remembered outage (tests start each Redis afresh)."""
        with _OUTAGES_LOCK:
            _OUTAGES.clear()

    def _mark_down(self, error: BaseException) -> None:
        outage = self._outage
        with outage.lock:
            now = time.monotonic()
            if outage.down_since is None:
                outage.down_since = now
            outage.retry_at = now + self.retry_after
            if now - outage.last_warning >= WARNING_INTERVAL:
                outage.last_warning = now
                logger.warning(
                    "Redis at %s unreachable (%s: %s): using this process's local cache, "
                    "next try in %g s.",
                    self._safe_location(),
                    type(error).__name__,
                    error,
                    self.retry_after,
                )

    def _safe_location(self) -> str:
        # The URL may hold a password: log the host part only.
        return ",".join(url.rsplit("@", 1)[-1] for url in self._servers)

    def _remember(self, keys: Iterable[str]) -> None:
        outage = self._outage
        if outage.overflowed:
            return
        outage.written.update(keys)
        if len(outage.written) > MAX_TRACKED_KEYS:
            outage.overflowed = True
            outage.written.clear()
            logger.warning(
                "Redis outage too large to reconcile key by key: keys written meanwhile "
                "will keep their old Redis values until they expire."
            )

    def _recover(self) -> None:
        """Make Redis forget what this process changed while it could not reach it, then
        drop the local copy. Raises UNAVAILABLE if Redis is still down."""
        outage = self._outage
        client = self._cache.get_client(None, write=True)
        client.ping()
        if outage.cleared:
            client.flushdb()
        else:
            written = list(outage.written)
            for start in range(0, len(written), 1000):
                client.delete(*written[start : start + 1000])
        self._fallback.clear()
        duration = time.monotonic() - (outage.down_since or time.monotonic())
        outage.down_since = None
        outage.written.clear()
        outage.overflowed = False
        outage.cleared = False
        outage.last_warning = float("-inf")
        logger.warning(
            "Redis at %s reachable again after %.0f s: cache back in use.",
            self._safe_location(),
            duration,
        )

    def _run(
        self,
        on_redis: Callable[[], Any],
        on_fallback: Callable[[], Any],
        written: Callable[[], Iterable[str]] = tuple,
    ) -> Any:
        outage = self._outage
        if outage.down_since is not None:
            with outage.lock:
                if outage.down_since is not None and time.monotonic() < outage.retry_at:
                    self._remember(written())
                    return on_fallback()
                if outage.down_since is not None:
                    try:
                        self._recover()
                    except UNAVAILABLE as error:
                        self._mark_down(error)
                        self._remember(written())
                        return on_fallback()
        try:
            return on_redis()
        except UNAVAILABLE as error:
            self._mark_down(error)
            with outage.lock:
                self._remember(written())
                return on_fallback()

    def _keys(self, keys: Iterable[Any], version: int | None) -> Callable[[], list[str]]:
        return lambda: [self.make_key(key, version=version) for key in keys]

    # --- Every operation BaseCache builds on (get_or_set, decr, the async variants and
    # incr_version all call these) ----------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
            lambda: self._fallback.add(key, value, timeout, version),
            self._keys([key], version),
        )

    def get(self, key, default=None, version=None):
        return self._run(
            lambda: super(ResilientRedisCache, self).get(key, default, version),
            lambda: self._fallback.get(key, default, version),
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
            lambda: self._fallback.set(key, value, timeout, version),
            self._keys([key], version),
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
            lambda: self._fallback.touch(key, timeout, version),
            self._keys([key], version),
        )

    def delete(self, key, version=None):
        return self._run(
            lambda: super(ResilientRedisCache, self).delete(key, version),
            lambda: self._fallback.delete(key, version),
            self._keys([key], version),
        )

    def get_many(self, keys, version=None):
        keys = list(keys)
        return self._run(
            lambda: super(ResilientRedisCache, self).get_many(keys, version),
            lambda: self._fallback.get_many(keys, version),
        )

    def has_key(self, key, version=None):
        return self._run(
            lambda: super(ResilientRedisCache, self).has_key(key, version),
            lambda: self._fallback.has_key(key, version),
        )

    def incr(self, key, delta=1, version=None):
        return self._run(
            lambda: super(ResilientRedisCache, self).incr(key, delta, version),
            lambda: self._fallback.incr(key, delta, version),
            self._keys([key], version),
        )

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        data = dict(data)
        return self._run(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            lambda: self._fallback.set_many(data, timeout, version),
            self._keys(data, version),
        )

    def delete_many(self, keys, version=None):
        keys = list(keys)
        return self._run(
            lambda: super(ResilientRedisCache, self).delete_many(keys, version),
            lambda: self._fallback.delete_many(keys, version),
            self._keys(keys, version),
        )

    def clear(self):
        def clear_fallback() -> bool:
            self._outage.cleared = True
            self._fallback.clear()
            return True

        def clear_both() -> Any:
            self._fallback.clear()
            return super(ResilientRedisCache, self).clear()

        return self._run(clear_both, clear_fallback)
