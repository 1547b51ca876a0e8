"""Declared schemas for the YAML files the portal reads: seed files, checklist templates,
the demo institution's data.

A schema lists, in one place, each key of a file: its type, whether it is required, its
allowed values and length limits. `validate(schema, data)` walks a parsed file against it
and returns the clean value (text stripped, e-mail addresses lowercased, defaults filled
in) with *every* problem found, each naming the entry (`where`: "communities[1] (slug
'x')", "section 's', item 'a'") and the field path inside it ("people[0].email"), so a
file is corrected in one pass.

    PERSON = Mapping({"email": Email(required=True), "hours": Integer(0, 100)})
    value, problems = validate(List(PERSON), data, where="top level")

Conventions, the same for every file: a key given without a value (`summary:`) counts as
absent, except for a list, where it means an empty list; an unknown key is an error; a
problem in a list of plain values (roles, tags) names the list, one in a list of
mappings names the item (`people[2]`), or the item's own label when its mapping has one.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

EMAIL_LIMIT = 254
MISSING = "missing (required)"


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __deepcopy__(self, memo: dict) -> _Marker:
        return self


# A key absent from the clean mapping; a value that failed (its problem is reported).
ABSENT: Any = _Marker("ABSENT")
INVALID: Any = _Marker("INVALID")


@dataclass(frozen=True)
class Problem:
    where: str  # the entry: "communities[1] (slug 'x')"; "" for the file itself
    field: str  # the field path inside the entry: "people[0].email"; "" for the entry
    message: str

    def __str__(self) -> str:
        place = ", ".join(filter(None, (self.where, self.field and f"field '{self.field}'")))
        return f"{place}: {self.message}" if place else self.message


@dataclass(frozen=True)
class At:
    """Where a value is: its entry and its field path inside the entry."""

    where: str
    path: str = ""

    def key(self, name: object) -> At:
        return At(self.where, f"{self.path}.{name}" if self.path else str(name))

    def index(self, position: int) -> At:
        return At(self.where, f"{self.path}[{position}]")


class Run:
    """One validation: the problems found, and what is computed once per file."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._values: dict[int, Collection] = {}
        self._seen: dict[int, dict] = {}

    def report(self, at: At, message: str) -> Any:
        self.problems.append(Problem(at.where, at.path, message))
        return INVALID

    def values(self, choice: Choice) -> Collection:
        if id(choice) not in self._values:
            values = choice.allowed
            self._values[id(choice)] = values() if callable(values) else values
        return self._values[id(choice)]

    def seen(self, unique: Unique) -> dict:
        return self._seen.setdefault(id(unique), {})


class Node:
    """A declared value. `required`: the key must be there (and text not empty);
    otherwise an absent key gives `default` (by default, no key in the clean mapping)."""

    scalar = True

    def __init__(
        self, *, required: bool = False, default: Any = ABSENT, missing: str = MISSING
    ) -> None:
        self.required = required
        self.default = default
        self.missing = missing

    def absent(self, at: At, run: Run) -> Any:
        if self.required:
            return run.report(at, self.missing)
        return copy.deepcopy(self.default)

    def null(self, at: At, run: Run) -> Any:
        """The key is there without a value."""
        return self.absent(at, run)

    def clean(self, value: Any, at: At, run: Run) -> Any:
        raise NotImplementedError


def _type_name(value: object) -> str:
    return type(value).__name__


