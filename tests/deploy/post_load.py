"""A bounded posting load through the balancer, by clients that behave as browsers: each
post is the topic page read for its form, then the form sent; an error or a refused
connection is answered by sending the same form again (same submission token), as a
person pressing "send" again would. Every answer is counted."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from tests.deploy import servers

RETRIES = 8


@dataclass
class LoadFigures:
    requests: int = 0
    failures: int = 0  # 5xx answers and connection errors, as the client saw them
    acknowledged: list[str] = field(default_factory=list)  # bodies answered with 302
    refused: list[str] = field(default_factory=list)  # bodies never acknowledged
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = field(default_factory=time.monotonic)

    def count(self, failed: bool) -> None:
        with self.lock:
            self.requests += 1
            self.failures += failed

    def summary(self, lost: int, duplicated: int) -> str:
        rate = 100 * self.failures / max(self.requests, 1)
        seconds = time.monotonic() - self.started
        return (
            f"requests {self.requests} in {seconds:.0f} s, "
            f"failures {self.failures} ({rate:.2f} %), "
            f"acknowledged posts {len(self.acknowledged)}, lost {lost}, "
            f"duplicated {duplicated}"
        )


def _attempt(figures: LoadFigures, call: Callable[[], requests.Response]):
    try:
        response = call()
    except requests.RequestException:
        figures.count(failed=True)
        return None
    figures.count(failed=response.status_code >= 500)
    return response if response.status_code < 500 else None


def _form(session: requests.Session, url: str, figures: LoadFigures) -> dict[str, str] | None:
    for _ in range(RETRIES):
        page = _attempt(figures, lambda: session.get(url, timeout=20))
        if page is not None and page.status_code == 200:
            return servers.hidden_inputs(page.text)
        time.sleep(0.2)
    return None


def post_reply(
    session: requests.Session, base: str, topic_pk: int, body: str, figures: LoadFigures
) -> None:
    """Read the topic's reply form, send it until acknowledged (the same form each time)."""
    form = _form(session, f"{base}/topics/{topic_pk}/", figures)
    if form is None:
        figures.refused.append(body)
        return
    data = {**form, "body": body}
    for _ in range(RETRIES):
        answer = _attempt(
            figures,
            lambda: session.post(
                f"{base}/topics/{topic_pk}/reply/", data=data, allow_redirects=False, timeout=40
            ),
        )
        if answer is not None and answer.status_code == 302:
            with figures.lock:
                figures.acknowledged.append(body)
            return
        if answer is not None:  # a 4xx: sending again would not change it
            break
        time.sleep(0.2)
    figures.refused.append(body)


def run_load(
    writers: list[tuple[str, requests.Session]],
    base: str,
    topic_pk: int,
    posts_each: int,
    threads: int,
    figures: LoadFigures,
) -> list[threading.Thread]:
    """Start `threads` clients sharing `writers` (name, signed-in session); each writer
    sends `posts_each` replies. Returns the started threads."""

    def client(mine: list[tuple[str, requests.Session]]) -> None:
        for name, session in mine:
            for number in range(posts_each):
                post_reply(session, base, topic_pk, f"Charge {name} n°{number}", figures)

    started = []
    for index in range(threads):
        thread = threading.Thread(target=client, args=(writers[index::threads],), daemon=True)
        thread.start()
        started.append(thread)
    return started


def run_reads(
    readers: list[requests.Session], urls: list[str], figures: LoadFigures, done: threading.Event
) -> list[threading.Thread]:
    """One client per signed-in session in `readers`, reading `urls` in turn (pages that
    read the replica) until `done` is set. Returns the started threads."""

    def client(session: requests.Session) -> None:
        while not done.is_set():
            for url in urls:
                _attempt(figures, lambda url=url: session.get(url, timeout=20))

    started = []
    for session in readers:
        thread = threading.Thread(target=client, args=(session,), daemon=True)
        thread.start()
        started.append(thread)
    return started
