"""Scale-out on real parts (issue 13): nginx with the shipped site in front of two gunicorn
nodes in production mode, one `db_worker` (PORTAL_TASKS_BACKEND=database), uploads in a
bucket of a real S3-compatible server, a Redis of their own on a database number of its
own, e-mail to an SMTP sink, and a private PostgreSQL primary with its streaming standby
(DATABASE_REPLICA_URL); every step checked through nginx, each on the node it names
(tests/deploy/scale_stack.py). The failover figures are printed (`pytest -s`), recorded as
test properties, and kept in bench/README.md ("Scale-out and failover").

One stack for the module (about 25 s to start, the two PostgreSQL clusters included),
about 100 s in all on a quiet 2-core machine.
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
import requests
from django.db import connection
from django_tasks_db.models import DBTaskResult

from cdp_portal.core.replica import STICKY_COOKIE
from forums import services as forum_services
from forums.models import Post
from resources.models import Resource
from tests import pg_clusters
from tests.deploy import post_load, scale_stack, servers
from tests.deploy.scale_stack import Replication, ScaleStack, kill_hard, orm_on_cluster
from tests.factories import TEST_PASSWORD, CommunityFactory, UserFactory, make_member
from tests.forums.factories import general_forum, make_topic

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not servers.nginx_binary(), reason="nginx not installed (.ci/run installs nginx-light)"
    ),
    pytest.mark.skipif(
        not shutil.which("redis-server"), reason="redis-server not installed (.ci/run installs it)"
    ),
    pytest.mark.skipif(not shutil.which("openssl"), reason="openssl not installed"),
    # The nodes and the worker read what the tests write: it must be committed.
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("deploy"),
]

FACET_COUNT = re.compile(r'library-facet__count">\((\d+)\)')


@pytest.fixture(scope="module")
def replication(django_db_setup) -> Iterator[Replication | None]:
    """A private primary, migrated, and its streaming standby (tests/pg_clusters.py) for
    the nodes and the worker; the test process's ORM uses that primary too. Without
    PostgreSQL's server programs everything shares the test database and the replica
    scenario is skipped."""
    bindir = pg_clusters.replication_tools()
    if bindir is None:
        yield None
        return
    with scale_stack.replication(bindir) as pair, orm_on_cluster(connection, pair.primary):
        yield pair


@pytest.fixture(scope="module")
def stack(replication: Replication | None, tmp_path_factory) -> Iterator[ScaleStack]:
    databases = replication.environment() if replication else {}
    with scale_stack.scale_stack(tmp_path_factory.mktemp("scale"), databases) as started:
        yield started


def wait_until_the_queue_is_idle(seconds: float = 60) -> None:
    """Each test ends by emptying the database (transactional tests): a task still
    running then would find its row gone and stop the worker."""
    deadline = time.monotonic() + seconds
    queue = DBTaskResult.objects
    while queue.ready().exists() or queue.running().exists():
        assert time.monotonic() < deadline, "the worker did not finish its tasks"
        time.sleep(0.2)
    time.sleep(0.3)  # the worker's last save after its task's own transaction


@pytest.fixture(autouse=True)
def idle_worker(stack: ScaleStack, transactional_db):
    # Asking for transactional_db sets the database up first, so it is emptied only after
    # this fixture's end has waited for the worker.
    if stack.workers[-1].process.poll() is not None:
        pytest.fail(f"the worker stopped:\n{stack.workers[-1].log.read_text()[-3000:]}")
    yield
    wait_until_the_queue_is_idle()


@pytest.fixture
def topic():
    community = CommunityFactory(visibility="open")
    animator = make_member(community, roles=("animator",))
    return make_topic(general_forum(community), animator, title="Passer à l'échelle")


def sign_in(session: requests.Session, base: str, email: str) -> None:
    page = session.get(f"{base}/accounts/login/", timeout=20)
    assert page.status_code == 200, page.text[:500]
    data = {**servers.hidden_inputs(page.text), "login": email, "password": TEST_PASSWORD}
    answer = session.post(f"{base}/accounts/login/", data=data, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:2000]


def reply(session: requests.Session, base: str, topic_pk: int, body: str) -> requests.Response:
    page = session.get(f"{base}/topics/{topic_pk}/", timeout=20)
    assert page.status_code == 200, page.text[:500]
    data = {**servers.hidden_inputs(page.text), "body": body}
    return session.post(f"{base}/topics/{topic_pk}/reply/", data=data, allow_redirects=False)


def member_of(topic, email: str | None = None):
    user = UserFactory(email=email) if email else None
    return make_member(topic.forum.community, user=user)


def share_file(session: requests.Session, base: str, title: str, content: bytes):
    page = session.get(f"{base}/resources/new/", timeout=20)
    assert page.status_code == 200, page.text[:500]
    data = {
        **servers.hidden_inputs(page.text),
        "title": title,
        "summary": "Le rapport.",
        "kind": "document",
        "language": "fr",
        "community": "",
        "tags": "rapport",
        "body": "Le rapport de l'année.",
        "url": "",
    }
    files = {"upload": ("rapport.pdf", content, "application/pdf")}
    answer = session.post(f"{base}/resources/new/", data=data, files=files, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:2000]
    return Resource.objects.get(title=title)


def record(record_property, name: str, figures: str) -> None:
    record_property(name, figures)
    print(f"\n[scale-out] {name}: {figures}")


def test_a_person_signed_in_on_one_node_continues_on_the_other(stack: ScaleStack, topic):
    member = member_of(topic)
    browser = stack.browser()
    sign_in(browser, stack.pinned[0], member.email)
    # The session and the form's CSRF token, both made by node 1, are honoured by node 2.
    answer = reply(browser, stack.pinned[1], topic.pk, "Écrit sur le second nœud.")
    assert answer.status_code == 302, answer.text[:2000]
    assert Post.objects.filter(author=member, body="Écrit sur le second nœud.").exists()
    assert browser.get(f"{stack.pinned[0]}/accounts/email/").status_code == 200


def test_the_posting_limit_holds_across_nodes(stack: ScaleStack, topic):
    member = member_of(topic)
    browser = stack.browser()
    sign_in(browser, stack.base, member.email)
    allowed = int(stack.env["PORTAL_POST_RATE_LIMIT"].split("/")[0])
    statuses = [
        reply(browser, stack.pinned[number % 2], topic.pk, f"Message {number}").status_code
        for number in range(allowed + 2)
    ]
    assert statuses == [302] * allowed + [429, 429]
    assert Post.objects.filter(author=member).count() == allowed


def test_library_facets_follow_a_write_made_on_the_other_node(stack: ScaleStack, topic):
    member = member_of(topic)
    browser = stack.browser()
    sign_in(browser, stack.base, member.email)
    word = f"zircon{secrets.token_hex(4)}"
    search = f"{stack.pinned[1]}/resources/?q={word}"
    # Node 2 counts (and caches) the facets of a search that finds nothing yet.
    assert FACET_COUNT.findall(browser.get(search).text) == []
    share_file(browser, stack.pinned[0], f"Bilan {word}", b"%PDF-1.4\n" + b"x" * 1000)
    counts = FACET_COUNT.findall(browser.get(search).text)
    assert counts and set(counts) == {"1"}, counts


def test_a_file_uploaded_on_one_node_downloads_from_the_other(stack: ScaleStack, topic):
    member = member_of(topic)
    browser = stack.browser()
    sign_in(browser, stack.base, member.email)
    content = b"%PDF-1.4\n" + secrets.token_bytes(300_000)
    resource = share_file(browser, stack.pinned[0], "Rapport partagé", content)
    stored = stack.s3.client().get_object(Bucket=stack.bucket, Key=resource.file.name)
    assert stored["Body"].read() == content
    download = browser.get(f"{stack.pinned[1]}/resources/{resource.pk}/download/")
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def wait_for_mail(stack: ScaleStack, recipients: list[str], seconds: float) -> Counter[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        received = stack.mail.per_recipient(recipients)
        if all(received[address] for address in recipients):
            return received
        time.sleep(0.2)
    return stack.mail.per_recipient(recipients)


def watchers(topic, count: int) -> list[str]:
    emails = [f"veille-{uuid.uuid4().hex[:10]}@example.org" for _ in range(count)]
    for email in emails:
        forum_services.watch_set(user=member_of(topic, email), watching=True, topic=topic)
    return [*emails, topic.author.email]


def test_one_email_per_notification(stack: ScaleStack, topic):
    recipients = watchers(topic, 3)
    author = member_of(topic)
    browser = stack.browser()
    sign_in(browser, stack.base, author.email)
    assert reply(browser, stack.base, topic.pk, "Une réponse à suivre.").status_code == 302
    wait_for_mail(stack, recipients, 60)
    time.sleep(1)  # room for a second copy, if the worker were to send one
    received = stack.mail.per_recipient(recipients)
    assert received == Counter(dict.fromkeys(recipients, 1)), (received, recipients)


def test_a_worker_killed_while_sending_loses_no_email(stack: ScaleStack, topic, record_property):
    recipients = watchers(topic, 30)
    author = member_of(topic)
    browser = stack.browser()
    sign_in(browser, stack.base, author.email)
    stack.mail.delay = 0.15  # each message takes a moment: the kill lands mid-batch
    try:
        assert reply(browser, stack.base, topic.pk, "Une réponse très suivie.").status_code == 302
        deadline = time.monotonic() + 30
        while sum(stack.mail.per_recipient(recipients).values()) < 5:
            assert time.monotonic() < deadline, "the worker sent nothing"
            time.sleep(0.05)
        kill_hard(stack.workers[-1])
        before_recovery = sum(stack.mail.per_recipient(recipients).values())
        stack.start_worker()
        # What the every-minute timer (cdp-portal-mail.timer) does, with its timeouts
        # shortened: claims and tasks of the dead worker are released, then sent.
        time.sleep(2.5)
        stack.manage(
            "send_queued_mail", PORTAL_EMAIL_SENDING_TIMEOUT="2", PORTAL_TASK_STUCK_TIMEOUT="2"
        )
        received = wait_for_mail(stack, recipients, 30)
    finally:
        stack.mail.delay = 0.0
    time.sleep(1)
    received = stack.mail.per_recipient(recipients)
    lost = sum(1 for address in recipients if not received[address])
    duplicated = sum(count - 1 for count in received.values() if count > 1)
    figures = (
        f"messages {len(recipients)}, sent before the kill {before_recovery}, "
        f"lost {lost}, duplicated {duplicated}"
    )
    record(record_property, "worker kill", figures)
    assert lost == 0, figures
    # At most the message the SMTP server had accepted when the worker died.
    assert duplicated <= 1, figures


def signed_in_writers(stack: ScaleStack, topic, count: int) -> list[tuple[str, requests.Session]]:
    writers = []
    for number in range(count):
        member = member_of(topic)
        # One loopback address each: allauth limits sign-ins per client address.
        browser = stack.browser(f"127.0.{10 + number // 200}.{1 + number % 200}")
        sign_in(browser, stack.base, member.email)
        writers.append((f"w{number}", browser))
    return writers


def test_a_node_killed_during_load_loses_no_acknowledged_post(
    stack: ScaleStack, topic, record_property
):
    posts_each = int(stack.env["PORTAL_POST_RATE_LIMIT"].split("/")[0])
    # Each failure is a post in flight on the node when it died (nginx never sends a
    # POST again), so at most one per client: 3 clients, about 380 requests.
    writers = signed_in_writers(stack, topic, 64)
    planned = len(writers) * posts_each
    figures = post_load.LoadFigures()
    threads = post_load.run_load(writers, stack.base, topic.pk, posts_each, 3, figures)
    deadline = time.monotonic() + 60
    while len(figures.acknowledged) < planned // 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    kill_hard(stack.nodes[1])
    for thread in threads:
        thread.join(timeout=90)
    bodies = Counter(
        Post.objects.filter(topic=topic, body__startswith="Charge ").values_list("body", flat=True)
    )
    lost = sum(1 for body in figures.acknowledged if not bodies[body])
    duplicated = sum(count - 1 for count in bodies.values())
    record(record_property, "node kill", figures.summary(lost, duplicated))
    stack.restart_node(1)
    assert not figures.refused, figures.refused
    assert len(figures.acknowledged) == planned
    assert lost == 0 and duplicated == 0
    assert figures.failures < figures.requests / 100, figures.summary(lost, duplicated)


def wait_for_acknowledged(figures: post_load.LoadFigures, count: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while len(figures.acknowledged) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def replica_connections(standby: pg_clusters.Cluster) -> int:
    """The nodes' connections to the portal's database on the standby (not this query's)."""
    database = scale_stack.PORTAL_DATABASE
    rows = standby.query("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,))
    return rows[0][0]


def wait_for_replica_reads(standby: pg_clusters.Cluster, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if replica_connections(standby):
            return True
        time.sleep(0.2)
    return False


def readers_of(sessions: list[requests.Session]) -> list[requests.Session]:
    # Signing in wrote (the session, the last sign-in): drop the read-your-writes cookie,
    # so that these browsers read from the replica at once, as they would a minute later.
    for session in sessions:
        session.cookies.set(STICKY_COOKIE, None)
    return sessions


def test_pages_still_answer_when_the_replica_is_down(
    stack: ScaleStack, replication: Replication | None, topic, record_property
):
    """Reads and posts through the balancer; the standby stopped (`pg_ctl stop -m fast`)
    after a third of the posts, started again once they are all sent: no failed page
    beyond the 1 %, no post lost or written twice, and the nodes read from it again."""
    if replication is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) are missing")
    standby = replication.standby
    posts_each = int(stack.env["PORTAL_POST_RATE_LIMIT"].split("/")[0])
    people = signed_in_writers(stack, topic, 34)
    writers, readers = people[:32], readers_of([session for _, session in people[32:]])
    planned = len(writers) * posts_each
    figures, done = post_load.LoadFigures(), threading.Event()
    urls = [f"{stack.base}/topics/{topic.pk}/", f"{stack.base}/resources/?q=rapport"]
    reading = post_load.run_reads(readers, urls, figures, done)
    threads = post_load.run_load(writers, stack.base, topic.pk, posts_each, 3, figures)
    try:
        wait_for_acknowledged(figures, planned // 3, 60)
        assert replica_connections(standby), "the nodes did not read from the standby"
        standby.stop("fast")
        stopped = time.monotonic()
        for thread in threads:
            thread.join(timeout=120)
        standby.start()
        down = time.monotonic() - stopped
        pg_clusters.wait_until_streaming(standby)
        back = wait_for_replica_reads(standby, 30)
    finally:
        done.set()
        for thread in reading:
            thread.join(timeout=30)
    bodies = Counter(
        Post.objects.filter(topic=topic, body__startswith="Charge ").values_list("body", flat=True)
    )
    lost = sum(1 for body in figures.acknowledged if not bodies[body])
    duplicated = sum(count - 1 for count in bodies.values())
    summary = f"{figures.summary(lost, duplicated)}, standby down {down:.0f} s"
    record(record_property, "replica down", summary)
    assert not figures.refused, figures.refused
    assert len(figures.acknowledged) == planned, summary
    assert lost == 0 and duplicated == 0, summary
    assert figures.failures < figures.requests / 100, summary
    assert back, "the nodes did not read from the standby again once it was back"
    logs = "".join(node.log.read_text() for node in stack.nodes)
    assert "Read replica available again" in logs, "no node said it reads the standby again"
