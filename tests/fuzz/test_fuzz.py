"""Hostile input on every URL pattern and form, as each kind of visitor: never a 5xx.

A bounded, seeded sample (the same cases at every run); `bench/fuzz.py` sends ≥10,000.
A failure lists each request that got a 5xx or raised, with its visitor, method, URL and
body: replay it alone with the test client to debug."""

import pytest

from cdp_portal.core.sso_settings import single_sign_on_providers
from tests.fuzz.harness import Fuzzer
from tests.fuzz.world import build_world
from tests.idp.servers import saml_metadata_file

pytestmark = pytest.mark.django_db

REQUESTS = 1000
SEED = 20261129


@pytest.fixture(autouse=True)
def single_sign_on(settings, tmp_path):
    """A SAML identity provider known by its metadata file, so that hostile assertions
    reach the portal's SAML pages without any network; the OpenID Connect pages are
    walked with no provider configured (they answer 404)."""
    metadata = saml_metadata_file(tmp_path)
    settings.SOCIALACCOUNT_PROVIDERS = single_sign_on_providers(
        {"PORTAL_SAML_IDP_METADATA_FILE": str(metadata), "PORTAL_SAML_SLUG": "univ"}
    )


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
