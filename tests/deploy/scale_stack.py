"""The scale-out stack of tests/deploy/test_scale_out.py, every part a real process on
loopback: nginx (the shipped site, rendered as tests/deploy/test_behind_nginx.py does) in
front of two gunicorn nodes, one `db_worker`, moto's S3 server, a Redis of its own on a
database number of its own, and an SMTP sink counting what it receives.

Besides the balancer's port, nginx gets one port per node: the same shipped `server`
block with its upstream reduced to that node, so a test chooses the node of each step
while still going through the very proxy configuration that production uses.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests import pg_clusters
from tests.core.smtp_server import SMTPServer
from tests.deploy import servers
from tests.deploy.test_behind_nginx import (
    SourceAddressAdapter,
    collect_static,
    loopback_site,
    node_environment,
)
from tests.s3_server import S3Server

REDIS_DATABASE = 5
POST_RATE_LIMIT = "3/10m"
PORTAL_DATABASE = "cdp"
# A node that found the standby down tries it again this soon (production: 10 s), so that
# the test sees reads go back to it without waiting.
REPLICA_RETRY_SECONDS = "1"


@dataclass
class Replication:
    """A private primary and its streaming standby (tests/pg_clusters.py), the portal's
    database migrated on the primary."""

    primary: pg_clusters.Cluster
    standby: pg_clusters.Cluster

    def environment(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.primary.url(PORTAL_DATABASE),
            "DATABASE_REPLICA_URL": self.standby.url(PORTAL_DATABASE),
            "DATABASE_REPLICA_RETRY_SECONDS": REPLICA_RETRY_SECONDS,
        }


@contextmanager
def replication(bindir: Path) -> Iterator[Replication]:
    """Primary, migrated, then its standby: the base backup carries the schema."""
    root = pg_clusters.new_root()
    try:
        primary = pg_clusters.start_primary(root, bindir)
        primary.query(f"CREATE DATABASE {PORTAL_DATABASE}")
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "--verbosity", "0"],
            cwd=servers.ROOT,
            env={**os.environ, "DATABASE_URL": primary.url(PORTAL_DATABASE)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        yield Replication(primary, pg_clusters.start_standby(primary, root))
    finally:
        pg_clusters.remove(root, bindir)


@contextmanager
def orm_on_cluster(connection, cluster: pg_clusters.Cluster) -> Iterator[None]:
    """The test process's ORM on `cluster`'s portal database while the stack runs: the
    tests create what the nodes read, and read back what the nodes wrote, on the primary
    the nodes use. The test database's settings are put back afterwards."""
    # A pool (not in tests: DEBUG) would keep its connections to the test database.
    assert "pool" not in connection.settings_dict["OPTIONS"]
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(
        HOST="127.0.0.1", PORT=cluster.port, NAME=PORTAL_DATABASE, USER="postgres", PASSWORD=""
    )
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


class MailSink(SMTPServer):
    """A real SMTP server that takes `delay` seconds to accept each message (after storing
    it), so that a worker can be killed in the middle of a batch of sends."""

    delay = 0.0

    def store(self, received) -> None:
        super().store(received)
        if self.delay:
            time.sleep(self.delay)

    def per_recipient(self, recipients: list[str]) -> Counter[str]:
        wanted = set(recipients)
        with self._lock:
            return Counter(
                address
                for message in self.received
                for address in message.recipients
                if address in wanted
            )


