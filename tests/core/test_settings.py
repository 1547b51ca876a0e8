"""The settings module read from the environment, as production and `make run` use it.

Each test runs manage.py in a child process, because settings are read once at start-up.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "a-long-production-secret-key-" + "x" * 40 + "-with-entropy-1234567890",
    "ALLOWED_HOSTS": "cdp.univ.example",
    "DATABASE_URL": "postgres://portal@127.0.0.1:5432/cdp_portal",
    "EMAIL_URL": "smtp://mail.univ.example:25",
    "PORTAL_BASE_URL": "https://cdp.univ.example",
    # Several processes (gunicorn's workers) share the cache: check --deploy asks for it.
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


CONFIGURED_BY_TESTS = (
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "EMAIL_HOST",
    "DJANGO_DEBUG",
    "PORTAL_BASE_URL",
    "REDIS_URL",
    "WEB_CONCURRENCY",
    "PORTAL_TASKS_BACKEND",
)


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in CONFIGURED_BY_TESTS}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_warns_when_e_mail_would_only_be_written_to_files():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_URL"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "cdp_portal.W001" in result.stderr


def setting_values(*names, **env):
    code = "from django.conf import settings; " + "; ".join(
        f"print(repr(settings.{name}))" for name in names
    )
    result = manage("shell", "--verbosity", "0", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


def test_smtp_settings_are_an_alternative_to_email_url():
    values = setting_values(
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_USE_TLS",
        EMAIL_HOST="smtp.univ.example",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="cdp",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_USE_TLS="1",
    )
    assert values == [
        "'django.core.mail.backends.smtp.EmailBackend'",
        "'smtp.univ.example'",
        "587",
        "'cdp'",
        "True",
    ]
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **{k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_URL"},
        EMAIL_HOST="smtp.univ.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_email_url_sets_the_smtp_backend():
    values = setting_values(
        "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", EMAIL_URL="smtp+tls://cdp:pw@mx.example:587"
    )
    assert values == ["'django.core.mail.backends.smtp.EmailBackend'", "'mx.example'", "587"]


def test_without_mail_settings_e_mail_goes_to_files():
    assert setting_values("EMAIL_BACKEND") == ["'cdp_portal.core.mail.OneFilePerMessageBackend'"]


def test_an_unknown_tasks_backend_is_refused_with_a_clear_message():
    result = manage("check", PORTAL_TASKS_BACKEND="celery")
    assert result.returncode != 0
    assert "PORTAL_TASKS_BACKEND='celery': expected one of immediate, database" in result.stderr


def test_django_log_lines_are_printed_once():
    result = manage(
        "shell", "-c", "import logging; logging.getLogger('django').warning('marker-1234')"
    )
    assert result.returncode == 0, result.stderr
    # Logs go to standard output (see test_request_logs.py for their format).
    assert result.stdout.count("marker-1234") == 1


def test_production_asks_staff_for_two_factor_authentication_and_the_demo_does_not():
    assert setting_values("PORTAL_STAFF_MFA_REQUIRED", **PRODUCTION_ENV) == ["True"]
    assert setting_values("PORTAL_STAFF_MFA_REQUIRED") == ["False"]
