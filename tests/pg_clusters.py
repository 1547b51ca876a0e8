"""Private PostgreSQL clusters on loopback for tests: a primary and its streaming standby.

The primary is made by `initdb` in a temporary directory and listens on a free port of
127.0.0.1; the standby is a `pg_basebackup -R` of it on another free port, streaming
from it as the `replicator` role. Servers are stopped through `pg_ctl` (which signals the
postmaster whose PID is in its data directory), never by name. As root they run as the
`postgres` user, since PostgreSQL refuses root (the same rule as cdp_portal.localdb).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from cdp_portal.localdb import _hand_over, _run, _server_user, find_server_bindir

REPLICATION_ROLE = "replicator"
# The environment variable through which a child process receives the pair (`describe`).
PAIR_VARIABLE = "CDP_TEST_REPLICA_PAIR"
# Durability is not what these clusters test: without fsync a cluster starts in about
# a second and a migration does not wait for the disk. (Commits stay synchronous: an
# asynchronous commit returns before its WAL is written, so before a standby can have it.)
SPEED_OVER_SAFETY = "-c fsync=off"


class ClusterError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def replication_tools() -> Path | None:
    """The directory of initdb, pg_ctl and pg_basebackup, or None when not installed."""
    bindir = find_server_bindir()
    if bindir is None or not (bindir / "pg_basebackup").exists():
        return None
    return bindir


@dataclass
class Cluster:
    bindir: Path
    data_dir: Path
    port: int
    os_user: str | None

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        result = _run([str(self.bindir / "pg_ctl"), *args, "-D", str(self.data_dir)], self.os_user)
        if result.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise ClusterError(f"pg_ctl {args[0]}: {result.stdout}{result.stderr}\n{log}")

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-k {self.data_dir.parent} {SPEED_OVER_SAFETY}"
        )
        self._pg_ctl("start", "-w", "-t", "30", "-l", str(self.log_file), "-o", options)

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            self._pg_ctl("stop", "-w", "-m", mode)

    def running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=5)

    def query(self, sql: str, params: tuple = (), database: str = "postgres") -> list[tuple]:
        with self.connect(database) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


def _initdb(bindir: Path, data_dir: Path, os_user: str | None) -> None:
    _hand_over(data_dir, os_user)
    result = _run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "--auth=trust",  # its pg_hba.conf also lets loopback replication connections in
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
        os_user,
    )
    if result.returncode != 0:
        raise ClusterError(f"initdb: {result.stdout}{result.stderr}")
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write("\nwal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n")


def start_primary(root: Path, bindir: Path) -> Cluster:
    os_user = _server_user()
    primary = Cluster(bindir, root / "primary", free_port(), os_user)
    _initdb(bindir, primary.data_dir, os_user)
    primary.start()
    primary.query(f"CREATE ROLE {REPLICATION_ROLE} WITH REPLICATION LOGIN")
    return primary


def start_standby(primary: Cluster, root: Path) -> Cluster:
    standby = Cluster(primary.bindir, root / "standby", free_port(), primary.os_user)
    _hand_over(standby.data_dir, standby.os_user)
    result = _run(
        [
            str(primary.bindir / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", REPLICATION_ROLE),
            *("-D", str(standby.data_dir), "-R", "--checkpoint=fast", "--wal-method=stream"),
            "--no-sync",
        ],
        primary.os_user,
    )
    if result.returncode != 0:
        raise ClusterError(f"pg_basebackup: {result.stdout}{result.stderr}")
    standby.start()
    wait_until_streaming(standby)
    return standby


def wait_until_streaming(standby: Cluster, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = standby.query("SELECT status FROM pg_stat_wal_receiver")
        if rows and rows[0][0] == "streaming":
            return
        time.sleep(0.1)
    raise ClusterError(f"the standby on port {standby.port} is not streaming")


# A loaded CI machine (two test workers, Chromium, PostgreSQL's own fsyncs) was once seen
# taking more than 10 s to replay a few kilobytes; replay that never comes still fails.
REPLAY_TIMEOUT_SECONDS = 30.0


def wait_until_replayed(
    primary: Cluster, standby: Cluster, timeout: float = REPLAY_TIMEOUT_SECONDS
) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    target = primary.query("SELECT pg_current_wal_insert_lsn()::text")[0][0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if standby.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))[0][0]:
            return
        time.sleep(0.05)
    raise ClusterError(f"the standby has not replayed up to {target} in {timeout} s")


def new_root() -> Path:
    """A temporary directory the server's user may enter (pytest's are private to root)."""
    root = Path(tempfile.mkdtemp(prefix="cdp-pg-"))
    _hand_over(root, _server_user())
    return root


def remove(root: Path, bindir: Path) -> None:
    """Stop every server started under `root` (even one whose start half failed), then
    delete it all."""
    for data_dir in sorted(root.glob("*/postmaster.pid")):
        cluster = Cluster(bindir, data_dir.parent, 0, _server_user())
        with contextlib.suppress(ClusterError):
            cluster.stop("immediate")
    shutil.rmtree(root, ignore_errors=True)


def describe(root: Path, primary: Cluster, standby: Cluster) -> str:
    """The pair as JSON, for a child process that pauses or stops the standby itself."""
    return json.dumps(
        {
            "root": str(root),
            "bindir": str(primary.bindir),
            "os_user": primary.os_user,
            "primary": [str(primary.data_dir), primary.port],
            "standby": [str(standby.data_dir), standby.port],
        }
    )


def described(text: str) -> tuple[Cluster, Cluster]:
    pair = json.loads(text)
    bindir, os_user = Path(pair["bindir"]), pair["os_user"]
    primary, standby = (
        Cluster(bindir, Path(pair[name][0]), pair[name][1], os_user)
        for name in ("primary", "standby")
    )
    return primary, standby
