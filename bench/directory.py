"""Benchmark of the member directory's search (`/members/?q=…`) at institutional scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdp_people \
        .venv/bin/python bench/directory.py [--runs 15] [--plain-render] [--explain]

Measures the server time of the whole `/members/` view through Django's test Client,
signed in as a plain member (middleware, session, every query, template rendering), for
the typical searches of the directory: none (the first page of everyone), a last name, a
first and last name typed without accents, a unit word, an expertise tag, a word
matching nobody, a two-letter prefix, a name on page 3, and a search with a community
filter. Prints the median and 95th percentile of the wall-clock time in milliseconds,
the median CPU time of the process (the view runs in it; on a shared machine the wall
clock also counts waiting for a core), the median time of its SQL queries, the number of
people found and the page's number of SQL queries (constant by design). The first row is
the floor: a 404 page, signed in, with the full layout, as the machine serves it during
the run.

`--plain-render` renders templates as production does: without it (as in the other
benchmarks, `setup_test_environment`), every template rendered, each card and tag link
included, sends a signal that the test Client answers with a copy of the context.

`--explain` also prints each case's SQL queries with their time, and PostgreSQL's plan
(EXPLAIN ANALYZE) of the two slowest, to check which index serves them.

Run it against data from `manage.py generate_scale_data --resources 0 --posts 0`
(10,000 members with profiles and expertise tags).
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
# Not one log line per request between the results (cdp_portal.core.request_log), nor
# per 404 of the floor.
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

# The floor: a signed-in page with the full layout and nothing else (a 404), measured with
# the cases, so that what the machine costs at the time of the run shows beside them.
FLOOR = ("plancher : page 404 signée", "/banc-essai/page-absente/")
CASES = [
    ("annuaire, sans recherche", {}),
    ("nom de famille (tremblay)", {"q": "tremblay"}),
    ("prénom + nom sans accents (genevieve roy)", {"q": "genevieve roy"}),
    ("mot d'une unité (pharmacie)", {"q": "pharmacie"}),
    ("expertise (retroaction)", {"q": "retroaction"}),
    ("aucun résultat (zorglub)", {"q": "zorglub"}),
    ("préfixe de 2 lettres (ma)", {"q": "ma"}),
    ("nom + page 3 (roy)", {"q": "roy", "page": "3"}),
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(user, runs: int) -> list[tuple[str, float, float, float, float, int, int]]:
    """Per case: the median and 95th percentile of the wall-clock time, the median CPU
    time of this process (the view runs in it: on a busy machine, the wall clock also
    counts the time spent waiting for a core), the median time spent in SQL (as the
    database driver waited for it), the people found and the SQL queries."""
    client = Client()
    client.force_login(user)
    rows = []
    for label, params in [(FLOOR[0], None), *CASES]:
        url, expected = ("/members/", 200) if params is not None else (FLOOR[1], 404)
        times, cpu_times, sql_times = [], [], []
        for attempt in range(runs + 2):
            started, cpu_started = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, params or {})
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
            assert response.status_code == expected, (url, params, response.status_code)
            if attempt >= 2:  # two warm-up rounds
                times.append(elapsed)
                cpu_times.append(cpu)
                sql_times.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
        rows.append(
            (
                label,
                statistics.median(times),
                percentile(times, 0.95),
                statistics.median(cpu_times),
                statistics.median(sql_times),
                found(user, params) if params is not None else 0,
                len(queries.captured_queries),
            )
        )
    return rows


def found(user, params: dict) -> int:
    """How many people the page says it found (its paginator's count)."""
    from communities.directory_forms import DirectoryFilterForm
    from communities.models import Profile

    form = DirectoryFilterForm(params, viewer=user)
    return form.filter(Profile.objects.for_directory()).count()


def explain(user) -> None:
    """Each case's queries with their time, and the plans of the two slowest."""
    client = Client()
    client.force_login(user)
    for label, params in CASES:
        client.get("/members/", params)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            client.get("/members/", params)
        print(f"\n--- {label}")
        for query in queries.captured_queries:
            print(f"{float(query['time']) * 1000:8.1f} ms  {query['sql'][:110]}")
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:2]
        with connection.cursor() as cursor:
            for query in slowest:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs per case")
    parser.add_argument("--explain", action="store_true", help="print the plans too")
    parser.add_argument(
        "--plain-render",
        action="store_true",
        help="render templates as in production, without the test framework's recording",
    )
    args = parser.parse_args()
    if args.plain_render:
        # What setup_test_environment does that the Client needs, without its template
        # instrumentation (a signal per template rendered, which the Client answers
        # with a copy of the context: a cost production never pays).
        from django.conf import settings

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    else:
        setup_test_environment()

    from django.contrib.auth import get_user_model

    from communities.models import Membership, Profile

    User = get_user_model()
    member_id = (
        Membership.objects.active()
        .filter(user__is_superuser=False, user__is_staff=False)
        .order_by("pk")
        .values_list("user_id", flat=True)
        .first()
    )
    member = User.objects.filter(pk=member_id).first()
    if member is None:
        sys.exit("No members: run generate_scale_data --resources 0 --posts 0 first.")
    # The community filter case: one of the member's own communities.
    community_id = Membership.objects.active().filter(user=member).values("community").first()
    CASES.append(("nom + communauté (gagnon)", {"q": "gagnon", **community_id}))
    print(
        f"{Profile.objects.for_directory().count()} people in the directory; {args.runs} runs "
        f"per case (after 2 warm-ups); member {member.email}; times in ms"
    )
    header = ("case", "median", "p95", "CPU", "SQL ms", "found", "SQL")
    print("{:44} {:>8} {:>8} {:>8} {:>8} {:>6} {:>4}".format(*header))
    medians = []
    for label, median, p95, cpu, sql, count, queries in measure(member, args.runs):
        if label != FLOOR[0]:
            medians.append(median)
        print(f"{label:44} {median:8.1f} {p95:8.1f} {cpu:8.1f} {sql:8.1f} {count:6d} {queries:4d}")
    middle, worst = statistics.median(medians), max(medians)
    print(f"\nmedians of the directory's cases: median {middle:.1f} ms, worst {worst:.1f} ms")
    if args.explain:
        explain(member)


if __name__ == "__main__":
    main()
