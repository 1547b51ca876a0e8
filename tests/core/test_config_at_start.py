"""The environment is checked once at start (cdp_portal/core/config.py): every problem in
one message, printed by manage.py and by the WSGI entry point without a traceback; and
`check --deploy` warns about what is valid but wrong for a production site."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from cdp_portal import checks
from cdp_portal.core import config
from cdp_portal.core.config import EXIT_CONFIG, environment_problems
from tests.core.test_settings import PRODUCTION_ENV, manage

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = PRODUCTION_ENV["SECRET_KEY"]
# Read by the check, so never inherited from the environment the tests run in.
CHECKED = (*config.BOOLEANS, *config.INTEGERS, *config.FLOATS, "SECRET_KEY", "ALLOWED_HOSTS")

BROKEN_PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "short",
    "DATABASE_URL": "mysql://portal:hunter2@db/cdp",
    "PORTAL_BASE_URL": "cdp.univ.example",
    "PORTAL_POST_RATE_LIMIT": "ten per minute",
    "PORTAL_UPLOAD_MAX_BYTES": "-5",
    "DATABASE_POOL_MAX": "many",
    "PORTAL_TASKS_BACKEND": "celery",
    "LOGIN_RATE_LIMIT": "5 per 5m",
}


def test_every_problem_is_listed_in_one_message_without_a_traceback():
    result = manage("check", **BROKEN_PRODUCTION)
    assert result.returncode == EXIT_CONFIG
    assert "Traceback" not in result.stderr
    named = re.findall(r"^  - ([A-Z_]+)", result.stderr, re.MULTILINE)
    assert named == [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_POOL_MAX",
        "PORTAL_UPLOAD_MAX_BYTES",
        "DATABASE_URL",
        "PORTAL_BASE_URL",
        "PORTAL_POST_RATE_LIMIT",
        "LOGIN_RATE_LIMIT",
        "PORTAL_TASKS_BACKEND",
    ]
    assert "9 configuration problem(s)" in result.stderr
    assert "ALLOWED_HOSTS is missing: expected the site's host names" in result.stderr
    assert "PORTAL_UPLOAD_MAX_BYTES='-5': expected a whole number >= 1" in result.stderr
    # A secret is never echoed, not even a malformed one.
    assert "hunter2" not in result.stderr
    assert "DATABASE_URL (value hidden): expected postgres://" in result.stderr


def test_gunicorn_stops_with_the_message_instead_of_restarting_workers():
    env = {k: v for k, v in os.environ.items() if k not in CHECKED}
    env.update(BROKEN_PRODUCTION, GUNICORN_BIND="127.0.0.1:0", WEB_CONCURRENCY="1")
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "cdp_portal.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 4  # gunicorn's "App failed to load."
    assert "App failed to load" in result.stderr
    assert "PORTAL_TASKS_BACKEND='celery': expected one of immediate, database" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_complete_production_environment_has_no_problem():
    assert environment_problems(PRODUCTION_ENV, production=True) == []


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        ("SECRET_KEY", "SECRET_KEY is missing"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS is missing"),
        ("DATABASE_URL", "DATABASE_URL is missing"),
        ("PORTAL_BASE_URL", "PORTAL_BASE_URL is missing"),
    ],
)
def test_production_needs_what_has_a_development_default(variable, expected):
    environment = {k: v for k, v in PRODUCTION_ENV.items() if k != variable}
    problems = environment_problems(environment, production=True)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected)
    # The development site runs on its defaults.
    assert environment_problems({}, production=False) == []


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SECRET_KEY", config.DEV_SECRET_KEY, "a production key, not the development one"),
        ("SECRET_KEY", "django-insecure-" + "x" * 50, "a production key"),
        ("SECRET_KEY", "a" * 60, "a longer key"),
        ("ALLOWED_HOSTS", "https://cdp.univ.example", "host names without scheme"),
        ("DATABASE_URL", "postgres://portal@db:port/cdp", "(value hidden): expected postgres://"),
        ("DATABASE_URL", "postgres://portal@db:5432/", "a PostgreSQL URL with a database name"),
        ("PORTAL_BASE_URL", "ftp://cdp.univ.example", "http(s)://HOST[:PORT]"),
        ("PORTAL_BASE_URL", "https://cdp.univ.example/?x=1", "http(s)://HOST[:PORT]"),
        ("PORTAL_UPLOAD_MAX_BYTES", "20MB", "a whole number >= 1"),
        ("PORTAL_UPLOAD_MAX_BYTES", "0", "a whole number >= 1"),
        ("TRUSTED_PROXY_COUNT", "one", "a whole number >= 0"),
        ("DATABASE_POOL_TIMEOUT", "soon", "a number > 0"),
        ("DJANGO_DEBUG", "nope", "a boolean"),
        ("PORTAL_DOWNLOADS_VIA_PROXY", "sure", "a boolean"),
        ("REDIS_URL", "http://127.0.0.1:6379", "redis://HOST:6379/0"),
        ("EMAIL_URL", "mail.univ.example:25", "smtp://"),
        ("CSRF_TRUSTED_ORIGINS", "cdp.univ.example", "https://HOST[:PORT]"),
        ("LOG_LEVEL", "verbose", "one of DEBUG, INFO"),
        ("TIME_ZONE", "Mars/Olympus", "an IANA time zone"),
        ("LOGIN_ACCOUNT_RATE_LIMIT", "20/5 minutes/key", "allauth rates"),
        ("WEB_CONCURRENCY", "0", "a whole number >= 1"),
    ],
)
def test_a_malformed_value_says_what_is_expected(variable, value, expected):
    environment = {**PRODUCTION_ENV, variable: value}
    problems = environment_problems(environment, production=True)
    assert len(problems) == 1, problems
    assert problems[0].startswith(variable)
    assert expected in problems[0]
    if variable in config.SECRETS:
        assert value not in problems[0]


@pytest.mark.parametrize("value", ["10/10m", "5 / 1h", "3/d", "0", "", "off", "none"])
def test_the_posting_limit_accepts_what_the_forums_accept(value):
    from forums.ratelimit import parse_rate

    assert environment_problems({"PORTAL_POST_RATE_LIMIT": value}, production=False) == []
    parse_rate(value)  # does not raise


def test_the_check_knows_every_typed_variable_settings_reads():
    """A new env.int/env.bool/env.float in settings.py must be added to the check, or a
    malformed value would end in a traceback again."""
    tree = ast.parse((ROOT / "cdp_portal" / "settings.py").read_text())
    typed = {"int": set(), "bool": set(), "float": set()}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "env"
            and node.func.attr in typed
        ):
            typed[node.func.attr].add(node.args[0].value)
    assert typed["int"] <= set(config.INTEGERS)
    assert typed["bool"] <= set(config.BOOLEANS)
    assert typed["float"] <= set(config.FLOATS)
    assert set(django_settings.TASK_BACKENDS) == set(config.TASKS_BACKEND_CHOICES)


# --- check --deploy ----------------------------------------------------------------------


def warning_ids(results) -> list[str]:
    return [message.id for message in results]


@pytest.mark.parametrize(
    ("base_url", "warned"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8080", True),
        ("https://cdp.univ.example", False),
        ("http://cdp.univ.example:8000", False),
    ],
)
def test_check_deploy_warns_when_e_mail_links_would_point_to_this_machine(
    settings, base_url, warned
):
    settings.PORTAL_BASE_URL = base_url
    assert warning_ids(checks.base_url_is_public(None)) == (["cdp_portal.W002"] if warned else [])


@pytest.mark.parametrize(
    ("redis_url", "web_concurrency", "tasks_backend", "warned"),
    [
        ("", None, "immediate", True),  # gunicorn.conf.py's default: 2 per core + 1
        ("", 3, "immediate", True),
        ("", 1, "database", True),  # the web process and a db_worker
        ("", 1, "immediate", False),  # one process: its own cache is the only one
        ("redis://127.0.0.1:6379/0", None, "database", False),
    ],
)
def test_check_deploy_warns_when_several_processes_would_run_without_redis(
    settings, redis_url, web_concurrency, tasks_backend, warned
):
    settings.REDIS_URL = redis_url
    settings.WEB_CONCURRENCY = web_concurrency
    settings.PORTAL_TASKS_BACKEND = tasks_backend
    results = checks.several_processes_share_redis(None)
    assert warning_ids(results) == (["cdp_portal.W003"] if warned else [])


def test_check_deploy_reports_both_from_the_environment():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "REDIS_URL"}
    env["PORTAL_BASE_URL"] = "http://localhost"
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "cdp_portal.W002" in result.stderr
    assert "cdp_portal.W003" in result.stderr


def test_make_run_sets_the_base_url_from_the_port_unless_given():
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    line = next(
        line for line in dry_run.stdout.splitlines() if line.startswith("export PORTAL_BASE_URL")
    )
    command = line.rstrip("\\ ").rstrip("; ") + '; echo "$PORTAL_BASE_URL"'

    def base_url(**env):
        environment = {k: v for k, v in os.environ.items() if k != "PORTAL_BASE_URL"}
        result = subprocess.run(
            ["bash", "-c", command], env={**environment, **env}, capture_output=True, text=True
        )
        return result.stdout.strip()

    assert base_url() == "http://127.0.0.1:8123"
    assert base_url(PORTAL_BASE_URL="https://cdp.univ.example") == "https://cdp.univ.example"
