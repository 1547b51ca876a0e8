"""Restarts under load lose nothing: nginx (deploy/nginx/cdp-portal.conf) in front of two
gunicorn nodes (deploy/gunicorn.conf.py), signed-in members posting replies with the
form's one-time token while

- one node's master gets several SIGHUPs (a reload: new workers, new code), the other node
  drained so that every request meets the reloading one;
- deploy/rolling-restart.sh drains, restarts and puts back each node in turn.

Each load counts failed requests (a timeout, a connection error, any 5xx), acknowledged
posts missing from the database and posts written twice: all must be 0. The figures are
printed (`-s`) and recorded in README ("Zero-downtime restarts"). To measure other
setups: ZERO_DOWNTIME_WORKERS (per node, default 3), ZERO_DOWNTIME_CLIENTS (default 6),
ZERO_DOWNTIME_OVERLAP=0 (gunicorn's reload without the fix of deploy/gunicorn.conf.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from forums.models import Post, Topic
from forums.services import forums_ensure_defaults, topic_create
from tests.deploy import load, servers
from tests.deploy.test_behind_nginx import (
    Stack,
    collect_static,
    loopback_site,
    node_environment,
    sign_in,
)
from tests.factories import TEST_PASSWORD, CommunityFactory, UserFactory, make_member

pytestmark = [
    pytest.mark.skipif(
        not servers.nginx_binary(), reason="nginx not installed (.ci/run installs nginx-light)"
    ),
    pytest.mark.skipif(
        not shutil.which("redis-server"), reason="redis-server not installed (.ci/run installs it)"
    ),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("openssl", "curl", "ss")),
        reason="openssl, curl and ss (iproute2) are needed (.ci/run installs them)",
    ),
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("deploy"),
]

SCRIPT = servers.ROOT / "deploy" / "rolling-restart.sh"
CLIENTS = int(os.environ.get("ZERO_DOWNTIME_CLIENTS", 6))


@dataclass
class Cluster:
    stack: Stack
    nodes: list[str]  # host:port, in the upstream's order
    masters: list[servers.Server]
    script_env: dict[str, str]
    directory: Path

    def master_pid(self, node: str) -> int:
        return int(self.pid_file(node).read_text())

    def pid_file(self, node: str) -> Path:
        return self.directory / f"node-{node.rsplit(':', 1)[1]}.pid"

    def rolling_restart(self, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(SCRIPT), *arguments],
            env=self.script_env,
            cwd=servers.ROOT,
            capture_output=True,
            text=True,
            timeout=240,
        )


def restart_script(directory: Path) -> Path:
    """What `systemctl restart cdp-portal-web` does on a node: TERM (graceful stop), then
    start gunicorn again; it returns once the new master runs, not once it is ready."""
    script = directory / "restart-node"
    script.write_text(
        "#!/bin/bash\nset -eu\nnode=$1\n"
        f'pidfile="{directory}/node-${{node##*:}}.pid"\n'
        'kill -TERM "$(cat "$pidfile")"\nwhile [ -e "$pidfile" ]; do sleep 0.1; done\n'
        f'GUNICORN_BIND="$node" GUNICORN_CMD_ARGS="--pid $pidfile" setsid "{sys.executable}"'
        f' -m gunicorn -c "{servers.GUNICORN_CONF}" cdp_portal.wsgi'
        f' >>"{directory}/restarted-${{node##*:}}.log" 2>&1 </dev/null &\n'
        'while [ ! -s "$pidfile" ]; do sleep 0.1; done\n'
    )
    script.chmod(0o755)
    return script


def start_nodes(env: dict[str, str], tmp: Path) -> tuple[list[int], list[servers.Server]]:
    ports = [servers.free_port(), servers.free_port()]
    masters = []
    for number, port in enumerate(ports, start=1):
        node_env = {**env, "GUNICORN_CMD_ARGS": f"--pid {tmp / f'node-{port}.pid'}"}
        masters.append(servers.start_gunicorn(f"node{number}", port, node_env, tmp))
    for port, master in zip(ports, masters, strict=True):
        servers.wait_for_http(port, master)
    return ports, masters


def stop_restarted_nodes(tmp: Path) -> None:
    """The masters the restart script started are not this process's children."""
    for pid_file in tmp.glob("node-*.pid"):
        with contextlib.suppress(ValueError, ProcessLookupError):
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
    deadline = time.monotonic() + 30
    while any(tmp.glob("node-*.pid")) and time.monotonic() < deadline:
        time.sleep(0.2)