class Text(Node):
    """Text, stripped (`fold`: every run of whitespace becomes one space). `check` returns
    a problem with the clean text, or None."""

    def __init__(
        self,
        limit: int = 0,
        *,
        fold: bool = False,
        check: Callable[[str], str | None] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.limit, self.fold, self.check = limit, fold, check

    def clean(self, value: Any, at: At, run: Run) -> Any:
        if not isinstance(value, str):
            return run.report(at, f"must be text, not {_type_name(value)}")
        text = " ".join(value.split()) if self.fold else value.strip()
        if self.required and not text:
            return run.report(at, "must not be empty")
        if self.limit and len(text) > self.limit:
            return run.report(at, f"is longer than {self.limit} characters ({len(text)})")
        problem = self.check(text) if self.check else None
        return run.report(at, problem) if problem else text


class Email(Node):
    """An e-mail address, lowercased."""

    def clean(self, value: Any, at: At, run: Run) -> Any:
        if not isinstance(value, str):
            return run.report(at, "must be an e-mail address (text)")
        address = value.strip()
        try:
            validate_email(address)
        except ValidationError:
            return run.report(at, f"'{value}' is not a valid e-mail address")
        if len(address) > EMAIL_LIMIT:
            return run.report(at, f"is longer than {EMAIL_LIMIT} characters")
        return address.lower()


class Choice(Node):
    """One of `allowed` (or of what the callable `allowed` returns, asked once per file).
    With a `noun`, an unknown value is "unknown <noun> 'x' (<hint>)"."""

    def __init__(
        self,
        allowed: Collection[str] | Callable[[], Collection[str]],
        *,
        noun: str = "",
        hint: str = "",
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.allowed, self.noun, self.hint = allowed, noun, hint

    def clean(self, value: Any, at: At, run: Run) -> Any:
        allowed = run.values(self)
        if not self.noun:
            if isinstance(value, str) and value in allowed:
                return value
            return run.report(at, f"'{value}' is not one of {' | '.join(allowed)}")
        if not isinstance(value, str):
            return run.report(at, f"must be text, not {_type_name(value)}")
        if value not in allowed:
            hint = self.hint or f"allowed: {', '.join(allowed)}"
            return run.report(at, f"unknown {self.noun} '{value}' ({hint})")
        return value


class Integer(Node):
    def __init__(self, minimum: int, maximum: int, **options: Any) -> None:
        super().__init__(**options)
        self.minimum, self.maximum = minimum, maximum

    def clean(self, value: Any, at: At, run: Run) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            return run.report(at, f"must be a whole number from {self.minimum} to {self.maximum}")
        if not self.minimum <= value <= self.maximum:
            return run.report(at, f"{value} is out of range ({self.minimum} to {self.maximum})")
        return value


class Boolean(Node):
    def clean(self, value: Any, at: At, run: Run) -> Any:
        if not isinstance(value, bool):
            return run.report(at, "must be true or false")
        return value


class Date(Node):
    """A date (midnight) or a date and time, made timezone-aware."""

    def clean(self, value: Any, at: At, run: Run) -> Any:
        if isinstance(value, datetime.datetime):
            return value if timezone.is_aware(value) else timezone.make_aware(value)
        if isinstance(value, datetime.date):
            return timezone.make_aware(datetime.datetime.combine(value, datetime.time()))
        return run.report(at, "must be a date such as 2024-09-01")


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Unique:
    """No two items of a list may share a key: the item itself, or its `field`, through
    `key`. `message` may name {key}, {item} (the clean value compared), {first} (the
    earlier one's) and {index} (the earlier one's position). `per_file`: the items of
    every list declaring this rule share one namespace (keys unique in the whole file)."""

    message: str
    field: str = ""
    key: Callable[[Any], Hashable] = _same
    per_file: bool = False


class List(Node):
    """A list of `item`. `single`: one value alone counts as a list of one."""

    scalar = False

    def __init__(
        self,
        item: Node,
        *,
        nonempty: bool = False,
        single: bool = False,
        unique: Unique | None = None,
        wrong_type: str = "must be a list",
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.item, self.nonempty, self.single = item, nonempty, single
        self.unique, self.wrong_type = unique, wrong_type

    def null(self, at: At, run: Run) -> Any:
        return self.clean([], at, run)

    def clean(self, value: Any, at: At, run: Run) -> Any:
        if self.single and not isinstance(value, list | dict):
            value = [value]
        if not isinstance(value, list):
            return run.report(at, self.wrong_type)
        if self.nonempty and not value:
            return run.report(at, "must not be empty")
        seen = run.seen(self.unique) if self.unique and self.unique.per_file else {}
        items = []
        for position, raw in enumerate(value):
            item_at = self._item_at(at, position, raw)
            item = _clean_value(self.item, raw, item_at, run)
            if self.unique:
                self._check_unique(item, position, item_at, seen, run)
            items.append(item)
        return items

    def _item_at(self, at: At, position: int, raw: Any) -> At:
        label = getattr(self.item, "label", None)
        if label is not None:
            return At(label(at.where, position, raw if isinstance(raw, dict) else {}))
        return at if self.item.scalar else at.index(position)

    def _check_unique(self, item: Any, position: int, at: At, seen: dict, run: Run) -> None:
        unique = self.unique
        assert unique is not None
        if unique.field:
            value = item.get(unique.field, ABSENT) if isinstance(item, dict) else INVALID
        else:
            value = item
        if value is INVALID or value is ABSENT:
            return
        key = unique.key(value)
        if key not in seen:
            seen[key] = (position, value)
            return
        index, first = seen[key]
        message = unique.message.format(key=key, item=value, first=first, index=index)
        run.report(at.key(unique.field) if unique.field else at, message)


class Dict(Node):
    """A mapping whose keys are not declared: each key is a `key` node, each value a
    `value` node."""

    scalar = False

    def __init__(
        self,
        value: Node,
        *,
        key: Node | None = None,
        wrong_type: str = "must be a mapping",
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.value, self.key_node, self.wrong_type = value, key or Text(required=True), wrong_type

    def clean(self, value: Any, at: At, run: Run) -> Any:
        if not isinstance(value, dict):
            return run.report(at, self.wrong_type)
        result = {}
        for raw_key, raw_value in value.items():
            here = at.key(raw_key)
            key = _clean_value(self.key_node, raw_key, here, run)
            result[key] = _clean_value(self.value, raw_value, here, run)
        return result


class Mapping(Node):
    """A mapping with declared keys, checked in the order given (unknown keys first).
    `label(where, position, raw)`: when the mapping is an entry of a list that its
    problems should name ("section 's'"), the entry's name, from its raw content."""

    scalar = False

    def __init__(
        self,
        fields: dict[str, Node],
        *,
        label: Callable[[str, int, dict], str] | None = None,
        wrong_type: str = "must be a mapping",
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.fields, self.label, self.wrong_type = fields, label, wrong_type

    def clean(self, value: Any, at: At, run: Run) -> Any:
        if not isinstance(value, dict):
            return run.report(at, self.wrong_type)
        allowed = ", ".join(sorted(self.fields))
        for key in sorted(set(value) - set(self.fields), key=str):
            run.report(at.key(key), f"unknown key (allowed: {allowed})")
        result = {}
        for name, node in self.fields.items():
            here = at.key(name)
            if name not in value:
                clean = node.absent(here, run)
            else:
                clean = _clean_value(node, value[name], here, run)
            if clean is not ABSENT:
                result[name] = clean
        return result


def _clean_value(node: Node, value: Any, at: At, run: Run) -> Any:
    return node.null(at, run) if value is None else node.clean(value, at, run)


def validate(schema: Node, data: Any, *, where: str = "") -> tuple[Any, list[Problem]]:
    """The clean value of `data` and every problem found (the value is only meaningful
    when there is none). `where` names the file's top level in the problems."""
    run = Run()
    # An empty file is not a file without content: it is the wrong type.
    value = schema.clean(data, At(where), run)
    return value, run.problems


class DataFileError(Exception):
    """A data file cannot be read or does not follow its schema: every problem, one a
    line, each prefixed with the file."""

    def __init__(self, path: str | Path, problems: list[Problem]) -> None:
        self.path, self.problems = str(path), problems
        super().__init__("\n".join(f"{self.path}: {problem}" for problem in problems))


def load(path: str | Path, schema: Node, *, where: str = "") -> Any:
    """The clean content of a YAML data file, or `DataFileError`."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise DataFileError(path, [Problem("", "", f"cannot be read ({error})")]) from error
    value, problems = validate(schema, data, where=where)
    if problems:
        raise DataFileError(path, problems)
    return value
