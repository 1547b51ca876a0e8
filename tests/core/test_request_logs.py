"""One JSON log line per request and per error, each carrying the request id, which also
goes back in the response and along with the tasks the request enqueues.

The lines are captured by a handler built like the production one (JsonFormatter and
RequestIdFilter on the root logger) and parsed as JSON; the worker's lines come from a
real `manage.py db_worker` printing with LOG_FORMAT=json.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cdp_portal.core.log_formats import JsonFormatter
from cdp_portal.core.request_id import RequestIdFilter, bound_request_id
from cdp_portal.core.tasks import traced_task
from tests.core.failing_urls import FAILURE_MESSAGE
from tests.core.test_healthz import _closed_port, _database_at
from tests.core.test_settings import PRODUCTION_ENV, ROOT, manage, setting_values
from tests.deploy.servers import database_url

UUID_HEX = re.compile(r"[0-9a-f]{32}")


class CapturedLog:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines() if line]

    def requests(self) -> list[dict]:
        return [line for line in self.lines() if line["logger"] == "cdp_portal.requests"]


@pytest.fixture
def json_log() -> Iterator[CapturedLog]:
    captured = CapturedLog()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)


@pytest.mark.django_db
def test_a_request_gives_one_json_line_without_its_query_string(client, user, json_log, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(user)
    response = client.get(
        "/communities/?q=x&key=secret-token-4711", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert response.status_code == 200
    (line,) = json_log.requests()
    assert line["request_id"] == response["X-Request-ID"]
    assert UUID_HEX.fullmatch(line["request_id"])
    assert {k: line[k] for k in ("method", "path", "status", "user_id", "remote_addr")} == {
        "method": "GET",
        "path": "/communities/",
        "status": 200,
        "user_id": user.pk,
        # As every rate limit sees the client: cdp_portal.core.client_ip.
        "remote_addr": "203.0.113.9",
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO"
    assert "secret-token-4711" not in json_log.text


@pytest.mark.django_db
def test_an_anonymous_request_is_logged_with_a_null_user(client, json_log):
    response = client.get("/")
    (line,) = json_log.requests()
    assert line["user_id"] is None
    assert line["remote_addr"] == "127.0.0.1"
    assert line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("proxy-7f3a_01.b", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("two words", False),
        ("abc\r\nX-Injected: 1", False),
        ("id;drop", False),
        ("", False),
    ],
)
def test_a_safe_incoming_request_id_is_kept_and_any_other_replaced(
    client, json_log, incoming, kept
):
    response = client.get("/", headers={"X-Request-ID": incoming})
    returned = response["X-Request-ID"]
    if kept:
        assert returned == incoming
    else:
        assert UUID_HEX.fullmatch(returned)
    assert json_log.requests()[0]["request_id"] == returned


@pytest.mark.django_db
@pytest.mark.urls("tests.core.failing_urls")
def test_an_error_is_one_line_with_its_traceback_and_every_line_has_the_request_id(json_log):
    client = Client(raise_request_exception=False)
    response = client.get("/failing-page/?token=secret-token-4711")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    lines = json_log.lines()
    assert lines and all(line["request_id"] == request_id for line in lines)
    assert [line["message"] for line in lines if line["logger"] == "tests.failing_view"] == [
        "about to fail"
    ]
    (error,) = [line for line in lines if "exception" in line]
    assert error["level"] == "ERROR"
    assert error["exception"]["type"] == "RuntimeError"
    assert error["exception"]["message"] == FAILURE_MESSAGE
    assert "in failing_view" in error["exception"]["traceback"]
    # Django hands the request object to the log record: only scalar extras are written.
    assert "request" not in error
    (access,) = json_log.requests()
    assert (access["status"], access["level"]) == (500, "WARNING")
    assert "secret-token-4711" not in json_log.text


@pytest.mark.django_db(transaction=True)
def test_the_database_down_503_is_logged_as_one_request_line(client, user, json_log):
    client.force_login(user)
    with _database_at(_closed_port()):
        response = client.get(reverse("forums:index"))
    assert response.status_code == 503
    (access,) = json_log.requests()
    assert access["status"] == 503
    assert access["path"] == reverse("forums:index")
    # The person could not be loaded: no second wait on the dead database for them.
    assert access["user_id"] is None
    assert access["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_a_malformed_input_400_is_logged_as_one_request_line(client, json_log):
    response = client.get("/communities/?q=%00")
    assert response.status_code == 400
    (access,) = json_log.requests()
    assert (access["status"], access["path"]) == (400, "/communities/")
    assert access["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_no_body_cookie_or_query_string_reaches_the_log(client, user, json_log):
    client.cookies["sessionid"] = "cookie-value-4711"
    client.post(
        reverse("account_login") + "?next=/x&token=query-token-4711",
        {"login": user.email, "password": "body-password-4711"},
    )
    client.get("/no-such-page/?reset=query-token-4712")
    assert len(json_log.requests()) == 2
    for marker in ("cookie-value", "query-token", "body-password"):
        assert marker not in json_log.text


# --- Tasks -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_task_carries_the_request_id_into_the_worker_log(client, user, settings, tmp_path):
    """A password reset stores its e-mail in the outbox and enqueues the send; a real
    worker runs it and every line it writes for that task carries the request's id."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    response = client.post(
        reverse("account_reset_password"),
        {"email": user.email},
        headers={"X-Request-ID": "reset-request-4711"},
    )
    assert response.status_code == 302
    from django_tasks_db.models import DBTaskResult

    (queued,) = DBTaskResult.objects.all()
    assert queued.args_kwargs["kwargs"] == {"request_id": "reset-request-4711"}

    lines = run_worker(tmp_path)
    for_task = [line for line in lines if str(queued.id) in line["message"]]
    assert [line["message"].rsplit("=", 1)[1] for line in for_task] == [
        "RUNNING",
        "SUCCESSFUL",
    ]
    assert all(line["request_id"] == "reset-request-4711" for line in for_task)
    assert [line["request_id"] for line in lines if "Starting worker" in line["message"]] == [None]
    assert len(list((tmp_path / "mail").iterdir())) == 1


