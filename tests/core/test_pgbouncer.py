"""The portal behind a real pgbouncer in transaction pooling, started by the test on
loopback: the admin's CSV export (a server-side cursor, `.iterator()`) works with
DATABASE_DISABLE_SERVER_SIDE_CURSORS=1 and breaks without it.

In transaction pooling, pgbouncer gives each transaction whichever server connection is
free. The export declares its cursor in one transaction and fetches from it in the next:
under load the fetch lands on another server, where the cursor does not exist. The test
makes that happen every time rather than under load: three server connections are opened
first and pgbouncer hands them out in turn (server_round_robin).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.core.test_settings import ROOT
from tests.factories import CommunityFactory, SuperUserFactory, make_member

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
APPLICATION_NAME = "cdp-pgbouncer-test"
pytestmark = pytest.mark.skipif(
    not os.path.exists(PGBOUNCER), reason="pgbouncer is not installed (apt-get install pgbouncer)"
)


@dataclass
class Bouncer:
    port: int
    database: str

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    def spread_transactions(self) -> None:
        """Three server connections in the pool, so that consecutive transactions of one
        client go to different servers (round robin)."""
        dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname={self.database}"
        clients = [psycopg.connect(dsn) for _ in range(3)]
        for client in clients:
            client.execute("SELECT 1")  # each holds a transaction, so a server of its own
        for client in clients:
            client.close()


def write_config(folder: Path, port: int) -> Path:
    params = connection.settings_dict
    upstream = f"host={params['HOST'] or '127.0.0.1'} port={params['PORT'] or 5432}"
    (folder / "users.txt").write_text('"postgres" ""\n')
    config = folder / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = {upstream} application_name={APPLICATION_NAME}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\nserver_round_robin = 1\ndefault_pool_size = 5\n"
    )
    for path in (folder, config, folder / "users.txt"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return config


@pytest.fixture
def pgbouncer() -> Iterator[Bouncer]:
    folder = Path(tempfile.mkdtemp(prefix="cdp-pgbouncer-"))
    port = free_port()
    command = [PGBOUNCER, str(write_config(folder, port))]
    if os.geteuid() == 0:  # pgbouncer refuses to run as root
        command[1:1] = ["-u", "postgres" if _user_exists("postgres") else "nobody"]
    with (folder / "pgbouncer.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, folder / "pgbouncer.log")
        yield Bouncer(port=port, database=connection.settings_dict["NAME"])
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        wait_until_server_connections_closed()
        shutil.rmtree(folder, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"pgbouncer stopped: {log.read_text()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("pgbouncer did not start")


def wait_until_server_connections_closed(timeout: float = 10) -> None:
    """The test database is dropped at the end of the run: no pgbouncer session may be
    left on it."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                [APPLICATION_NAME],
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


def export_through(bouncer: Bouncer, admin_email: str, tmp_path: Path, **env: str) -> dict:
    bouncer.spread_transactions()
    result_file = tmp_path / "result.json"
    environment = {**os.environ, "DATABASE_URL": bouncer.url(), "LOG_LEVEL": "WARNING", **env}
    run = subprocess.run(
        [sys.executable, "-m", "tests.core.pgbouncer_export", admin_email, str(result_file)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(result_file.read_text())


@pytest.mark.django_db(transaction=True)
def test_the_admin_csv_export_works_through_pgbouncer_with_server_side_cursors_off(
    pgbouncer, tmp_path
):
    admin = SuperUserFactory(email="admin-pgbouncer@example.org")
    community = CommunityFactory()
    for _ in range(5):
        make_member(community)

    result = export_through(
        pgbouncer,
        admin.email,
        tmp_path,
        DATABASE_DISABLE_SERVER_SIDE_CURSORS="1",
        # The psycopg pool in front of pgbouncer, as in production.
        DATABASE_POOL="1",
    )
    assert result == {"status": 200, "rows": 5}

    broken = export_through(pgbouncer, admin.email, tmp_path, DATABASE_POOL="1")
    # Django wraps psycopg's InvalidCursorName as ProgrammingError, or not, depending on
    # where the fetch fails; either way the server-side cursor is gone.
    assert broken["error"] in ("ProgrammingError", "InvalidCursorName")
    assert "does not exist" in broken["message"]
