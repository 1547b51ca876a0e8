"""Worlds built once for consecutive tests, each test rolling back its own changes.

Many tests begin by building the same world (`community_world` and the fixtures built on
it: a dozen accounts, communities, memberships, forums…), and building it took longer
than most of those tests themselves. A fixture declared with `@shared_world` instead of
`@pytest.fixture` is built once inside an outer transaction, which stays open while the
following tests of the same module ask for the same worlds; each test runs, as always,
in its own transaction (pytest-django's `db`, then a savepoint inside the outer one)
that is rolled back after it, so every test starts from the world as it was built.
What else a build leaves behind is given back to every test, as if built for it: its
objects are deep copies (a test that changes `world.open.name` changes its own copy, as
Django's `setUpTestData` does), and the cache entries, sent mail and media files the
build wrote are put back after the test's own fixtures emptied them.

The world is built anew (the outer transaction rolled back, as the last test sharing it
ends) whenever the next test asks for other worlds, is in another module or class, has
other fixtures of wider scope, or asks for no world. A test gets the world
built the usual way, inside its own transaction, when sharing could change what it
sees: a transactional test (`transactional_db`, `live_server`, `transaction=True`: it
commits, and its database is flushed after it), a test on other databases, or a test
whose fixtures, in pytest's order, run something before the world that could change
how it is built (a setting, a patch, an account made first: see `_HARMLESS_BEFORE`).

PORTAL_SHARED_WORLDS=0 builds every world in its test, as before (to compare, or to rule
sharing out when a test misbehaves); PORTAL_SHARED_WORLDS_LOG=<file> writes, for each
test, how many worlds were built so far and why its worlds were not shared, if so.
"""

from __future__ import annotations

import copy
import inspect
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cdp_portal.core.fragments import local_fragments

_BUILDER = "_shared_world_builder"
FIXTURE = "_shared_worlds"

# Function-scoped fixtures that may run before a world in pytest's usual order without
# changing how it is built: pytest-django's own, those that only hand the test a tool,
# and the suite's per-test settings, which the build applies the same way.
_HARMLESS_BEFORE = frozenset(
    {
        FIXTURE,
        "request",
        "_test_settings",
        "_fresh_cache",
        "settings",
        "tmp_path",
        "client",
        "async_client",
        "rf",
        "async_rf",
        "login",
        "admin_client",
        "db",
        "monkeypatch",
        "caplog",
        "capsys",
        "capfd",
        "mailoutbox",
        "django_assert_num_queries",
        "django_assert_max_num_queries",
        "django_capture_on_commit_callbacks",
        "django_user_model",
        "django_username_field",
    }
)
_TRANSACTIONAL = frozenset(
    {
        "transactional_db",
        "live_server",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
    }
)


def shared_world(builder: Callable | None = None, *, name: str | None = None):
    """`@shared_world` (or `@shared_world(name=…)`) in place of `@pytest.fixture` for a
    fixture that only builds rows in the database from other shared worlds (its
    parameters): no setting, no patch, no parametrised value."""

    def declare(builder: Callable):
        fixture_name = name or builder.__name__
        dependencies = list(inspect.signature(builder).parameters)
        if fixture_name in dependencies:
            raise TypeError(f"the shared world {fixture_name!r} cannot build on itself")

        def fixture(request, db, **worlds):
            keeper = request.getfixturevalue(FIXTURE)
            if keeper is None:
                return builder(**worlds)  # built in the test's own transaction, as always
            return keeper.value(request, fixture_name, builder, worlds)

        parameters = [
            inspect.Parameter(argument, inspect.Parameter.POSITIONAL_OR_KEYWORD)
            for argument in ("request", "db", *dependencies)
        ]
        fixture.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        fixture.__name__ = fixture_name
        fixture.__qualname__ = fixture_name
        fixture.__doc__ = builder.__doc__
        fixture.__module__ = builder.__module__
        setattr(fixture, _BUILDER, (builder, tuple(dependencies)))
        return pytest.fixture(name=fixture_name)(fixture)

    return declare(builder) if builder is not None else declare


def _definition(item: pytest.Item, name: str):
    definitions = item._fixtureinfo.name2fixturedefs.get(name)  # type: ignore[attr-defined]
    return definitions[-1] if definitions else None


def _builder_of(definition) -> tuple[Callable, tuple[str, ...]] | None:
    return getattr(definition.func, _BUILDER, None) if definition is not None else None


