"""Error reports reach a Sentry server, for real: the test runs a small HTTP server on
loopback that receives Sentry envelopes, and the portal under gunicorn in a child process
with SENTRY_DSN pointing at it; a page fails and the event must arrive, tagged with the
request id and without cookies, body or query string."""

from __future__ import annotations

import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli
import pytest
from django.db import connection

from tests.core.failing_urls import FAILURE_MESSAGE
from tests.core.test_settings import ROOT, manage
from tests.deploy.servers import database_url

SECRETS = ("cookie-secret-4711", "body-secret-4711", "query-secret-4711")


class EnvelopeReceiver(BaseHTTPRequestHandler):
    """Stores the body of every POST (a Sentry envelope), decompressed."""

    received: list[bytes]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def sentry_server() -> Iterator[tuple[int, list[bytes]]]:
    received: list[bytes] = []
    handler = type("Receiver", (EnvelopeReceiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(port: int, env: dict[str, str], output: Path) -> Iterator[subprocess.Popen]:
    """The portal under gunicorn on 127.0.0.1:`port`, printing to the file `output`."""
    command = [sys.executable, "-m", "gunicorn", "cdp_portal.wsgi:application"]
    with output.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, output)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_port(port: int, process: subprocess.Popen, output: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(output.read_text())
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def post_failing_page(port: int) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/failing-page/?token=query-secret-4711",
        data=b"password=body-secret-4711",
        headers={
            "X-Request-ID": "sentry-request-4711",
            "Cookie": "sessionid=cookie-secret-4711",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["X-Request-ID"]
    except urllib.error.HTTPError as error:
        return error.code, error.headers["X-Request-ID"]


def events(envelopes: list[bytes]) -> list[dict]:
    """The event items of the envelopes: header line, then item header / payload pairs."""
    found = []
    for envelope in envelopes:
        lines = envelope.split(b"\n")[1:]
        for header, payload in zip(lines[::2], lines[1::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def wait_for_events(received: list[bytes], timeout: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := events(list(received)):
            return found
        time.sleep(0.2)
    return []


@pytest.mark.django_db
def test_a_failing_page_reaches_sentry_with_the_request_id_and_no_personal_data(tmp_path):
    with sentry_server() as (sentry_port, received):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.core.failing_settings",
            "DATABASE_URL": database_url(connection.settings_dict),
            "SENTRY_DSN": f"http://publickey@127.0.0.1:{sentry_port}/1",
            "SENTRY_ENVIRONMENT": "ci-test",
            "SENTRY_RELEASE": "cdp-portal@1.2.3",
            "LOG_FORMAT": "json",
        }
        port = free_port()
        with gunicorn(port, env, tmp_path / "gunicorn.log"):
            status, request_id = post_failing_page(port)
            found = wait_for_events(received)
    assert (status, request_id) == (500, "sentry-request-4711")
    (event,) = found
    assert event["tags"]["request_id"] == "sentry-request-4711"
    assert (event["environment"], event["release"]) == ("ci-test", "cdp-portal@1.2.3")
    (exception,) = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("RuntimeError", FAILURE_MESSAGE)
    raw = b"".join(received).decode(errors="replace")
    assert not [secret for secret in SECRETS if secret in raw]
    # The same request in the portal's own JSON log: the request line and the error line.
    logged = [
        json.loads(line)
        for line in (tmp_path / "gunicorn.log").read_text().splitlines()
        if "sentry-request-4711" in line
    ]
    assert {line["logger"] for line in logged} == {
        "cdp_portal.requests",
        "django.request",
        "tests.failing_view",
    }
    assert not [secret for secret in SECRETS if secret in json.dumps(logged)]


def test_sentry_is_off_without_a_dsn():
    code = "import sentry_sdk; print(sentry_sdk.is_initialized())"
    result = manage("shell", "--verbosity", "0", "-c", code, SENTRY_DSN="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"]
