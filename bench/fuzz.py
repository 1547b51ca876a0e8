"""The fuzz harness at scale: ≥10,000 hostile requests on every URL pattern and form.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdp_bench_fuzz \\
        .venv/bin/python bench/fuzz.py --requests 10000 --seed 1

Same harness as `tests/fuzz/test_fuzz.py` (`tests/fuzz/harness.py`): builds its own data
(a community of each visibility, forums, topics, posts, resources with a file, tags, a
checklist, flags, notifications) in the database named by DATABASE_URL, which must be a
throwaway one with the migrations applied; walks every page of every URL pattern as every
visitor (anonymous, outsider, member, animator, administrator), then sends random hostile
cases until the count. Every request runs in a savepoint rolled back afterwards, and the
data it built is removed at the end (rolled back too), so the database is left as it was.

Prints requests per visitor, per method, per status class, each 5xx with its visitor,
method, URL and body, and the time. Exits 1 when any request got a 5xx or raised.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdp_portal.settings")
# Not one log line per request between the results (cdp_portal.core.request_log).
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from tests.fuzz.harness import Fuzzer  # noqa: E402
from tests.fuzz.world import build_world  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    setup_test_environment()  # the test client, locmem mail: nothing leaves the machine
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with tempfile.TemporaryDirectory(prefix="fuzz-media-") as media, transaction.atomic():
        settings.MEDIA_ROOT = media
        fuzzer = Fuzzer(build_world(), seed=args.seed)
        report = fuzzer.run(args.requests, thorough=True)
        transaction.set_rollback(True)  # leave the throwaway database as it was
    print(report.summary())
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
