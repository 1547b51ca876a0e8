"""Querysets built and compiled once, run with each person's values.

Building a queryset through the permission-aware methods (`Topic.objects.visible_to(user)`
and the conditions they combine) and compiling it to SQL costs Django several times what
PostgreSQL then spends running it: on a topic page, looking the topic up (visibility,
hidden topics, read state, watch state, the reader's membership) was about half of the
request's CPU, nearly all of it in building and compiling. Yet that SQL is the same for
every request of the same kind of person, but for the values it is given: who they are
and which topic.

So a question is built once per process and kind of person (`person_kind`: the only facts
about a person that the visibility methods' SQL depends on) for a stand-in person and
stand-in values, compiled, and run for each request with the stand-in values among its
parameters replaced by the request's. The SQL that runs is the querysets' own, rules
included, and the objects come back through Django's own iterable (related objects,
annotations, the reader's membership).

Checked, not assumed: the first time a kind of person asks in a process, their queryset
is also built and compiled the ordinary way, and unless the SQL and its parameters are
exactly the stand-in's with their values put in, the question is built for each request of
that kind instead, with a warning (a rule that came to depend on something else about the
person, or on the time, is then still obeyed, only slower). tests/forums/test_prepared_lookups.py
checks every prepared question against the ordinary queryset for every kind of visitor.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable
from django.http import Http404

from cdp_portal.accounts.permissions import is_portal_admin
from cdp_portal.accounts.types import User, is_signed_in

logger = logging.getLogger(__name__)

T = TypeVar("T", bound=Model)

# Values no real person, object or parameter takes.
STAND_IN_ID = -424_242_424
_STAND_IN_INTEGERS = (-424_242_423, -424_242_422, -424_242_421)
_STAND_IN_TEXT = "\x1fstand-in-{}\x1f"

# Statements kept per query and process: a list's pages are shapes of their own, and a
# long list has many; the pages beyond are built as usual.
MAX_SHAPES = 200

_EVERY: dict[str, PreparedQuery] = {}


def person_kind(user: Any) -> tuple[bool, bool, bool, bool] | None:
    """What about a signed-in person may change the SQL of the visibility methods: whether
    they are active, whether they administer the portal, and the two account flags behind
    what they may do (superuser, staff). None for a visitor who is not signed in (their
    querysets are mostly empty; nothing is prepared for them)."""
    if not is_signed_in(user):
        return None
    return (bool(user.is_active), is_portal_admin(user), user.is_superuser, user.is_staff)


def stand_in_user(
    *,
    is_admin: bool,
    is_active: bool = True,
    is_superuser: bool | None = None,
    is_staff: bool = False,
) -> User:
    """A person who exists for the ORM (related filters take them) but in no table; an
    administrator is a superuser unless told otherwise (one through the group)."""
    user = User(pk=STAND_IN_ID, email="stand-in@invalid", is_active=is_active, is_staff=is_staff)
    user.is_superuser = is_admin if is_superuser is None else is_superuser
    user._state.adding = False
    user._portal_admin_cache = is_admin  # type: ignore[attr-defined]  # is_portal_admin's memo
    return user


def compiled(queryset: QuerySet) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, tuple(params)


def bind(params: Sequence[Any], values: Mapping[tuple[type, Any], Any]) -> tuple[Any, ...]:
    """The stand-in's parameters with each stand-in value (keyed by its type and value, so
    that 1 and True stay apart; a list by `(list, tuple(items))`) replaced by the real one."""
    return tuple(
        values.get((list, tuple(param)), param)
        if isinstance(param, list)
        else values.get((type(param), param), param)
        for param in params
    )


class _CompiledQuerySet:
    """What Django's `ModelIterable` reads of a queryset, around a compiler whose SQL is
    already known."""

    def __init__(self, model: type[Model], db: str, compiler: Any) -> None:
        self.model = model
        self.db = db
        self.query = self
        self._compiler = compiler
        self._known_related_objects: dict = {}

    def get_compiler(self, using: str | None = None, **_ignored: Any) -> Any:
        return self._compiler


def every_prepared_query() -> list[PreparedQuery]:
    """Every prepared query of the modules imported so far (the tests check them all)."""
    return list(_EVERY.values())


class PreparedQuery(Generic[T]):
    """The objects of `build(person, *shape, **values)`, with the statement prepared per
    kind of person and `shape` (what changes the SQL itself: a page's bounds, say); each
    of `values` (an integer or a string) becomes one of its parameters. `by_person=False`:
    `build` is given None for the person and one statement serves everyone.

    `build` must depend on the person only through `person_kind` and their id, and on
    nothing else that changes between requests: the first request of each kind checks it.
    """

    def __init__(self, name: str, build: Callable[..., QuerySet[T]], *, by_person: bool = True):
        self.name = name
        self.build = build
        self.by_person = by_person
        _EVERY[name] = self
        # Per kind, value names and shape: the compiler (its SQL compiled), the SQL, the
        # stand-in parameters and the stand-in values; None when the check failed.
        self._prepared: dict[tuple, tuple[Any, str, tuple[Any, ...], dict] | None] = {}

    def queryset(self, user: Any, shape: tuple, values: dict) -> QuerySet[T]:
        """The ordinary queryset."""
        return self.build(user, *shape, **values)

    def rows(self, user: Any, *shape: Any, **values: Any) -> list[T]:
        if not self.by_person:
            user = None
        kind = person_kind(user) if self.by_person else ()
        if kind is None or not all(type(value) in (int, str) for value in values.values()):
            return list(self.queryset(user, shape, values))
        key = (kind, tuple(sorted(values)), shape)
        if key not in self._prepared:
            if len(self._prepared) >= MAX_SHAPES:
                return list(self.queryset(user, shape, values))
            self._prepared[key] = self._prepare(kind, user, shape, values)
        prepared = self._prepared[key]
        if prepared is None:
            return list(self.queryset(user, shape, values))
        return self._run(prepared, user, values)

    def _prepare(self, kind: tuple, user: Any, shape: tuple, values: dict):
        stand_ins: dict[str, Any] = {}
        integers = iter(_STAND_IN_INTEGERS)
        for name, value in sorted(values.items()):
            stand_ins[name] = next(integers) if type(value) is int else _STAND_IN_TEXT.format(name)
        stand_in = None
        if kind:
            is_active, is_admin, is_superuser, is_staff = kind
            stand_in = stand_in_user(
                is_admin=is_admin, is_active=is_active, is_superuser=is_superuser, is_staff=is_staff
            )
        try:
            template = self.queryset(stand_in, shape, stand_ins)
            if template._iterable_class is not ModelIterable or template._prefetch_related_lookups:
                # Rows that are not model instances, or a prefetch (run by the QuerySet,
                # after the statement): built as usual.
                return None
            compiler = template.query.get_compiler(using=template.db)
            sql, params = compiler.as_sql()
            real_sql, real_params = compiled(self.queryset(user, shape, values))
        except (TypeError, ValueError, EmptyResultSet):
            # A stand-in a field refuses, or a question answered without asking (an empty
            # page): built as usual.
            return None
        if sql != real_sql or bind(params, _values(user, stand_ins, values)) != real_params:
            logger.warning(
                "Prepared query %r depends on more than the person's kind and id and the "
                "values it is given: built for each request instead.",
                self.name,
            )
            return None
        return compiler, sql, tuple(params), stand_ins

    def _run(self, prepared, user: Any, values: dict) -> list[T]:
        template_compiler, sql, params, stand_ins = prepared
        model = template_compiler.query.model
        db = router.db_for_read(model)
        compiler = copy.copy(template_compiler)
        compiler.connection = connections[db]
        bound = bind(params, _values(user, stand_ins, values))
        compiler.as_sql = lambda *args, **kwargs: (sql, bound)
        return list(ModelIterable(_CompiledQuerySet(model, db, compiler)))  # type: ignore[arg-type]


class PreparedLookup(PreparedQuery[T]):
    """One object among `build(person)`, found by the lookup's keyword arguments, the way
    `get_object_or_404` finds it."""

    def queryset(self, user: Any, shape: tuple, values: dict) -> QuerySet[T]:
        # Two rows at most: enough to tell one from several, as `get` does.
        return self.build(user).filter(**values)[:2]

    def find(self, user: Any, **lookup: Any) -> list[T]:
        """The objects matching `lookup` (two at most, as `get` reads them)."""
        return self.rows(user, **lookup)

    def get_or_404(self, user: Any, **lookup: Any) -> T:
        found = self.find(user, **lookup)
        if not found:
            raise Http404
        if len(found) > 1:
            raise found[0].MultipleObjectsReturned
        return found[0]


def _values(user: Any, stand_ins: dict[str, Any], lookup: dict) -> dict[tuple[type, Any], Any]:
    values = {(int, STAND_IN_ID): user.pk} if user is not None else {}
    for name, stand_in in stand_ins.items():
        values[(type(stand_in), stand_in)] = lookup[name]
    return values
