"""Benchmark of the global search page (`/search/?q=`) over forum posts at institutional
scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdp_bench_search \
        .venv/bin/python bench/search_posts.py [--runs 15] [--explain]

Measures the server time of the whole view through Django's test Client, signed in
(middleware, session, every query of the four sections, template rendering), for a
common word of the synthetic posts, a rare word, a phrase typed without accents and a
word that matches nothing; for a plain member (active in the busiest community, animator
nowhere) and for an administrator when one exists. Prints the median and 95th
percentile in milliseconds, the page's number of SQL queries (constant by design) and
the discussions found. `--explain` then prints EXPLAIN (ANALYZE, BUFFERS) of the
member's queries that read the posts' search column, for each case.

Run it against data from `manage.py generate_scale_data` (`--resources 0` leaves the
library empty, so the page's time is mostly the discussions'). The synthetic posts are
drawn from sixteen sentences, so no word of theirs is rare: the first run replies, through
`forums.services.post_create`, in a dozen of the newest topics with a text holding
RARE_WORD (once; later runs find those replies).
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

RARE_WORD = "hydrogéologie"
RARE_TEXT = f"Un collègue en {RARE_WORD} a monté un laboratoire virtuel de terrain."
RARE_REPLIES = 12
CASES = [
    ("mot courant (groupe)", "groupe"),
    (f"mot rare ({RARE_WORD})", RARE_WORD),
    ("expression sans accents", "resultat etait encourageant"),
    ("aucun résultat", "xylophone"),
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ensure_rare_replies() -> None:
    """RARE_REPLIES replies holding RARE_WORD, by each topic's author, in the newest
    topics (a few communities, private ones included): written once."""
    from forums.models import Post, Topic
    from forums.services import post_create

    if Post.objects.filter(body=RARE_TEXT).exists():
        return
    for topic in Topic.objects.select_related("forum__community", "author").order_by("-pk")[
        :RARE_REPLIES
    ]:
        post_create(topic=topic, author=topic.author, body=RARE_TEXT, notify=False,
                    rate_limited=False)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE forums_post")


def plain_member():
    """An active member of the busiest community who animates no community and does not
    administer the portal."""
    from django.contrib.auth import get_user_model

    from communities.models import Membership, Role
    from forums.models import Forum

    forum = Forum.objects.order_by("-topic_count", "pk").first()
    animators = Membership.objects.filter(roles__contains=[Role.ANIMATOR]).values("user_id")
    return (
        get_user_model()
        .objects.filter(
            is_superuser=False,
            groups__isnull=True,
            memberships__community_id=forum.community_id,
            memberships__status=Membership.Status.ACTIVE,
        )
        .exclude(pk__in=animators)
        .order_by("pk")
        .first()
    )


def measure(user, runs: int) -> list[tuple[str, float, float, int, int]]:
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    rows = []
    for label, q in CASES:
        times = []
        for attempt in range(runs + 2):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("search"), {"q": q})
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (q, response.status_code)
            if attempt >= 2:  # two warm-up rounds
                times.append(elapsed)
        found = response.context["results"].discussions.total
        rows.append((label, statistics.median(times), percentile(times, 0.95), len(queries), found))
    return rows


def explain(user) -> None:
    """EXPLAIN ANALYZE of the queries of each case that read the search column."""
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    for label, q in CASES:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("search"), {"q": q})
        for query in queries.captured_queries:
            if "search_vector" not in query["sql"] or "forums_post" not in query["sql"]:
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"\n--- {label}: {query['sql'][:100]}…\n{plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs per case")
    parser.add_argument("--explain", action="store_true", help="print the member's plans")
    args = parser.parse_args()

    from django.contrib.auth import get_user_model

    from forums.models import Post, Topic

    if not Topic.objects.exists():
        sys.exit("No discussions: run generate_scale_data first.")
    ensure_rare_replies()
    setup_test_environment()
    member = plain_member()
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    print(
        f"{Post.objects.count()} posts in {Topic.objects.count()} topics; "
        f"{args.runs} runs per case (after 2 warm-ups); times in ms"
    )
    for name, user in (("member", member), ("admin", admin)):
        if user is None:
            continue
        print(f"\n{name} ({user.email})")
        print(
            "{:36} {:>8} {:>8} {:>4} {:>12}".format("case", "median", "p95", "SQL", "discussions")
        )
        for label, median, p95, count, found in measure(user, args.runs):
            print(f"{label:36} {median:8.1f} {p95:8.1f} {count:4d} {found:12d}")
    if args.explain and member is not None:
        explain(member)


if __name__ == "__main__":
    main()
