"""Find, or start, the PostgreSQL database used by `make run` and `make test`.

    python -m cdp_portal.localdb          # prints the DATABASE_URL to use
    python -m cdp_portal.localdb --stop   # stops the private cluster, if we started one

The chain, first match wins:
1. ``DATABASE_URL`` from the environment, used as it is.
2. A server answering on PORTAL_PG_PROBE_HOST:PORTAL_PG_PROBE_PORT (127.0.0.1:5432):
   ``postgres://postgres@127.0.0.1:5432/cdp_portal``; the database is created if missing.
3. PostgreSQL's server programs (``initdb``, ``pg_ctl``) on this machine: a private
   cluster in ``var/pgdata`` listening on a unix socket only, created once and reused.
4. Otherwise an explanation of how to install PostgreSQL, and exit status 1.

Messages go to stderr so that the URL alone lands on stdout.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
DATA_DIR = Path(os.environ.get("PORTAL_PG_DATA_DIR") or VAR_DIR / "pgdata").resolve()
LOG_FILE = DATA_DIR.parent / f"{DATA_DIR.name}.log"
DB_NAME = os.environ.get("PORTAL_DB_NAME", "cdp_portal")
PRIVATE_PORT = 5432  # only names the socket file: the private cluster listens on no TCP port

INSTALL_HELP = (
    "No PostgreSQL database is reachable and PostgreSQL's server programs (initdb, pg_ctl) "
    "are not installed, so the portal cannot start. Either install PostgreSQL (Debian/Ubuntu: "
    "`sudo apt-get install postgresql`; macOS: `brew install postgresql@15`) and run the "
    "command again, which then creates a private cluster under var/pgdata by itself, or point "
    "DATABASE_URL at an existing server, e.g. "
    "`export DATABASE_URL=postgres://user:password@host:5432/cdp_portal`."
)


class LocalDatabaseError(RuntimeError):
    pass


def say(message: str) -> None:
    print(f"[localdb] {message}", file=sys.stderr)


def server_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def find_server_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl: PATH first, then Debian's layout."""
    candidates = []
    if override := os.environ.get("PORTAL_PG_BINDIR"):
        candidates.append(Path(override))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    candidates += sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += [Path(p) for p in glob.glob("/usr/local/opt/postgresql*/bin")]
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    return None


def socket_dir() -> Path:
    """var/pgrun beside the data directory, unless too long for a unix socket path."""
    preferred = DATA_DIR.parent / "pgrun"
    if len(str(preferred / f".s.PGSQL.{PRIVATE_PORT}")) < 100:
        return preferred
    digest = hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"cdp-portal-{digest}"


def _server_user() -> str | None:
    """PostgreSQL refuses to run as root: when we are root, run it as `postgres`."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise LocalDatabaseError("Running as root and no 'postgres' user exists to own the cluster.")


def _run(command: list[str], user: str | None) -> subprocess.CompletedProcess:
    if user:
        command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _hand_over(path: Path, user: str | None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if user:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(0o700)


def ensure_private_cluster(bindir: Path) -> Path:
    """Create (once) and start (if stopped) the cluster in var/pgdata; return its socket dir."""
    user = _server_user()
    sockets = socket_dir()
    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    if not (DATA_DIR / "PG_VERSION").exists():
        say(f"creating a private PostgreSQL cluster in {DATA_DIR}")
        _hand_over(DATA_DIR, user)
        result = _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(DATA_DIR),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            user,
        )
        if result.returncode != 0:
            raise LocalDatabaseError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
    _hand_over(sockets, user)
    sockets.chmod(0o755)
    if _run([str(bindir / "pg_ctl"), "status", "-D", str(DATA_DIR)], user).returncode != 0:
        say(f"starting the private PostgreSQL cluster (socket in {sockets})")
        if not LOG_FILE.exists():
            LOG_FILE.touch()
        if user:
            entry = pwd.getpwnam(user)
            os.chown(LOG_FILE, entry.pw_uid, entry.pw_gid)
        options = f"-k {sockets} -p {PRIVATE_PORT} -c listen_addresses=''"
        result = _run(
            [
                str(bindir / "pg_ctl"),
                "start",
                "-w",
                "-D",
                str(DATA_DIR),
                "-l",
                str(LOG_FILE),
                "-o",
                options,
            ],
            user,
        )
        if result.returncode != 0:
            raise LocalDatabaseError(
                f"pg_ctl start failed (see {LOG_FILE}):\n{result.stdout}\n{result.stderr}"
            )
    return sockets


def ensure_database(**connect_kwargs) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(dbname="postgres", autocommit=True, **connect_kwargs) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]
        ).fetchone()
        if not exists:
            say(f"creating database {DB_NAME}")
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def resolve() -> str:
    if url := os.environ.get("DATABASE_URL"):
        return url
    host = os.environ.get("PORTAL_PG_PROBE_HOST", "127.0.0.1")
    port = int(os.environ.get("PORTAL_PG_PROBE_PORT", "5432"))
    if server_answers(host, port):
        ensure_database(host=host, port=port, user="postgres")
        return f"postgres://postgres@{host}:{port}/{DB_NAME}"
    say(f"no PostgreSQL server answers on {host}:{port}")
    bindir = find_server_bindir()
    if bindir is None:
        raise LocalDatabaseError(INSTALL_HELP)
    sockets = ensure_private_cluster(bindir)
    ensure_database(host=str(sockets), port=PRIVATE_PORT, user="postgres")
    # libpq's URI form for a unix socket: the directory travels as the `host` parameter.
    return f"postgres://postgres@/{DB_NAME}?host={quote(str(sockets))}&port={PRIVATE_PORT}"


def stop() -> None:
    bindir = find_server_bindir()
    if bindir and (DATA_DIR / "PG_VERSION").exists():
        result = _run(
            [str(bindir / "pg_ctl"), "stop", "-D", str(DATA_DIR), "-m", "fast"], _server_user()
        )
        say(result.stdout.strip() or result.stderr.strip())


def main(argv: list[str]) -> int:
    try:
        if "--stop" in argv:
            stop()
            return 0
        print(resolve())
        return 0
    except LocalDatabaseError as error:
        print(f"\n{error}\n", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
