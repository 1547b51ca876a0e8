"""A bounded load through nginx, as browsers would send it, to measure what a restart costs.

Each client is a signed-in member in a thread: it reads a topic page (which draws a new
one-time submission token for the reply form) and posts a reply with it, again and again.
A request that fails (connection error, timeout, any status other than the expected one)
is counted and, for a post, sent again with the same token, as a browser's "send again"
would: the portal's idempotency must turn such a retry into the post written the first
time. At the end the database says which acknowledged posts are missing (lost) and which
bodies were written twice (duplicated).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from tests.deploy import servers

# Longer than any page takes, even on a busy 2-core machine; a client waiting longer is
# a failed request (the person gives up, or a script times out and retries).
CLIENT_TIMEOUT = (3, 10)
# A post whose every attempt fails is given up (the person would leave the page).
POST_ATTEMPTS = 5
# How a kept-alive connection that the server closed before answering shows, in plain
# HTTP and under TLS.
CLOSED_BEFORE_ANSWERING = (
    "Remote end closed connection without response",
    "EOF occurred in violation of protocol",
    "Connection reset by peer",
)


@dataclass
class Figures:
    """What one load run saw; `failures` holds one line per failed request."""

    requests: int = 0
    posts_sent: int = 0
    failures: list[str] = field(default_factory=list)
    acknowledged: set[str] = field(default_factory=set)
    slowest: float = 0.0
    # Requests sent again because nginx closed the kept-alive connection they went out
    # on (a reload closes idle client connections): browsers resend those by themselves.
    resent_on_closed_connection: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, seconds: float, failure: str | None = None) -> None:
        with self.lock:
            self.requests += 1
            self.slowest = max(self.slowest, seconds)
            if failure:
                self.failures.append(failure)

    def summary(self, written: list[str]) -> dict[str, int]:
        """The figures the README records, against the bodies found in the database."""
        copies = Counter(written)
        return {
            "requests": self.requests,
            "posts_acknowledged": len(self.acknowledged),
            "failed_requests": len(self.failures),
            "resent_on_closed_connection": self.resent_on_closed_connection,
            "lost_posts": len(self.acknowledged - set(copies)),
            "duplicated_posts": sum(1 for number in copies.values() if number > 1),
            "unacknowledged_but_written": len(set(copies) - self.acknowledged),
            "slowest_ms": round(self.slowest * 1000),
        }


def _attempt(figures: Figures, send: Callable[[], requests.Response], expected: int):
    """One request; the response when it has the expected status, else None (counted)."""
    started = time.monotonic()
    try:
        response = _sent_as_a_browser_would(figures, send)
    except requests.RequestException as error:
        figures.count(time.monotonic() - started, f"{type(error).__name__}: {error}"[:300])
        return None
    seconds = time.monotonic() - started
    if response.status_code != expected:
        failure = f"{response.request.method} {response.url}: {response.status_code}"
        figures.count(seconds, failure)
        return None
    figures.count(seconds)
    return response


def _sent_as_a_browser_would(
    figures: Figures, send: Callable[[], requests.Response]
) -> requests.Response:
    """A request that met a kept-alive connection closed before any answer is sent once
    more on a new connection, as browsers do (RFC 9112, 9.3.1: nothing was answered; our
    posts carry their submission token, so a resend can never write twice)."""
    try:
        return send()
    except requests.ConnectionError as error:  # SSLError included
        if not any(sign in str(error) for sign in CLOSED_BEFORE_ANSWERING):
            raise
    with figures.lock:
        figures.resent_on_closed_connection += 1
    return send()


def _post_one_reply(session: requests.Session, url: str, body: str, figures: Figures) -> None:
    page = None
    while page is None:
        page = _attempt(figures, lambda: session.get(url, timeout=CLIENT_TIMEOUT), 200)
    data = {**servers.hidden_inputs(page.text), "body": body}
    assert data.get("submission_token"), "the reply form has no submission token"
    reply = f"{url}reply/"
    with figures.lock:
        figures.posts_sent += 1
    for _ in range(POST_ATTEMPTS):
        sent = _attempt(
            figures,
            lambda: session.post(reply, data=data, allow_redirects=False, timeout=CLIENT_TIMEOUT),
            302,
        )
        if sent is not None:
            with figures.lock:
                figures.acknowledged.add(body)
            return


def run_client(
    session: requests.Session, topic_url: str, name: str, figures: Figures, stop: threading.Event
) -> None:
    number = 0
    while not stop.is_set():
        number += 1
        _post_one_reply(session, topic_url, f"charge {name} n°{number}", figures)


def run_load(
    sessions: dict[str, requests.Session],
    topic_url: str,
    during: Callable[[], None],
    *,
    settle: float = 1.0,
) -> Figures:
    """Every session posts in its own thread while `during()` runs (the restarts), then
    `settle` seconds more; returns when every client has finished its last post."""
    figures, stop = Figures(), threading.Event()
    threads = [
        threading.Thread(
            target=run_client, args=(session, topic_url, name, figures, stop), daemon=True
        )
        for name, session in sessions.items()
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(settle)
        during()
        time.sleep(settle)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    return figures