def _replay(item: pytest.Item) -> list[str]:
    """The fixtures of `item` in the order pytest sets them up: each after those it asks
    for, in the order of the test's closure."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        definition = _definition(item, name)
        if definition is not None:
            for argument in definition.argnames:
                visit(argument)
        order.append(name)

    for name in item.fixturenames:  # type: ignore[attr-defined]
        visit(name)
    return order


def _plan(item: pytest.Item) -> tuple[list[tuple[str, Callable, tuple[str, ...]]], str] | None:
    """The shared worlds `item` asks for, in the order pytest would build them, or None
    when none; with the reason to build them in the test instead ("" when they can be
    shared)."""
    order = _replay(item)
    plan = []
    for name in order:
        if found := _builder_of(_definition(item, name)):
            plan.append((name, *found))
    if not plan:
        return None
    for name, _, dependencies in plan:
        for dependency in dependencies:
            if not _builder_of(_definition(item, dependency)):
                return plan, f"{name} builds on {dependency}, not a shared world"
    return plan, _why_not_shared(item, order, {name for name, _, _ in plan})


def _why_not_shared(item: pytest.Item, order: list[str], worlds: set[str]) -> str:
    names = item.fixturenames  # type: ignore[attr-defined]
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        positional = ("transaction", "reset_sequences", "databases")
        arguments = dict(zip(positional, marker.args, strict=False))
        arguments.update(marker.kwargs)
        if arguments.get("transaction") or arguments.get("reset_sequences"):
            return "transactional test"
        if arguments.get("databases") not in (None, ["default"], ("default",), {"default"}):
            return "other databases"
        if arguments.get("serialized_rollback") or arguments.get("available_apps"):
            return "serialized rollback or available apps"
    if _TRANSACTIONAL & set(names):
        return "transactional test"
    # What pytest would set up before the last world, and the world's build now precedes.
    last = max(index for index, name in enumerate(order) if name in worlds)
    parametrised = set(getattr(getattr(item, "callspec", None), "params", {}))
    suspects = []
    for name in order[:last]:
        definition = _definition(item, name)
        if (
            name in worlds
            or name in _HARMLESS_BEFORE
            or name in parametrised
            or definition is None
            or definition.scope != "function"
            or definition.func.__module__.startswith("pytest_django")
        ):
            continue
        suspects.append(name)
    return f"runs {', '.join(suspects)} before the world" if suspects else ""


_SHARING = pytest.StashKey[tuple]()
# The test that comes after each running test, while it is torn down (conftest's
# pytest_runtest_teardown).
next_item: dict[pytest.Item, pytest.Item | None] = {}


def _sharing(item: pytest.Item) -> tuple[tuple | None, list, str]:
    """The key of the worlds `item` may share (None: built in the test, if any), their
    plan and why they are not shared ("" when they are; "-" without a world)."""
    if _SHARING not in item.stash:
        found = _plan(item)
        plan, reason = found if found else ([], "-")
        if plan and not reason and os.environ.get("PORTAL_SHARED_WORLDS") == "0":
            reason = "PORTAL_SHARED_WORLDS=0"
        key = None
        if plan and not reason:
            # Same worlds, same module and class, and the same fixtures of wider scope
            # around the test (set up before the outer transaction opens).
            wider = sorted(
                name
                for name in item.fixturenames  # type: ignore[attr-defined]
                if (definition := _definition(item, name)) is not None
                and definition.scope != "function"
            )
            key = (
                item.parent.nodeid if item.parent else "",
                tuple((name, id(builder)) for name, builder, _ in plan),
                tuple(wider),
            )
        item.stash[_SHARING] = (key, plan, reason)
    return item.stash[_SHARING]


def put_first(items: list[pytest.Item]) -> None:
    """Set `_shared_worlds` up before every other function-scoped fixture of each test:
    the outer transaction must open before `db` opens the test's own."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None or FIXTURE not in info.names_closure:
            continue
        names = info.names_closure
        names.remove(FIXTURE)
        position = next(
            (
                index
                for index, name in enumerate(names)
                if (definition := _definition(item, name)) is None or definition.scope == "function"
            ),
            len(names),
        )
        names.insert(position, FIXTURE)


