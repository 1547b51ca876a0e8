"""Reads on a streaming replica, writes on the primary (DATABASE_REPLICA_URL is set).

The rule, decided once per request by `ReplicaRoutingMiddleware`:

- a safe request (GET, HEAD, OPTIONS, TRACE) reads from the replica, unless the person
  wrote within the last DATABASE_REPLICA_STICKY_SECONDS (a signed cookie, so any node of
  the site knows it), or until it writes itself: once a statement has changed rows on the
  primary (through the ORM or not), every read of the request goes to the primary, as do
  reads inside a transaction on the primary (they must see what it wrote) and reads of
  the sessions (who is signed in). An UPDATE that changed nothing (no unread
  notification to mark read) is no write: the person has nothing to read back;
- any other request (a POST…), and any work outside a request (commands, tasks, the
  worker), reads and writes the primary only;
- writes always go to the primary, migrations only run there, and objects read from
  either database may be related to each other.

A replica that refuses connections, fails a query or lags more than
DATABASE_REPLICA_MAX_LAG_SECONDS behind the primary is left aside: the request reads the
primary instead (a safe request that saw the replica fail mid-way is answered again from
the primary), and so does every request of this process for
DATABASE_REPLICA_RETRY_SECONDS, rather than paying a failed connection each time. That
cool-down is per process: nothing needs sharing, each process finds out for itself.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.http import HttpRequest, HttpResponseBase

from .middleware import DATABASE_DOWN_ERRORS

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
STICKY_COOKIE = "cdp_reads_primary"
_STICKY_SALT = "cdp_portal.core.replica"
# Who is signed in is read where sign-outs are written: a session ended on one node must
# not go on living on a replica that has not replayed its deletion yet.
PRIMARY_ONLY_APPS = frozenset({"sessions"})
# While the replica stays down, one warning per this many seconds, not one per request.
WARNING_INTERVAL = 60.0
# Whatever goes wrong while connecting to the replica or measuring its lag (down, in
# recovery from a crash, a role without access) makes it unusable, never a failed page.
PROBE_ERRORS: tuple[type[BaseException], ...] = (DatabaseError, *DATABASE_DOWN_ERRORS)

# "0 when nothing is waiting to be replayed", else the age of the last transaction
# replayed. A standby that receives nothing (its primary idle) is not behind; one whose
# WAL receiver is gone cannot know, so it counts as behind once its last replay is old.
# NULL (nothing replayed since it started, and something waiting) counts as behind too.
# On a server that is not a standby (a promoted replica), there is no lag.
_LAG_SQL = """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
             AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0
        ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
    END
"""


@dataclass
class RequestReads:
    """Where the reads of the current request may go, and what it has done so far."""

    replica_allowed: bool
    wrote: bool = False
    # Inside `writes_not_read_back()`: writes that need no read-your-writes.
    not_read_back: bool = False
    # None until the first read that could use the replica asks whether it is usable.
    replica_usable: bool | None = None
    replica_failed: bool = False


_request_reads: ContextVar[RequestReads | None] = ContextVar("cdp_request_reads", default=None)


def current_reads() -> RequestReads | None:
    """The current request's routing, or None outside a request (everything on the primary)."""
    return _request_reads.get()


@contextmanager
def writes_not_read_back() -> Iterator[None]:
    """For writes the person does not read back (a view or download counter): they go to
    the primary as any write, but the request keeps reading the replica and the person's
    next reads are not sent to the primary for them, as every page view would otherwise."""
    reads = current_reads()
    if reads is None:
        yield
        return
    before, reads.not_read_back = reads.not_read_back, True
    try:
        yield
    finally:
        reads.not_read_back = before


# --- The replica's health, per process ----------------------------------------------------


@dataclass
class _ReplicaHealth:
    lock: threading.Lock = field(default_factory=threading.Lock)
    lag_lock: threading.Lock = field(default_factory=threading.Lock)
    down_until: float = 0.0  # monotonic; no connection attempt before this
    outage_since: float | None = None
    last_warning: float = float("-inf")
    lag_checked_at: float = float("-inf")
    lagging: bool = False

    def mark_down(self, error: BaseException) -> None:
        with self.lock:
            now = time.monotonic()
            self.down_until = now + settings.DATABASE_REPLICA_RETRY_SECONDS
            first = self.outage_since is None
            if first:
                self.outage_since = now
            if not first and now - self.last_warning < WARNING_INTERVAL:
                return
            self.last_warning = now
        logger.warning(
            "Read replica %s: reading from the primary, next try in %s s (%s)",
            "unavailable" if first else "still unavailable",
            settings.DATABASE_REPLICA_RETRY_SECONDS,
            str(error).strip() or type(error).__name__,
        )

    def mark_up(self) -> None:
        if self.outage_since is None:  # the usual case, without taking the lock
            return
        with self.lock:
            if self.outage_since is None:
                return
            lasted, self.outage_since = time.monotonic() - self.outage_since, None
        logger.warning("Read replica available again after %.0f s: reading from it", lasted)

    def lag_acceptable(self, connection: BaseDatabaseWrapper) -> bool:
        """False while the replica lags more than the bound; measured by one thread at
        most every DATABASE_REPLICA_LAG_CHECK_SECONDS, the others use the last result."""
        bound = settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        if not bound:
            return True
        now = time.monotonic()
        due = now - self.lag_checked_at >= settings.DATABASE_REPLICA_LAG_CHECK_SECONDS
        if due and self.lag_lock.acquire(blocking=False):
            try:
                self.lag_checked_at = now
                with connection.cursor() as cursor:
                    cursor.execute(_LAG_SQL)
                    (lag,) = cursor.fetchone()
                self._note_lag(None if lag is None else float(lag), bound)
            finally:
                self.lag_lock.release()
        return not self.lagging

    def _note_lag(self, lag: float | None, bound: float) -> None:
        lagging = lag is None or lag > bound
        if lagging != self.lagging:
            shown = "unknown" if lag is None else f"{lag:.1f} s"
            if lagging:
                logger.warning(
                    "Read replica behind by %s (> %s s): reading the primary", shown, bound
                )
            else:
                logger.warning("Read replica caught up (behind by %s): reading from it", shown)
        self.lagging = lagging


