"""Benchmark of the forum pages at institutional scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdp_bench_forums \
        .venv/bin/python bench/forums_pages.py [--generate POSTS] [--runs 15]

Measures the server time of whole views through Django's test Client, signed in
(middleware, session, every query, template rendering): "My forums", the busiest forum's
topic list (first and a deep page), an ordinary topic, the hottest topic (first and last
page), and the notification centre; for a plain member of the busiest community and for
an administrator. Prints the median and 95th percentile in milliseconds and the number
of SQL queries of each page (constant by design).

Run it against data from `manage.py generate_scale_data` (which calls
`forums.scale_data.generate_forums`). `--generate POSTS` adds that many posts with
`generate_forums` first, on a throwaway database that already has communities and people.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdp_portal.settings")
# Not one log line per request between the results (cdp_portal.core.request_log).
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def cases() -> list[tuple[str, str]]:
    from django.urls import reverse

    from forums.models import Forum, Topic
    from forums.views.common import POSTS_PER_PAGE, TOPICS_PER_PAGE

    forum = Forum.objects.order_by("-topic_count", "pk").select_related("community").first()
    hottest = Topic.objects.order_by("-post_count", "pk").first()
    ordinary = (
        Topic.objects.filter(forum=forum, post_count__range=(5, 20)).order_by("-pk").first()
        or hottest
    )
    deep_page = max(1, forum.topic_count // TOPICS_PER_PAGE // 2)
    last_page = max(1, (hottest.post_count - 1) // POSTS_PER_PAGE + 1)
    return [
        ("mes forums", reverse("forums:index")),
        ("liste de sujets (page 1)", forum.get_absolute_url()),
        (f"liste de sujets (page {deep_page})", f"{forum.get_absolute_url()}?page={deep_page}"),
        (f"sujet ordinaire ({ordinary.post_count} messages)", ordinary.get_absolute_url()),
        (f"sujet chaud ({hottest.post_count} messages), page 1", hottest.get_absolute_url()),
        (
            f"sujet chaud, dernière page ({last_page})",
            f"{hottest.get_absolute_url()}?page={last_page}",
        ),
        ("notifications", reverse("forums:notifications")),
        ("appels à tous ouverts", reverse("forums:calls")),
        ("tableau de bord", reverse("home")),
    ]


def measure(
    user, runs: int, pages: list[tuple[str, str]]
) -> list[tuple[str, float, float, float, int]]:
    """Per page: median and p95 wall time, median CPU time of this process (the view and
    its templates, not the database server: steadier on a busy machine), SQL count."""
    client = Client()
    client.force_login(user)
    rows = []
    for label, url in pages:
        times, cpu = [], []
        for attempt in range(runs + 2):
            started, cpu_started = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            cpu_elapsed = (time.process_time() - cpu_started) * 1000
            assert response.status_code == 200, (url, response.status_code)
            if attempt >= 2:  # two warm-up rounds
                times.append(elapsed)
                cpu.append(cpu_elapsed)
        rows.append(
            (
                label,
                statistics.median(times),
                percentile(times, 0.95),
                statistics.median(cpu),
                len(queries.captured_queries),
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", type=int, default=0, metavar="POSTS", help="add posts first")
    parser.add_argument("--runs", type=int, default=15, help="measured runs per page")
    args = parser.parse_args()
    if args.generate:
        from forums.scale_data import generate_forums

        generate_forums(posts=args.generate, seed=1, stdout=sys.stdout)
    setup_test_environment()

    from django.contrib.auth import get_user_model

    from communities.models import Membership
    from forums.models import Forum, Post, Topic

    User = get_user_model()
    forum = Forum.objects.order_by("-topic_count", "pk").first()
    if forum is None or not Topic.objects.exists():
        sys.exit("No discussions: run generate_scale_data (or --generate POSTS) first.")
    member_id = (
        Membership.objects.active()
        .filter(community_id=forum.community_id, user__is_superuser=False)
        .order_by("pk")
        .values_list("user_id", flat=True)
        .first()
    )
    member = User.objects.filter(pk=member_id).first()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    pages = cases()
    print(
        f"{Post.objects.count()} posts in {Topic.objects.count()} topics; "
        f"{args.runs} runs per page (after 2 warm-ups); times in ms"
    )
    medians = []
    for name, user in (("member", member), ("admin", admin)):
        if user is None:
            continue
        print(f"\n{name} ({user.email})")
        print("{:48} {:>8} {:>8} {:>8} {:>4}".format("page", "median", "p95", "CPU", "SQL"))
        for label, median, p95, cpu, queries in measure(user, args.runs, pages):
            medians.append(median)
            print(f"{label:48} {median:8.1f} {p95:8.1f} {cpu:8.1f} {queries:4d}")
    if medians:
        print(f"\nmedians: median {statistics.median(medians):.1f} ms, worst {max(medians):.1f} ms")


if __name__ == "__main__":
    main()