class Keeper:
    """The outer transaction and the worlds built in it (one per test process)."""

    def __init__(self, blocker, media_root: Path) -> None:
        self.blocker = blocker
        self.media_root = media_root
        self.key: tuple | None = None
        self.atomic: Any = None
        self.built: dict[str, Any] = {}
        self.traces: tuple[dict, dict, list, dict] = ({}, {}, [], {})
        self.copies: dict[str, Any] | None = None
        self.given_back = False
        self.builds = 0

    def before_test(self, item: pytest.Item) -> None:
        key, plan, reason = _sharing(item)
        if key != self.key:
            self.roll_back()
        if key is not None and self.key is None:
            self._build(key, plan)
        self.copies = copy.deepcopy(self.built) if key is not None else None
        self.given_back = False
        if log := os.environ.get("PORTAL_SHARED_WORLDS_LOG"):
            with open(log, "a") as file:
                file.write(f"{item.nodeid}\t{self.builds}\t{reason}\n")

    def after_test(self, next_item: pytest.Item | None) -> None:
        """Keep the worlds only for a next test that shares them. Run as the test's last
        function-scoped teardown: the outer transaction is closed before any class- or
        module-scoped fixture ends, and before the next test sets up any of its own (its
        key names them), so theirs never nest in it."""
        self.copies = None
        if self.key is not None and (next_item is None or _sharing(next_item)[0] != self.key):
            self.roll_back()

    def _build(self, key: tuple, plan) -> None:
        from django.core import mail
        from django.db import transaction
        from django.test import override_settings

        from tests.conftest import TEST_SETTINGS

        if self.media_root.exists():
            shutil.rmtree(self.media_root)
        with self.blocker.unblock():
            atomic = transaction.atomic()
            atomic._from_testcase = True  # as Django's TestCase marks its own
            atomic.__enter__()
            self.atomic = atomic
            self.key = key
            try:
                self._clear_traces()
                built: dict[str, Any] = {}
                with override_settings(**TEST_SETTINGS, MEDIA_ROOT=str(self.media_root)):
                    for name, builder, dependencies in plan:
                        built[name] = builder(**{d: built[d] for d in dependencies})
            except BaseException:
                self.roll_back()
                raise
        self.built = built
        self.traces = (*_cache_entries(), list(mail.outbox), dict(local_fragments._entries))
        self._clear_traces()
        self.builds += 1

    @staticmethod
    def _clear_traces() -> None:
        from django.core import mail
        from django.core.cache import cache

        cache.clear()
        local_fragments.clear()
        mail.outbox[:] = []

    def value(self, request, name: str, builder: Callable, worlds: dict[str, Any]) -> Any:
        if self.copies is None or name not in self.copies:
            return builder(**worlds)  # built in the test's own transaction, as always
        if not self.given_back:
            self._give_back_traces(request)
        return self.copies[name]

    def _give_back_traces(self, request) -> None:
        """What building the world left in the cache (and this process's copies of
        fragments), the mailbox and the media folder, as if it had been built in this test
        (after its fixtures emptied them)."""
        from django.conf import settings
        from django.core import mail

        self.given_back = True
        entries, expiries, outbox, fragments = self.traces
        if entries:
            _restore_cache(entries, expiries)
        if fragments:
            local_fragments.set_many({key: value for key, (value, _) in fragments.items()})
        mail.outbox.extend(copy.deepcopy(outbox))
        if self.media_root.exists():
            shutil.copytree(self.media_root, settings.MEDIA_ROOT, dirs_exist_ok=True)

    def roll_back(self) -> None:
        if self.atomic is None:
            return
        from django.db import transaction

        atomic, self.atomic, self.key, self.built = self.atomic, None, None, {}
        with self.blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _cache_entries() -> tuple[dict, dict]:
    """The local-memory cache's entries (the suite's cache: no REDIS_URL in tests)."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    real = caches["default"]
    if not isinstance(real, LocMemCache):
        return {}, {}
    return dict(real._cache), dict(real._expire_info)


def _restore_cache(entries: dict, expiries: dict) -> None:
    from django.core.cache import caches

    real = caches["default"]
    with real._lock:
        real._cache.update(entries)
        real._expire_info.update(expiries)


def keeper_fixture(request, django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator:
    global keeper
    keeper = Keeper(django_db_blocker, tmp_path_factory.mktemp("shared-world") / "media")
    yield keeper
    keeper.roll_back()
    keeper = None


# The test process's keeper once a test shared a world (until then, tests without one
# need no database set up for them).
keeper: Keeper | None = None


def worlds_fixture(request) -> Iterator[Keeper | None]:
    """`_shared_worlds`, every test's first function-scoped fixture (`put_first`)."""
    item = request.node
    if keeper is None and _sharing(item)[0] is None:
        yield None
        return
    current: Keeper = request.getfixturevalue("_world_keeper")
    current.before_test(item)
    yield current
    current.after_test(next_item.get(item))
