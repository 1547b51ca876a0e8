"""No function or method of the project is longer than 60 lines (issue 12): past that, a
function does several things that deserve names of their own. Migrations and data files
are generated or tabular, and not held to it."""

from __future__ import annotations

import ast
from pathlib import Path

MAX_FUNCTION_LINES = 60
ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "cdp_portal",
    "communities",
    "resources",
    "forums",
    "readiness",
    "digests",
    "tests",
    "bench",
    "scripts",
)
SKIPPED_DIRECTORIES = {".venv", "migrations", "var", "__pycache__"}


def project_files() -> list[Path]:
    files = sorted(ROOT.glob("*.py"))
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if not SKIPPED_DIRECTORIES & set(path.relative_to(ROOT).parts[:-1]):
                files.append(path)
    return files


def function_lengths(source: str) -> list[tuple[int, str, int]]:
    """Every function and method of a module (nested ones included) as (line, name,
    length), its length running from its `def` line to its last line: its decorators do
    not count."""
    return [
        (node.lineno, node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def test_the_walk_sees_the_apps_and_the_tests_but_no_migration():
    files = {path.relative_to(ROOT).as_posix() for path in project_files()}
    assert "forums/services.py" in files and "tests/core/test_code_shape.py" in files
    assert "manage.py" in files
    assert not any("/migrations/" in name or name.startswith(".venv/") for name in files)


def test_the_length_of_a_function_leaves_out_its_decorators():
    source = "@decorator\n@another(\n    1,\n)\ndef f():\n    return 1\n"
    assert function_lengths(source) == [(5, "f", 2)]


def test_no_function_is_longer_than_60_lines():
    too_long = [
        f"{path.relative_to(ROOT)}:{line} {name} ({length} lines)"
        for path in project_files()
        for line, name, length in function_lengths(path.read_text(encoding="utf-8"))
        if length > MAX_FUNCTION_LINES
    ]
    assert not too_long, (
        f"{len(too_long)} functions longer than {MAX_FUNCTION_LINES} lines "
        "(split them along what they do):\n" + "\n".join(too_long)
    )
