"""Real servers for the deployment tests, on loopback and free ports: nginx with the shipped
site rendered for the test, gunicorn nodes started with deploy/gunicorn.conf.py, a Redis of
their own. Each is stopped by its PID (never by name) when the test ends."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
SITE_CONF = ROOT / "deploy" / "nginx" / "cdp-portal.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return next((path for path in NGINX_CANDIDATES if os.access(path, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s:\n{log.read_text()[-3000:]}")


class Server:
    """One process started by a test, its output in a log file, stopped by its PID."""

    def __init__(self, name: str, command: list[str], directory: Path, env=None) -> None:
        self.name = name
        self.log = directory / f"{name}.log"
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=ROOT
            )

    def stop(self, sig: int = signal.SIGTERM, seconds: float = 15) -> None:
        if self.process.poll() is not None:
            return
        os.kill(self.process.pid, sig)
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and localhost), valid for a day."""
    certificate, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return certificate, key


def render_site(replacements: Mapping[str, str]) -> str:
    """The shipped site with each example value replaced; an example value that is no
    longer in the file fails the test rather than leaving the real one in place."""
    text = SITE_CONF.read_text()
    for example, value in replacements.items():
        if example not in text:
            raise AssertionError(f"{example!r} is no longer in {SITE_CONF.name}")
        text = text.replace(example, value)
    return text


def nginx_main_conf(prefix: Path, site: Path) -> str:
    """The http block nginx.conf gives a site on Debian, with every path in `prefix`."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers read the test's temp dirs
    temp = {kind: prefix / kind for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    return (
        f"{user}worker_processes 1;\ndaemon off;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} info;\nevents {{ worker_connections 256; }}\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log {prefix / 'access.log'};\n"
        f"    client_body_temp_path {temp['client_body']};\n"
        f"    proxy_temp_path {temp['proxy']};\n    fastcgi_temp_path {temp['fastcgi']};\n"
        f"    uwsgi_temp_path {temp['uwsgi']};\n    scgi_temp_path {temp['scgi']};\n"
        f"    include {site};\n"
        "}\n"
    )


def start_nginx(prefix: Path, site_text: str, port: int) -> Server:
    site = prefix / "cdp-portal.conf"
    site.write_text(site_text)
    main = prefix / "nginx.conf"
    main.write_text(nginx_main_conf(prefix, site))
    command = [nginx_binary(), "-p", str(prefix), "-c", str(main), "-e", str(prefix / "stderr")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    server = Server("nginx", command, prefix)
    wait_for_port(port, server.process, prefix / "error.log")
    return server


def database_url(settings_dict: Mapping) -> str:
    """The URL of the database the test process uses (the test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = settings_dict.get("HOST") or ""
    port = settings_dict.get("PORT") or ""
    name = settings_dict["NAME"]
    if host.startswith("/"):
        return f"postgres://{credentials}@/{name}?host={quote(host, safe='')}&port={port or 5432}"
    return f"postgres://{credentials}@{host}:{port or 5432}/{name}"


def start_gunicorn(name: str, port: int, env: Mapping[str, str], directory: Path) -> Server:
    """A node started as deploy/systemd/cdp-portal-web.service does; see `wait_for_http`."""
    environment = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "cdp_portal.wsgi",
    ]  # fmt: skip
    return Server(name, command, directory, env=environment)


def wait_for_http(port: int, server: Server, seconds: float = 90) -> None:
    """Until a worker answers (any status: Django is loaded), not merely the master."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited:\n{server.log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                connection.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if connection.recv(12).startswith(b"HTTP/"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} not answering after {seconds} s")


def start_redis(directory: Path) -> tuple[Server, int]:
    port = free_port()
    command = [
        shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", str(directory),
    ]  # fmt: skip
    server = Server("redis", command, directory)
    wait_for_port(port, server.process, server.log)
    return server, port


def hidden_inputs(html: str) -> dict[str, str]:
    """The hidden fields of a page's forms (CSRF token, one-time submission token)."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]*)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name:
                fields[name.group(1)] = value.group(1) if value else ""
    return fields