@dataclass
class ScaleStack:
    base: str  # the balancer, https://127.0.0.1:PORT
    pinned: list[str]  # the same nginx, one port per node
    certificate: Path
    env: dict[str, str]
    tmp: Path
    nodes: list[servers.Server]
    node_ports: list[int]
    mail: MailSink
    s3: S3Server
    bucket: str
    workers: list[servers.Server] = field(default_factory=list)

    def browser(self, source: str = "127.0.0.1") -> requests.Session:
        """A browser at loopback address `source`; its cookies hold for every port."""
        session = requests.Session()
        session.trust_env = False
        session.mount("https://", SourceAddressAdapter(source))
        session.verify = str(self.certificate)
        session.headers["Origin"] = self.base
        return session

    def start_worker(self) -> servers.Server:
        command = [sys.executable, "manage.py", "db_worker", "--interval", "0.2"]
        worker = servers.Server(f"worker{len(self.workers) + 1}", command, self.tmp, self.env)
        self.workers.append(worker)
        return worker

    def restart_node(self, number: int) -> None:
        port = self.node_ports[number]
        node = servers.start_gunicorn(f"node{number + 1}-again", port, self.env, self.tmp)
        self.nodes[number] = node
        servers.wait_for_http(port, node)

    def manage(self, *args: str, **extra_env: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=servers.ROOT,
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout


def kill_hard(server: servers.Server) -> None:
    """SIGKILL a process and its children at once, as a machine that dies would: the
    gunicorn master and its workers, none of them given a chance to finish."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children")
    child_pids = [int(p) for p in children.read_text().split()] if children.exists() else []
    os.kill(pid, signal.SIGKILL)
    for child in child_pids:
        with suppress(ProcessLookupError):  # a worker that was already exiting
            os.kill(child, signal.SIGKILL)
    server.process.wait(timeout=10)


def pinned_site(site: str, https_port: int, pinned: list[tuple[int, int]]) -> str:
    """`site` plus, for each (port, node port), a copy of its HTTPS server block that
    listens on `port` and proxies only to that node."""
    listen = f"    listen 127.0.0.1:{https_port} ssl http2;"
    start = site.index("server {\n" + listen)
    block = site[start:]
    assert "proxy_pass http://cdp_portal;" in block
    extra = []
    for number, (port, node_port) in enumerate(pinned, start=1):
        extra.append(f"upstream cdp_node{number} {{ server 127.0.0.1:{node_port}; }}\n")
        extra.append(
            block.replace(listen, f"    listen 127.0.0.1:{port} ssl;").replace(
                "proxy_pass http://cdp_portal;", f"proxy_pass http://cdp_node{number};"
            )
        )
    return site + "\n" + "\n".join(extra)


def scale_environment(tmp: Path, https_port: int, redis_port: int, mail_port: int) -> dict:
    """deploy/portal.env.example as a node of the scale-out stack fills it."""
    env = node_environment(tmp, https_port, redis_port)
    env.pop("EMAIL_FILE_PATH")
    env.update(
        {
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/{REDIS_DATABASE}",
            "PORTAL_TASKS_BACKEND": "database",
            "PORTAL_POST_RATE_LIMIT": POST_RATE_LIMIT,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(mail_port),
            "EMAIL_TIMEOUT": "5",
            "WEB_CONCURRENCY": "2",
            "PYTHONPATH": str(servers.ROOT),
        }
    )
    return env


@contextmanager
def scale_stack(tmp: Path, databases: dict[str, str] | None = None) -> Iterator[ScaleStack]:
    """The whole stack; `databases` replaces the nodes' and worker's DATABASE_URL (and adds
    DATABASE_REPLICA_URL) when the test gives them a primary and a standby of its own,
    otherwise they share the test database."""
    started: list = []
    mail = MailSink().start()
    try:
        s3 = S3Server(tmp / "s3.log")
        s3.start()
        started.append(s3)
        redis, redis_port = servers.start_redis(tmp)
        started.append(redis)
        ports = [servers.free_port() for _ in range(6)]
        http_port, https_port, node_ports, pinned = ports[0], ports[1], ports[2:4], ports[4:]
        env = scale_environment(tmp, https_port, redis_port, mail.port)
        env.update(s3.environment(s3.create_bucket()))
        env.update(databases or {})
        collect_static(env)
        nodes = [
            servers.start_gunicorn(f"node{n}", port, env, tmp)
            for n, port in enumerate(node_ports, start=1)
        ]
        stack = ScaleStack(
            base=f"https://127.0.0.1:{https_port}",
            pinned=[f"https://127.0.0.1:{port}" for port in pinned],
            certificate=tmp / "cert.pem",
            env=env,
            tmp=tmp,
            nodes=nodes,
            node_ports=node_ports,
            mail=mail,
            s3=s3,
            bucket=env["S3_BUCKET"],
        )
        started.append(stack)
        for port, node in zip(node_ports, nodes, strict=True):
            servers.wait_for_http(port, node)
        cert = servers.self_signed_certificate(tmp)
        site = loopback_site(http_port, https_port, node_ports, tmp, cert)
        site = pinned_site(site, https_port, list(zip(pinned, node_ports, strict=True)))
        started.append(servers.start_nginx(tmp, site, https_port))
        stack.start_worker()
        yield stack
    finally:
        for part in reversed(started):
            _stop(part)
        mail.stop()


def _stop(part) -> None:
    if isinstance(part, ScaleStack):
        for server in [*part.workers, *part.nodes]:
            server.stop()
    else:
        part.stop()
