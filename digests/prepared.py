"""Querysets built and compiled once, run for many people.

A digest asks the same few questions for thousands of people, who differ only in the
values the questions take: who they are and the window of their digest. Building a
queryset through `Topic.objects.visible_to(person)` and compiling it to SQL costs several
times what running it costs, so each question is built once per batch for a stand-in
person (stand-in id, stand-in dates) of the same kind as the real ones (an administrator
or not: the one thing about a person that changes the SQL of the `visible_to` querysets),
compiled, and run for each person with the stand-in values among its parameters replaced
by theirs.

So the SQL that runs is the querysets' own, rules included, and it reads what
`visible_to(person)` would read. That is checked, not assumed: the first real person of
each kind has their queryset built and compiled the ordinary way, and unless the SQL and
its parameters are exactly the stand-in's with their values put in, the question is
built for each person of that kind instead (a rule that came to depend on something else
about the person is then still obeyed, only slower).

PostgreSQL plans a statement for its parameters every time unless told otherwise, and
planning these (visibility subqueries, joins) takes longer than running them: within
`generic_plans()`, a statement run again on the connection (psycopg prepares it from its
fifth run, `DATABASE_PREPARED_STATEMENTS`) keeps one plan for every person. The
parameters only ever differ by whom and which recent week, so one plan suits them all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connections, transaction
from django.db.models import QuerySet

from cdp_portal.accounts.permissions import is_portal_admin
from cdp_portal.accounts.prepared import STAND_IN_ID, bind, compiled, stand_in_user
from cdp_portal.accounts.types import User

logger = logging.getLogger(__name__)

# Values no real date takes.
_STAND_IN_SINCE = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
_STAND_IN_UNTIL = datetime(1901, 2, 3, 4, 5, 7, tzinfo=UTC)
_STAND_IN_AMONG = (STAND_IN_ID, -1)


@dataclass(frozen=True)
class Person:
    """Whose digest, the window it covers and the candidate items of the part being
    read (`leads`): all a question depends on."""

    user: User
    since: datetime
    until: datetime
    among: tuple[int, ...] = ()

    @property
    def is_admin(self) -> bool:
        return is_portal_admin(self.user)


def _stand_in(is_admin: bool) -> Person:
    return Person(
        stand_in_user(is_admin=is_admin), _STAND_IN_SINCE, _STAND_IN_UNTIL, _STAND_IN_AMONG
    )


def _bound(params: Sequence[Any], person: Person) -> tuple[Any, ...]:
    """The stand-in's parameters with the person's values in their place."""
    return bind(
        params,
        {
            (int, STAND_IN_ID): person.user.pk,
            (datetime, _STAND_IN_SINCE): person.since,
            (datetime, _STAND_IN_UNTIL): person.until,
            (list, _STAND_IN_AMONG): list(person.among),
        },
    )


class PreparedQuestion:
    """One question (`build(person)` returns a `values_list` queryset), prepared per kind
    of person the first time it is asked for one."""

    def __init__(self, name: str, build: Callable[[Person], QuerySet]) -> None:
        self.name = name
        self.build = build
        # Per kind (administrator or not): (database, SQL, stand-in parameters), or None
        # when the check failed and the question is built for each person.
        self._prepared: dict[bool, tuple[str, str, tuple[Any, ...]] | None] = {}

    def rows(self, person: Person) -> list[tuple]:
        kind = person.is_admin
        if kind not in self._prepared:
            self._prepared[kind] = self._prepare(person)
        prepared = self._prepared[kind]
        if prepared is None:
            return list(self.build(person))
        database, sql, params = prepared
        with connections[database].cursor() as cursor:
            cursor.execute(sql, _bound(params, person))
            return cursor.fetchall()

    def _prepare(self, person: Person) -> tuple[str, str, tuple[Any, ...]] | None:
        template = self.build(_stand_in(person.is_admin))
        sql, params = compiled(template)
        real_sql, real_params = compiled(self.build(person))
        if sql != real_sql or _bound(params, person) != real_params:
            logger.warning(
                "Digest question %r depends on more than the person's id and window: "
                "built for each person instead.",
                self.name,
            )
            return None
        return template.db, sql, params


@contextmanager
def generic_plans(using: str = "default") -> Iterator[None]:
    """A transaction in which prepared statements are planned once, not for each run
    (`plan_cache_mode`, PostgreSQL 12+; it ends with the transaction)."""
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        yield
