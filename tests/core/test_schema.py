"""The declared schemas of the YAML data files (cdp_portal/core/schema.py)."""

from __future__ import annotations

import datetime

import pytest

from cdp_portal.core.schema import (
    Boolean,
    Choice,
    DataFileError,
    Date,
    Dict,
    Email,
    Integer,
    List,
    Mapping,
    Text,
    Unique,
    load,
    validate,
)

PERSON = Mapping(
    {
        "email": Email(required=True),
        "roles": List(Choice(["member", "animator"], noun="role"), single=True, default=["member"]),
        "hours": Integer(0, 40),
        "notes": List(Text(20)),
    },
    wrong_type="must be a mapping such as {email: …}",
)
TEAM = Mapping(
    {
        "slug": Text(10, required=True),
        "phase": Choice(["open", "closed"]),
        "active": Boolean(default=True),
        "people": List(PERSON, unique=Unique("{key} is already people[{index}]", field="email")),
    },
    label=lambda where, index, data: f"teams[{index}] ({data.get('slug')})",
)
FILE = Mapping({"teams": List(TEAM, required=True, unique=Unique("twice", field="slug"))})


def problems_of(schema, data, where="top") -> list[str]:
    return [str(problem) for problem in validate(schema, data, where=where)[1]]


def test_a_valid_file_is_cleaned_and_defaults_filled_in():
    value, problems = validate(
        FILE,
        {"teams": [{"slug": " a ", "people": [{"email": " A@Example.org", "roles": "animator"}]}]},
    )
    assert problems == []
    assert value == {
        "teams": [
            {
                "slug": "a",
                "active": True,
                "people": [{"email": "a@example.org", "roles": ["animator"]}],
            }
        ]
    }
    # A default is a fresh copy each time.
    person = validate(PERSON, {"email": "b@example.org"})[0]
    person["roles"].append("animator")
    assert validate(PERSON, {"email": "c@example.org"})[0]["roles"] == ["member"]


def test_every_problem_is_listed_with_its_entry_and_field_path():
    data = {
        "teams": [
            {"slug": "ok"},
            {
                "slug": "b",
                "colour": "red",
                "phase": "later",
                "active": "yes",
                "people": [
                    {"email": "nope", "roles": ["member", "boss"], "hours": 41},
                    "someone",
                    {"roles": [], "notes": ["x" * 21, 3]},
                ],
            },
        ]
    }
    assert problems_of(FILE, data) == [
        "teams[1] (b), field 'colour': unknown key (allowed: active, people, phase, slug)",
        "teams[1] (b), field 'phase': 'later' is not one of open | closed",
        "teams[1] (b), field 'active': must be true or false",
        "teams[1] (b), field 'people[0].email': 'nope' is not a valid e-mail address",
        # A problem in a list of plain values names the list.
        "teams[1] (b), field 'people[0].roles': unknown role 'boss' (allowed: member, animator)",
        "teams[1] (b), field 'people[0].hours': 41 is out of range (0 to 40)",
        "teams[1] (b), field 'people[1]': must be a mapping such as {email: …}",
        "teams[1] (b), field 'people[2].email': missing (required)",
        "teams[1] (b), field 'people[2].notes': is longer than 20 characters (21)",
        "teams[1] (b), field 'people[2].notes': must be text, not int",
    ]


def test_a_key_without_value_is_absent_but_a_list_without_value_is_empty():
    value, problems = validate(TEAM, {"slug": "a", "phase": None, "active": None, "people": None})
    assert problems == []
    assert value == {"slug": "a", "active": True, "people": []}
    assert problems_of(TEAM, {"slug": None}, where="team") == [
        "team, field 'slug': missing (required)"
    ]
    assert problems_of(TEAM, {"slug": "  "}, where="team") == [
        "team, field 'slug': must not be empty"
    ]


def test_the_file_itself_must_have_the_declared_type():
    assert problems_of(FILE, None) == ["top: must be a mapping"]
    assert problems_of(FILE, ["a"]) == ["top: must be a mapping"]
    assert problems_of(FILE, {}) == ["top, field 'teams': missing (required)"]


def test_unique_keys_in_a_list_and_in_the_whole_file():
    data = {
        "teams": [
            {"slug": "a", "people": [{"email": "x@example.org"}, {"email": "X@example.org "}]},
            {"slug": "a", "people": [{"email": "x@example.org"}]},
        ]
    }
    assert problems_of(FILE, data) == [
        "teams[0] (a), field 'people[1].email': x@example.org is already people[0]",
        "teams[1] (a), field 'slug': twice",
    ]
    everywhere = Unique("used elsewhere", per_file=True)
    nested = Mapping({"a": List(Text(), unique=everywhere), "b": List(Text(), unique=everywhere)})
    assert problems_of(nested, {"a": ["x", "y"], "b": ["y", "z"]}) == [
        "top, field 'b': used elsewhere"
    ]
    by_key = List(Text(), unique=Unique("'{item}' is '{first}'", key=str.lower))
    assert problems_of(by_key, ["Abc", "aBC"]) == ["top: 'aBC' is 'Abc'"]


def test_choices_asked_once_per_file():
    asked = []

    def allowed():
        asked.append(1)
        return {"a", "b"}

    schema = List(Choice(allowed, noun="letter", hint="see the alphabet"))
    assert problems_of(schema, ["a", "c", "b", "d"]) == [
        "top: unknown letter 'c' (see the alphabet)",
        "top: unknown letter 'd' (see the alphabet)",
    ]
    assert asked == [1]


def test_dates_texts_and_mappings_of_any_key():
    value, problems = validate(
        Mapping(
            {"on": Date(), "at": Date(), "folded": Text(fold=True), "units": Dict(Integer(0, 9))}
        ),
        {
            "on": datetime.date(2024, 9, 1),
            "at": datetime.datetime(2024, 9, 1, 10, 30),
            "folded": " a\n  b ",
            "units": {"x": 1, "y": 2},
        },
    )
    assert problems == []
    assert value["on"].tzinfo is not None and value["on"].hour == 0
    assert value["at"].tzinfo is not None and value["at"].hour == 10
    assert value["folded"] == "a b"
    assert value["units"] == {"x": 1, "y": 2}
    assert problems_of(Mapping({"on": Date(), "units": Dict(Integer(0, 9))}), {
        "on": "tomorrow", "units": {"x": "one"},
    }) == [
        "top, field 'on': must be a date such as 2024-09-01",
        "top, field 'units.x': must be a whole number from 0 to 9",
    ]  # fmt: skip


def test_load_names_the_file_in_every_problem(tmp_path):
    path = tmp_path / "teams.yaml"
    path.write_text("teams:\n  - {slug: a, size: 3}\n  - {slug: b, phase: later}\n", "utf-8")
    with pytest.raises(DataFileError) as caught:
        load(path, FILE, where="top")
    assert str(caught.value).splitlines() == [
        f"{path}: teams[0] (a), field 'size': unknown key (allowed: active, people, phase, slug)",
        f"{path}: teams[1] (b), field 'phase': 'later' is not one of open | closed",
    ]
    path.write_text("teams: [\n", "utf-8")
    with pytest.raises(DataFileError, match="cannot be read"):
        load(path, FILE)
    path.write_text("teams:\n  - {slug: a}\n", "utf-8")
    assert load(path, FILE) == {"teams": [{"slug": "a", "active": True}]}