_health = _ReplicaHealth()


def forget_replica_state() -> None:
    """Start again as a new process would (tests)."""
    global _health
    _health = _ReplicaHealth()


def replica_usable() -> bool:
    """Whether this process reads from the replica now: not cooling down after a failure,
    connected (a dead persistent connection is noticed by Django's health check and
    replaced) and, when a bound is set, not too far behind the primary."""
    health = _health
    if time.monotonic() < health.down_until:
        return False
    connection = connections[REPLICA]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        lag_ok = health.lag_acceptable(connection)
    except PROBE_ERRORS as error:
        health.mark_down(error)
        with contextlib.suppress(*PROBE_ERRORS):
            connection.close()
        return False
    health.mark_up()
    return lag_ok


# --- Router and middleware ------------------------------------------------------------------


class ReplicaRouter:
    """DATABASE_ROUTERS entry when DATABASE_REPLICA_URL is set (see the module's rule)."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        reads = current_reads()
        if reads is None or not reads.replica_allowed or reads.wrote:
            return PRIMARY
        if model._meta.app_label in PRIMARY_ONLY_APPS or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        instance = hints.get("instance")
        if instance is not None and instance._state.db == PRIMARY:
            # What is related to an object read on the primary comes from there too.
            return PRIMARY
        if reads.replica_usable is None:
            reads.replica_usable = replica_usable()
        return REPLICA if reads.replica_usable else PRIMARY

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        # Whether it changes anything is only known once it ran: see _watch_primary.
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


def wrote_recently(request: HttpRequest) -> bool:
    """Whether this browser wrote within DATABASE_REPLICA_STICKY_SECONDS (on any node)."""
    return (
        request.get_signed_cookie(
            STICKY_COOKIE,
            default=None,
            salt=_STICKY_SALT,
            max_age=settings.DATABASE_REPLICA_STICKY_SECONDS,
        )
        is not None
    )


def remember_write(response: HttpResponseBase) -> None:
    seconds = settings.DATABASE_REPLICA_STICKY_SECONDS
    if seconds > 0:
        response.set_signed_cookie(
            STICKY_COOKIE,
            "1",
            salt=_STICKY_SALT,
            max_age=seconds,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def _watch_primary(
    reads: RequestReads, execute: Callable, sql: str, params: Any, many: bool, context: dict
) -> Any:
    result = execute(sql, params, many, context)
    # psycopg also counts the rows a SELECT returned: those changed nothing. The command
    # tag says what ran ("SELECT 20", "INSERT 0 3"), a statement opening with WITH too.
    cursor = context["cursor"]
    status = getattr(cursor, "statusmessage", None) or ""
    is_select = status.startswith("SELECT") or sql.lstrip(" \t\n(").upper().startswith("SELECT")
    if cursor.rowcount > 0 and not is_select and not reads.not_read_back:
        reads.wrote = True
    return result


def _watch_replica(reads: RequestReads, execute: Callable, *args: Any) -> Any:
    try:
        return execute(*args)
    except DATABASE_DOWN_ERRORS as error:
        # Only once the replica was found usable: a failing probe already fell back.
        if reads.replica_usable:
            reads.replica_failed = True
            _health.mark_down(error)
        raise


class ReplicaRoutingMiddleware:
    """First in MIDDLEWARE: decides where the request reads before anything queries, and
    sees every write of the request, the session's included, before answering."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        safe = request.method in SAFE_METHODS
        reads = RequestReads(replica_allowed=safe and not wrote_recently(request))
        response = self._respond(request, reads)
        if reads.replica_failed and safe and not reads.wrote:
            # Reading twice is harmless; a 503 because a spare copy failed is not.
            logger.warning(
                "Read replica failed during %s %s: answering from the primary",
                request.method,
                request.path,
            )
            reads = RequestReads(replica_allowed=False)
            response = self._respond(request, reads)
        if reads.wrote:
            remember_write(response)
        return response

    def _respond(self, request: HttpRequest, reads: RequestReads) -> HttpResponseBase:
        token = _request_reads.set(reads)
        try:
            with (
                connections[PRIMARY].execute_wrapper(partial(_watch_primary, reads)),
                connections[REPLICA].execute_wrapper(partial(_watch_replica, reads)),
            ):
                return self.get_response(request)
        finally:
            _request_reads.reset(token)


def read_may_miss_write(using: str, written_at: Callable[[], float | None]) -> bool:
    """Whether what was just read through `using` may predate the write made at
    `written_at()` (time.time(), on any node; None: no write known): it was read on the
    replica within DATABASE_REPLICA_STICKY_SECONDS of that write. A result cached for
    everyone must not be. `written_at` is only called for reads on the replica."""
    if using != REPLICA:
        return False
    when = written_at()
    return when is not None and time.time() - when < settings.DATABASE_REPLICA_STICKY_SECONDS
