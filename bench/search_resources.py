"""Benchmark of the resource library's search page at institutional scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdp_bench_res \
        .venv/bin/python bench/search_resources.py [--generate] [--runs 15] [--cold]
        [--case LABEL ...] [--bare]

Measures, for about ten representative requests (empty library page, French and English
queries, a typo, filters, sorts), the server time of:
  * "orm": `library_search()` and the page of results it lists, and
  * "view": the whole `/resources/` view through Django's test Client, signed in
    (queries, template rendering, middleware), with an empty cache ("cold") then again
    ("warm"),
for a plain member (visibility through memberships) and an administrator. Prints the
median and the 95th percentile in milliseconds, the number of queries and the load
average (the machine may be shared). `--cold`: the cold view only (faster); `--case`:
only the cases whose label contains it (repeatable). The cold view empties the shared
cache (facet counts, and the fragments every process shares); each process also keeps
the fragments it served in its own memory (a resource's list item, whoever searched),
as a running server does: `--bare` empties those too, every request as on a server
that just started.

`--generate` first fills an empty database: 100 communities (open, closed, private),
2,000 people with memberships, then 50,000 resources (resources.scale_data). Prefer the
project's `generate_scale_data` command when it exists; `--generate` is for a throwaway
database only.
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

CASES = [
    ("page d'accueil de la bibliothèque", {}),
    ("mot français", {"q": "pédagogie"}),
    ("expression sans accents", {"q": "evaluation formative"}),
    ("pluriel", {"q": "classes inversées"}),
    ("anglais", {"q": "teaching videos"}),
    ("faute de frappe", {"q": "forom discusion"}),
    ("plusieurs mots", {"q": "guide apprentissage actif moodle"}),
    ("étiquette", {"tag": "formation"}),
    ("type + tri populaires", {"kind": "case_study", "sort": "popular"}),
    ("recherche + langue + page 3", {"q": "forum", "language": "fr", "page": "3"}),
    ("institution + récentes", {"community": "_institution", "sort": "recent"}),
]


def generate() -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from communities.models import Community, Membership
    from resources.models import Resource
    from resources.scale_data import generate_resources

    User = get_user_model()
    if not Community.objects.exists():
        print("Generating 100 communities and 2,000 people…", flush=True)
        with transaction.atomic():
            visibilities = ["open"] * 6 + ["closed"] * 3 + ["private"]
            Community.objects.bulk_create(
                Community(
                    name=f"Communauté {n}",
                    slug=f"communaute-{n}",
                    visibility=visibilities[n % len(visibilities)],
                )
                for n in range(100)
            )
            User.objects.bulk_create(
                User(email=f"bench{n}@example.org", display_name=f"Personne {n}", password="!")
                for n in range(2000)
            )
            communities = list(Community.objects.values_list("pk", flat=True))
            users = list(User.objects.values_list("pk", flat=True))
            Membership.objects.bulk_create(
                Membership(user_id=u, community_id=communities[(i * 7 + k) % 100])
                for i, u in enumerate(users)
                for k in range(3)
            )
            User.objects.create_superuser("bench-admin@example.org", "bench")
    missing = 50_000 - Resource.objects.count()
    if missing > 0:
        print(f"Generating {missing} resources…", flush=True)
        started = time.perf_counter()
        generate_resources(count=missing, seed=42)
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


def _orm_time(user, params: dict) -> float:
    """library_search() and the page it lists, in ms, with an empty facet cache."""
    from django.core.cache import cache

    from resources.forms import LibraryFilterForm
    from resources.library import library_search

    cache.clear()
    started = time.perf_counter()
    form = LibraryFilterForm(params or None)
    library = library_search(
        user,
        q=form.value("q"),
        sort=form.chosen_sort,
        page=params.get("page"),
        **{name: form.value(name) for name in form.FILTERS},
    )
    list(library.page.object_list)
    return (time.perf_counter() - started) * 1000


def _view_time(
    client: Client, params: dict, *, cold: bool, bare: bool = False
) -> tuple[float, int]:
    """The whole view through the test Client, in ms, and its number of queries."""
    from django.core.cache import cache

    from cdp_portal.core.fragments import local_fragments

    if cold:
        cache.clear()
    if bare:
        local_fragments.clear()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/resources/", params)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.status_code
    return elapsed, len(queries.captured_queries)


def measure(
    user, runs: int, *, cold_only: bool = False, bare: bool = False, cases=CASES
) -> list[tuple]:
    """Per case: the ORM part and the whole view with an empty facet cache ("cold": a
    search nobody made since the library last changed), then the view once more
    ("warm": paging, refining, coming back). `cold_only`: the cold view alone."""
    client = Client()
    client.force_login(user)
    rows = []
    for label, params in cases:
        orm_times, cold_times, warm_times = [], [], []
        sql_cold = sql_warm = 0
        for attempt in range(runs + 2):
            # Fresh user object each time: no per-request cache carried over.
            user = type(user).objects.get(pk=user.pk)
            orm = None if cold_only else _orm_time(user, params)
            cold, sql_cold = _view_time(client, params, cold=True, bare=bare)
            warm = None
            if not cold_only:
                warm, sql_warm = _view_time(client, params, cold=False)
            if attempt >= 2:  # two warm-up rounds
                orm_times.append(orm)
                cold_times.append(cold)
                warm_times.append(warm)
        rows.append(
            (
                label,
                None if cold_only else statistics.median(orm_times),
                statistics.median(cold_times),
                percentile(cold_times, 0.95),
                None if cold_only else statistics.median(warm_times),
                sql_cold,
                sql_warm,
            )
        )
    return rows


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", action="store_true", help="fill an empty database first")
    parser.add_argument("--runs", type=int, default=15, help="measured runs per case")
    parser.add_argument(
        "--cold", action="store_true", help="the view with an empty facet cache only (faster)"
    )
    parser.add_argument(
        "--bare",
        action="store_true",
        help="cold: each process's own fragments emptied too (a server just started)",
    )
    parser.add_argument(
        "--case", action="append", default=[], help="only the cases whose label contains this"
    )
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    if args.generate:
        generate()
    setup_test_environment()  # the test Client's host, locmem e-mail

    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from resources.models import Resource

    User = get_user_model()
    member = (
        User.objects.filter(is_superuser=False, memberships__status="active")
        .annotate(n=Count("memberships"))
        .order_by("-n", "pk")
        .first()
    )
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    total = Resource.objects.count()
    cases = [case for case in CASES if not args.case or any(c in case[0] for c in args.case)]
    print(f"{total} resources; {args.runs} runs per case (after 2 warm-ups); times in ms")
    emptied = "every cache emptied (--bare)" if args.bare else "the shared cache emptied"
    print(f"cold: {emptied} before each request")
    print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    colds, warms = [], []
    for name, user in (("member", member), ("admin", admin)):
        if user is None:
            continue
        visible = Resource.objects.visible_to(user).count()
        print(f"\n{name} ({user.email}) sees {visible} resources")
        header = ("case", "orm cold", "cold med", "cold p95", "warm med", "SQL")
        print("{:38} {:>8} {:>8} {:>8} {:>8} {:>6}".format(*header))
        measured = measure(user, args.runs, cold_only=args.cold, bare=args.bare, cases=cases)
        for label, orm, cold, cold_p95, warm, sql_cold, sql_warm in measured:
            colds.append(cold)
            warms.append(warm)
            print(
                f"{label:38} {_ms(orm)} {_ms(cold)} {_ms(cold_p95)} {_ms(warm)}"
                f" {sql_cold:3d}/{sql_warm:<2d}"
            )
    if colds:
        print(
            f"\nview medians, cold cache: median {statistics.median(colds):.1f} ms, "
            f"worst {max(colds):.1f} ms"
            + ("" if args.cold else f"; warm: median {statistics.median(warms):.1f} ms, ")
            + ("" if args.cold else f"worst {max(warms):.1f} ms")
        )
    print(f"load average {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


def _ms(value: float | None) -> str:
    return "       -" if value is None else f"{value:8.1f}"


if __name__ == "__main__":
    main()
