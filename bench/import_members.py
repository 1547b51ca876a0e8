"""Benchmark of `manage.py import_members` on a 10,000-row file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdp_bench_import \
        .venv/bin/python bench/import_members.py [--rows 10000] [--semicolon]

Writes a CSV of realistic people (French and Québec first and last names, job titles,
units, campuses, one to four expertise tags) into a temporary file, then times the
command three times on the database of DATABASE_URL, with `--community bench-import`:

  * "first import": every account, address, profile, tag and membership is new;
  * "same file again": nothing changes (every row is read and compared);
  * "changed file": every row has a new job title and one more tag.

Each run is timed from the command line's point of view (`call_command`, file reading
and validation included). Use a throwaway database: the people it creates
(`@bench-import.example`) stay there.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdp_portal.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from cdp_portal.management.commands.generate_scale_data import (  # noqa: E402
    FIRST_NAMES,
    JOB_TITLES,
    LAST_NAMES,
    TAG_VOCABULARY,
    UNITS,
)
from communities.demo_data import CAMPUSES  # noqa: E402

DOMAIN = "bench-import.example"
COMMUNITY = "bench-import"
HEADER = ["email", "first_name", "last_name", "job_title", "unit", "campus", "expertise"]


def ascii_local(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", "-")


def generate(path: Path, rows: int, *, delimiter: str, changed: bool, seed: int = 7) -> None:
    rng = random.Random(seed)
    lines = [delimiter.join(HEADER)]
    for index in range(rows):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{ascii_local(first)}.{ascii_local(last)}.{index}@{DOMAIN}"
        tags = rng.sample(TAG_VOCABULARY, rng.randint(1, 4))
        job = rng.choice(JOB_TITLES)
        if changed:
            job = f"{job} (intérim)"
            tags.append("nouvelle-expertise")
        cells = [
            email,
            first,
            last,
            job,
            rng.choice(UNITS),
            rng.choice(CAMPUSES),
            ";".join(tags),
        ]
        lines.append(delimiter.join(f'"{cell}"' if delimiter in cell else cell for cell in cells))
    path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")


def timed(path: Path) -> tuple[float, str]:
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    call_command("import_members", str(path), "--community", COMMUNITY, stdout=out, stderr=err)
    return time.perf_counter() - started, out.getvalue().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--semicolon", action="store_true", help="a French Excel export")
    args = parser.parse_args()

    from cdp_portal.accounts.models import User
    from communities.models import Community

    if User.objects.filter(email__endswith=f"@{DOMAIN}").exists():
        sys.exit(f"People of @{DOMAIN} already exist: use a fresh throwaway database.")
    Community.objects.get_or_create(slug=COMMUNITY, defaults={"name": "Banc d'essai"})
    delimiter = ";" if args.semicolon else ","
    with tempfile.TemporaryDirectory() as folder:
        first = Path(folder) / "people.csv"
        second = Path(folder) / "people-changed.csv"
        generate(first, args.rows, delimiter=delimiter, changed=False)
        generate(second, args.rows, delimiter=delimiter, changed=True)
        print(f"{args.rows} rows, separator '{delimiter}', {os.cpu_count()} CPUs")
        for label, path in (
            ("first import", first),
            ("same file again", first),
            ("changed file", second),
        ):
            seconds, summary = timed(path)
            print(f"{label:18} {seconds:6.1f} s   {summary}")


if __name__ == "__main__":
    main()