@pytest.fixture(scope="module")
def cluster(django_db_setup, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("zero-downtime")
    (tmp / "media").mkdir()
    started: list[servers.Server] = []
    try:
        redis, redis_port = servers.start_redis(tmp)
        started.append(redis)
        http_port, https_port = servers.free_port(), servers.free_port()
        env = node_environment(tmp, https_port, redis_port)
        # Several workers per node, as in production; no posting limit for the load.
        env.update(
            WEB_CONCURRENCY=os.environ.get("ZERO_DOWNTIME_WORKERS", "3"), PORTAL_POST_RATE_LIMIT="0"
        )
        if "ZERO_DOWNTIME_OVERLAP" in os.environ:  # 0: gunicorn's own reload, to compare
            env["GUNICORN_RELOAD_OVERLAP"] = os.environ["ZERO_DOWNTIME_OVERLAP"]
        collect_static(env)
        ports, masters = start_nodes(env, tmp)
        started.extend(masters)
        cert = servers.self_signed_certificate(tmp)
        site = loopback_site(http_port, https_port, ports, tmp, cert)
        started.append(servers.start_nginx(tmp, site, https_port))
        nginx = f"{servers.nginx_binary()} -p {tmp} -c {tmp / 'nginx.conf'} -e {tmp / 'stderr'}"
        script_env = {
            **env,
            "NGINX_SITE": str(tmp / "cdp-portal.conf"),
            "NGINX": nginx,
            "NGINX_PID_FILE": str(tmp / "nginx.pid"),
            "RESTART_COMMAND": f"{restart_script(tmp)} {{node}}",
            "HEALTH_HOST": "127.0.0.1",
        }
        stack = Stack(
            base=f"https://127.0.0.1:{https_port}",
            http_port=http_port,
            https_port=https_port,
            certificate=cert[0],
            static_root=tmp / "static",
            media_root=tmp / "media",
        )
        yield Cluster(stack, [f"127.0.0.1:{port}" for port in ports], masters, script_env, tmp)
    finally:
        stop_restarted_nodes(tmp)
        for server in reversed(started):
            server.stop()


def members_posting(cluster: Cluster, label: str) -> tuple[Topic, dict]:
    """A topic and CLIENTS signed-in browsers of members of its community."""
    community = CommunityFactory()
    forum = forums_ensure_defaults(community=community)[0]
    people = [
        make_member(community, user=UserFactory(email=f"{label}{n}@example.org"))
        for n in range(CLIENTS)
    ]
    topic = topic_create(
        forum=forum, author=people[0], title="Sous charge", body="On écrit.", notify=False
    )
    sessions = {}
    for number, person in enumerate(people):
        browser = cluster.stack.session(f"127.0.0.{20 + number}")
        assert sign_in(browser, cluster.stack, person.email, TEST_PASSWORD).status_code == 302
        sessions[f"{label}{number}"] = browser
    return topic, sessions


def assert_nothing_lost(figures: load.Figures, topic: Topic, what: str) -> dict[str, int]:
    written = list(
        Post.objects.filter(topic=topic, body__startswith="charge ").values_list("body", flat=True)
    )
    summary = figures.summary(written)
    print(f"\n{what}: {json.dumps(summary)}")
    assert figures.failures == [], figures.failures[:10]
    assert summary["lost_posts"] == 0
    assert summary["duplicated_posts"] == 0
    assert summary["posts_acknowledged"] > 20  # the load really ran
    return summary


def test_sighup_reloads_of_a_node_under_load_fail_no_request(cluster):
    topic, sessions = members_posting(cluster, "recharge")
    reloaded, other = cluster.nodes
    # Every request must meet the reloading node: nginx may not turn to the other.
    drained = cluster.rolling_restart("drain", other)
    assert drained.returncode == 0, drained.stderr

    def reload_three_times() -> None:
        for _ in range(3):
            os.kill(cluster.master_pid(reloaded), signal.SIGHUP)
            time.sleep(4)

    topic_url = f"{cluster.stack.base}/topics/{topic.pk}/"
    figures = load.run_load(sessions, topic_url, reload_three_times)
    back = cluster.rolling_restart("undrain", other)
    assert back.returncode == 0, back.stderr
    assert_nothing_lost(figures, topic, "SIGHUP x3 on one node")


def test_a_rolling_restart_under_load_fails_no_request(cluster):
    topic, sessions = members_posting(cluster, "roulement")
    before = [cluster.master_pid(node) for node in cluster.nodes]
    outcome: list[subprocess.CompletedProcess] = []

    figures = load.run_load(
        sessions,
        f"{cluster.stack.base}/topics/{topic.pk}/",
        lambda: outcome.append(cluster.rolling_restart()),
    )
    assert outcome[0].returncode == 0, outcome[0].stderr
    print(outcome[0].stderr)
    # Each node really restarted: a new master, and back in the upstream.
    after = [cluster.master_pid(node) for node in cluster.nodes]
    assert all(old != new for old, new in zip(before, after, strict=True))
    assert " down;" not in Path(cluster.script_env["NGINX_SITE"]).read_text()
    assert_nothing_lost(figures, topic, "rolling restart of 2 nodes")
