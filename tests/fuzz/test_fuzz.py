"""Hostile input on every URL pattern and form, as each kind of visitor: never a 5xx.

A bounded, seeded sample (the same cases at every run); `bench/fuzz.py` sends ≥10,000.
A failure lists each request that got a 5xx or raised, with its visitor, method, URL and
body: replay it alone with the test client to debug."""

import pytest

from tests.fuzz.harness import Fuzzer
from tests.fuzz.world import build_world

pytestmark = pytest.mark.django_db

REQUESTS = 1000
SEED = 20261129


def test_no_hostile_request_gets_a_5xx():
    fuzzer = Fuzzer(build_world(), seed=SEED)
    # Every URL pattern gets real values (ids, slugs) to walk: a new URL needs a line in
    # harness.real_kwargs, or it would only ever be fuzzed with values that 404.
    untemplated = [f"{p.name} {p.template}" for p in fuzzer.untemplated]
    assert untemplated == [], "\n".join(untemplated)

    report = fuzzer.run(REQUESTS)
    print(report.summary())
    assert report.requests >= REQUESTS
    assert len(report.pages) == len(fuzzer.patterns)
    assert report.by_method["POST"] > REQUESTS // 10
    assert not report.findings, report.summary()
