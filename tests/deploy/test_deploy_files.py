"""The files of deploy/ agree with the settings and with each other, and the tools that
read them accept them (systemd-analyze for the units). tests/deploy/test_behind_nginx.py
runs nginx and gunicorn with them."""

import ast
import re
import runpy
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

from cdp_portal.core.config import environment_problems
from tests.deploy.servers import GUNICORN_CONF, ROOT, SITE_CONF

DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "portal.env.example"
UNITS = sorted((DEPLOY / "systemd").iterdir())
MIB = 1024 * 1024
# The rest of the new-resource form around the file: a Markdown text of up to 20,000
# characters (80 kB in UTF-8 at worst), title, summary, tags, multipart boundaries.
FORM_OVERHEAD = 1 * MIB
# Read by settings.py for development or tests only, not part of a production setup.
NOT_FOR_PRODUCTION = {"PORTAL_FAST_PASSWORD_HASHER", "EMAIL_FILE_PATH"}
SIZE_UNITS = {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}


def nginx_directives(name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;{{]*);", SITE_CONF.read_text(), re.MULTILINE)


def nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * SIZE_UNITS[unit.lower()]


def test_nginx_accepts_the_largest_upload_plus_the_rest_of_the_form():
    (limit,) = nginx_directives("client_max_body_size")
    assert settings.PORTAL_UPLOAD_MAX_BYTES == 20 * MIB  # the default, as documented
    assert nginx_size(limit) == settings.PORTAL_UPLOAD_MAX_BYTES + FORM_OVERHEAD


def test_nginx_retries_another_node_for_idempotent_requests_only():
    text = SITE_CONF.read_text()
    assert nginx_directives("proxy_next_upstream") == ["error timeout http_502 http_503"]
    # Without "non_idempotent", nginx never sends a POST a node already received again.
    assert "non_idempotent" not in re.sub(r"#.*", "", text)
    servers = nginx_directives("server")
    assert len(servers) == 2
    assert all("max_fails=" in server and "fail_timeout=" in server for server in servers)


def test_nginx_passes_the_client_and_the_scheme_and_protects_media():
    headers = nginx_directives("proxy_set_header")
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in headers
    assert "X-Forwarded-Proto $scheme" in headers
    assert "Host $host" in headers
    protected = re.search(r"location /protected-media/ \{(.*?)\}", SITE_CONF.read_text(), re.S)
    assert protected is not None
    assert "internal;" in protected.group(1)
    assert settings.PORTAL_PROTECTED_MEDIA_URL == "/protected-media/"


def gunicorn_settings(monkeypatch, **env) -> dict:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    conf = gunicorn_settings(
        monkeypatch, WEB_CONCURRENCY="3", GUNICORN_BIND="10.0.0.11:8000", GUNICORN_TIMEOUT="20"
    )
    assert conf["workers"] == 3
    assert conf["bind"] == ["10.0.0.11:8000"]
    assert conf["timeout"] == 20
    assert conf["graceful_timeout"] >= conf["timeout"]
    assert conf["max_requests"] > 0 and conf["max_requests_jitter"] > 0
    assert conf["accesslog"] is None
    assert conf["preload_app"] is False
    # nginx waits longer than a worker may take, so the worker's own answer arrives.
    (read_timeout,) = nginx_directives("proxy_read_timeout")
    assert int(read_timeout.rstrip("s")) > conf["timeout"]


def test_gunicorn_settings_import_nothing_of_the_portal():
    """With preload off the master must not hold the portal's modules either (nor Django's),
    or workers started after a HUP would inherit the old code: the standard library only."""
    tree = ast.parse(GUNICORN_CONF.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
    }
    assert imported <= set(sys.stdlib_module_names)


def test_a_reload_keeps_old_workers_no_longer_than_the_master_waits_for_them(monkeypatch):
    conf = gunicorn_settings(monkeypatch, GUNICORN_GRACEFUL_TIMEOUT="30")
    assert 0 < conf["reload_overlap"] < conf["graceful_timeout"]
    short = gunicorn_settings(
        monkeypatch, GUNICORN_GRACEFUL_TIMEOUT="8", GUNICORN_RELOAD_OVERLAP="25"
    )
    assert short["reload_overlap"] < short["graceful_timeout"]


def test_nginx_drops_idle_upstream_connections_before_a_worker_would():
    """A worker closing a kept-alive connection just as nginx sends a POST on it would cost
    the client a 502 (nginx never resends a POST)."""
    (idle,) = nginx_directives("keepalive_timeout")
    assert int(idle.rstrip("s")) < runpy.run_path(str(GUNICORN_CONF))["keepalive"]


def example_environment() -> tuple[dict[str, str], set[str]]:
    """The example's values, and every name it mentions (set or commented out)."""
    values, names = {}, set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.fullmatch(r"(# )?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            names.add(match.group(2))
            if not match.group(1):
                value = match.group(3)
                quoted = len(value) >= 2 and value[0] == value[-1] == "'"
                values[match.group(2)] = value[1:-1] if quoted else value
    return values, names


def test_the_example_environment_reads_the_same_in_sh_as_in_systemd():
    """systemd strips the single quotes of EnvironmentFile values, and so does `sh`, which
    the README's procedure uses to run manage.py with the same environment."""
    values, _ = example_environment()
    printed = subprocess.run(
        ["sh", "-c", f"set -a && . {ENV_EXAMPLE} && env -0"],
        env={},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    from_sh = dict(item.split("=", 1) for item in printed.split("\0") if "=" in item)
    assert {name: from_sh.get(name) for name in values} == values


def variables_read_by(path) -> set[str]:
    """Names passed to env(...), env.int(...)… or os.environ.get(...) in a Python file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = ast.unparse(node.func)
            if re.fullmatch(r"env(\.\w+)?|os\.environ\.get|_int", called):
                names.add(node.args[0].value)
    return names


def test_the_example_environment_names_every_production_variable():
    _, named = example_environment()
    read = variables_read_by(ROOT / "cdp_portal" / "settings.py") | variables_read_by(GUNICORN_CONF)
    assert read - NOT_FOR_PRODUCTION - named == set()


def test_the_example_environment_is_valid_once_the_secret_key_is_filled_in():
    values, _ = example_environment()
    assert environment_problems(values, production=True) == [
        "SECRET_KEY is missing: expected a random string of at least 50 characters, e.g. from "
        "`.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))'`"
    ]


@pytest.mark.skipif(
    not shutil.which("systemd-analyze"), reason="systemd-analyze not installed (apt: systemd)"
)
def test_systemd_accepts_the_units(tmp_path):
    """Rendered with this checkout's paths, since systemd-analyze also checks that the
    programs exist (.venv/bin/gunicorn, .venv/bin/python)."""
    for unit in UNITS:
        text = unit.read_text().replace("/srv/cdp-portal", str(ROOT))
        (tmp_path / unit.name).write_text(
            text.replace("/etc/cdp-portal/portal.env", str(ENV_EXAMPLE))
        )
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(f"./{unit.name}" for unit in UNITS)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    complaints = [line for line in result.stderr.splitlines() if "cdp-portal" in line]
    assert result.returncode == 0, result.stderr
    assert complaints == []


def test_the_units_reload_gracefully_and_do_not_restart_on_a_configuration_error():
    web = (DEPLOY / "systemd" / "cdp-portal-web.service").read_text()
    assert "ExecReload=/bin/kill -HUP $MAINPID" in web
    assert "KillSignal=SIGTERM" in web
    stop = int(re.search(r"TimeoutStopSec=(\d+)", web).group(1))
    assert stop > runpy.run_path(str(GUNICORN_CONF))["graceful_timeout"]
    assert "RestartPreventExitStatus=4" in web  # gunicorn: the application failed to load
    worker = (DEPLOY / "systemd" / "cdp-portal-worker@.service").read_text()
    assert "RestartPreventExitStatus=78" in worker  # manage.py: configuration error
    timer = (DEPLOY / "systemd" / "cdp-portal-mail.timer").read_text()
    assert "Unit=cdp-portal-mail.service" in timer


def test_the_digest_timers_run_the_command_for_each_frequency_in_the_portals_zone():
    from digests.periods import FREQUENCIES

    service = (DEPLOY / "systemd" / "cdp-portal-digests@.service").read_text()
    assert "manage.py send_digests --frequency %i" in service
    for frequency in FREQUENCIES:
        timer = (DEPLOY / "systemd" / f"cdp-portal-digests-{frequency}.timer").read_text()
        assert f"Unit=cdp-portal-digests@{frequency}.service" in timer
        assert "Persistent=true" in timer
        (calendar,) = re.findall(r"^OnCalendar=(.*)$", timer, re.MULTILINE)
        # The default TIME_ZONE: a run at 06:00 there always follows the period's end.
        assert calendar.endswith(" America/Montreal")
    weekly = (DEPLOY / "systemd" / "cdp-portal-digests-weekly.timer").read_text()
    assert "OnCalendar=Mon " in weekly
