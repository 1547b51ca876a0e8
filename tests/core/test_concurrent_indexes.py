"""Indexes on the large tables are built concurrently (README, "Migrations during a rolling
deploy"): a plain CREATE INDEX locks the table against writes for as long as it takes
(minutes on half a million posts), while the nodes still running keep writing to it.

Every migration of the portal's apps is read as Django loads it. An index added to a
table that already exists and may be large must come from
`django.contrib.postgres.operations.AddIndexConcurrently` in a migration with
`atomic = False` (PostgreSQL refuses CREATE INDEX CONCURRENTLY in a transaction); a raw
`CREATE INDEX` must say CONCURRENTLY; a field added with an index (`db_index`, `unique`,
every ForeignKey) builds one the plain way. An index on a table created in the same
migration is free (the table is empty). The migrations written before this rule are
listed in GRANDFATHERED.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation
from django.db.models import CASCADE, BigAutoField, ForeignKey, Index

ROOT = Path(__file__).resolve().parents[2]
# The tables that grow with the institution (members, posts, resources, notifications…).
LARGE_MODELS = {
    "accounts": {"user"},
    "outbox": {"outgoingemail"},
    "communities": {"membership", "profile"},
    "resources": {"resource", "resourcerevision", "bookmark", "searchterm"},
    "forums": {
        "topic", "post", "postrevision", "topicreadstate", "watch", "notification",
        "moderationlog",
    },
}  # fmt: skip
# Written before the rule: their indexes were built while the tables were small.
GRANDFATHERED = {
    ("forums", "0003_topic_title_trgm"),
    ("forums", "0006_topic_resource"),
    ("forums", "0009_post_submission_token"),
    ("forums", "0010_moderation_log_resources"),
    ("resources", "0004_resource_submission_token"),
}
CREATE_INDEX = re.compile(r"\bCREATE\s+(?:UNIQUE\s+)?INDEX\b(?!\s+CONCURRENTLY)", re.I)


def _large_tables() -> dict[str, tuple[str, str]]:
    return {
        apps.get_model(label, name)._meta.db_table: (label, name)
        for label, names in LARGE_MODELS.items()
        for name in names
    }


def _database_operations(operations: list[Operation]) -> list[Operation]:
    """Operations as run on the database (SeparateDatabaseAndState opened)."""
    flat = []
    for operation in operations:
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            flat.extend(_database_operations(operation.database_operations))
        else:
            flat.append(operation)
    return flat


def _problem(operation: Operation, app: str, atomic: bool, created: set[str]) -> str | None:
    large = LARGE_MODELS.get(app, set()) - created
    model = getattr(operation, "model_name_lower", None)
    if isinstance(operation, AddIndexConcurrently):
        return (
            "AddIndexConcurrently in an atomic migration (set atomic = False)" if atomic else None
        )
    if isinstance(operation, migrations.AddIndex) and model in large:
        return f"AddIndex on {model}: use AddIndexConcurrently"
    if isinstance(operation, migrations.AddConstraint) and model in large:
        return f"AddConstraint on {model} builds its index in place: index concurrently first"
    if isinstance(operation, migrations.AddField) and model in large:
        field = operation.field
        if field.db_index or field.unique:
            return f"AddField {model}.{operation.name} with an index: db_index=False, then index"
    if isinstance(operation, migrations.RunSQL):
        statements = operation.sql if isinstance(operation.sql, list | tuple) else [operation.sql]
        sql = " ".join(map(str, statements))
        tables = [table for table in _large_tables() if re.search(rf"\b{table}\b", sql)]
        if tables and CREATE_INDEX.search(sql):
            return f"CREATE INDEX without CONCURRENTLY on {', '.join(tables)}"
    return None


def index_problems(app: str, migration: migrations.Migration) -> list[str]:
    operations = _database_operations(migration.operations)
    created = {op.name_lower for op in operations if isinstance(op, migrations.CreateModel)}
    found = (_problem(op, app, migration.atomic, created) for op in operations)
    return [f"{app}.{migration.name}: {problem}" for problem in found if problem]


def portal_migrations() -> dict[tuple[str, str], migrations.Migration]:
    """The migrations of the portal's own apps (not Django's nor third parties')."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = {
        config.label
        for config in apps.get_app_configs()
        if config.path.startswith(str(ROOT)) and ".venv" not in config.path
    }
    return {key: value for key, value in loader.disk_migrations.items() if key[0] in ours}


def test_every_new_index_on_a_large_table_is_built_concurrently():
    problems = [
        problem
        for key, migration in sorted(portal_migrations().items())
        if key not in GRANDFATHERED
        for problem in index_problems(key[0], migration)
    ]
    assert problems == []


def test_the_grandfathered_migrations_exist_and_still_need_the_exception():
    known = portal_migrations()
    for key in GRANDFATHERED:
        assert key in known, f"{key} is listed but no longer exists"
        assert index_problems(key[0], known[key]), f"{key} no longer needs the exception"


def _migration(*operations: Operation, atomic: bool = True) -> migrations.Migration:
    built = migrations.Migration("0999_new", "forums")
    built.operations = list(operations)
    built.atomic = atomic
    return built


POST_INDEX = Index(fields=["created_at"], name="forums_post_created_idx")


@pytest.mark.parametrize(
    ("migration", "refused"),
    [
        (_migration(migrations.AddIndex("post", POST_INDEX)), "use AddIndexConcurrently"),
        (_migration(AddIndexConcurrently("post", POST_INDEX)), "atomic = False"),
        (
            _migration(migrations.RunSQL("CREATE INDEX x ON forums_post (created_at)")),
            "without CONCURRENTLY on forums_post",
        ),
        (
            _migration(
                migrations.AddField(
                    "notification", "extra", ForeignKey("forums.Forum", CASCADE, null=True)
                )
            ),
            "AddField notification.extra with an index",
        ),
        (_migration(AddIndexConcurrently("post", POST_INDEX), atomic=False), None),
        (
            _migration(
                migrations.RunSQL("CREATE INDEX CONCURRENTLY x ON forums_post (created_at)"),
                atomic=False,
            ),
            None,
        ),
        # A small table, or one created by the same migration, may be indexed plainly.
        (_migration(migrations.AddIndex("forum", Index(fields=["name"], name="f_idx"))), None),
        (
            _migration(
                migrations.CreateModel("Post", [("id", BigAutoField(primary_key=True))]),
                migrations.AddIndex("post", POST_INDEX),
            ),
            None,
        ),
    ],
    ids=[
        "add-index",
        "atomic",
        "raw-sql",
        "foreign-key",
        "concurrent",
        "raw-concurrent",
        "small-table",
        "new-table",
    ],
)
def test_the_rule_tells_a_blocking_index_from_a_concurrent_one(migration, refused):
    problems = index_problems("forums", migration)
    if refused is None:
        assert problems == []
    else:
        assert len(problems) == 1 and refused in problems[0], problems
