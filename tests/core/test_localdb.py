"""The database fallback chain of `make run` / `make test` (cdp_portal.localdb)."""

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from cdp_portal import localdb

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_localdb(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "cdp_portal.localdb", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_database_url_from_the_environment_wins():
    result = run_localdb(DATABASE_URL="postgres://someone@db.internal:5433/portal")
    assert result.returncode == 0
    assert result.stdout.strip() == "postgres://someone@db.internal:5433/portal"


@pytest.mark.skipif(
    localdb.find_server_bindir() is None, reason="PostgreSQL server programs not installed"
)
def test_private_cluster_is_created_started_and_reused_when_no_server_answers():
    workdir = Path(tempfile.mkdtemp(prefix="cdp-localdb-"))
    workdir.chmod(0o755)  # the cluster may run as `postgres` when we are root
    data_dir = workdir / "pgdata"
    env = {"PORTAL_PG_PROBE_PORT": str(free_port()), "PORTAL_PG_DATA_DIR": str(data_dir)}
    try:
        first = run_localdb(**env)
        assert first.returncode == 0, first.stderr
        url = first.stdout.strip()
        assert "no PostgreSQL server answers" in first.stderr
        assert "creating a private PostgreSQL cluster" in first.stderr
        assert (data_dir / "PG_VERSION").exists()
        with psycopg.connect(url) as connection:
            assert connection.execute("SELECT current_database()").fetchone() == ("cdp_portal",)
        second = run_localdb(**env)
        assert second.returncode == 0
        assert second.stdout.strip() == url
        assert "creating" not in second.stderr
    finally:
        run_localdb("--stop", **env)


def test_clear_error_when_postgresql_is_not_installed(monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("PORTAL_PG_PROBE_PORT", str(free_port()))
    monkeypatch.setattr(localdb, "find_server_bindir", lambda: None)
    assert localdb.main([]) == 1
    error = capsys.readouterr().err
    assert "apt-get install postgresql" in error
    assert "DATABASE_URL" in error