def run_worker(tmp_path) -> list[dict]:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "PORTAL_TASKS_BACKEND": "database",
        "LOG_FORMAT": "json",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    environment.pop("EMAIL_URL", None)
    environment.pop("EMAIL_HOST", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--interval", "0"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


@traced_task()
def log_word(word: str) -> str:
    logging.getLogger("tests.task").info("task says %s", word)
    return word


@pytest.mark.django_db
def test_a_task_run_at_once_logs_under_the_enqueuing_request_id(json_log, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with bound_request_id("outer-4711"):
        result = log_word.enqueue("hello")
    assert result.return_value == "hello"
    (line,) = [line for line in json_log.lines() if line["logger"] == "tests.task"]
    assert line["request_id"] == "outer-4711"
    # Outside a request nothing is added, and the function is called as it was written.
    assert log_word.enqueue("again").return_value == "again"
    assert [line["request_id"] for line in json_log.lines() if line["logger"] == "tests.task"] == [
        "outer-4711",
        None,
    ]


# --- Settings ----------------------------------------------------------------------------


def test_logs_are_json_in_production_and_text_when_debugging():
    assert setting_values("LOG_FORMAT", **PRODUCTION_ENV) == ["'json'"]
    assert setting_values("LOG_FORMAT") == ["'text'"]


def test_an_unknown_log_format_is_refused_with_a_clear_message():
    result = manage("check", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT='xml': expected json or text" in result.stderr


def test_the_configured_handler_prints_json_lines_on_stdout():
    code = "import logging; logging.getLogger('portal.test').warning('marker-4711')"
    result = manage("shell", "--verbosity", "0", "-c", code, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(raw) for raw in result.stdout.splitlines() if "marker-4711" in raw]
    assert line["level"] == "WARNING" and line["logger"] == "portal.test"
    assert "marker-4711" not in result.stderr
