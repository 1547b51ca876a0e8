"""The failed sign-in limit behind a reverse proxy: counted per (client address, e-mail)
and per account, with a per-address ceiling; one person's typos never block another."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"  # every request arrives from the reverse proxy
TOO_MANY = "Trop de tentatives"


def sign_in(client, email, password, forwarded=None):
    extra = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def people(db):
    return UserFactory(email="alice@example.org"), UserFactory(email="bruno@example.org")


def test_one_persons_typos_never_block_another_behind_the_same_proxy(client, settings, people):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(6):
        response = sign_in(client, "alice@example.org", "faux", forwarded="203.0.113.1")
        assert response.status_code in (200, 429)
        assert not signed_in(client)
    # Alice's right password from her own address is still refused for the window...
    response = sign_in(client, "alice@example.org", TEST_PASSWORD, forwarded="203.0.113.1")
    assert not signed_in(client)
    # ...but Bruno, behind the same proxy, signs in; from another address or from
    # Alice's own (the same office behind one NAT).
    for address in ("203.0.113.2", "203.0.113.1"):
        other = Client()
        response = sign_in(other, "bruno@example.org", TEST_PASSWORD, forwarded=address)
        assert response.status_code == 302
        assert signed_in(other)


def test_the_limit_still_blocks_one_address_typing_one_account(client, settings, people):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        assert sign_in(client, "alice@example.org", "faux", "203.0.113.1").status_code == 200
    response = sign_in(client, "alice@example.org", TEST_PASSWORD, "203.0.113.1")
    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert not signed_in(client)


def test_a_forged_header_is_ignored_without_proxies(client, settings, people):
    # TRUSTED_PROXY_COUNT = 0: a new X-Forwarded-For on every try changes nothing.
    settings.TRUSTED_PROXY_COUNT = 0
    for attempt in range(5):
        response = sign_in(client, "alice@example.org", "faux", f"198.51.100.{attempt}")
        assert response.status_code == 200
    response = sign_in(client, "alice@example.org", TEST_PASSWORD, "198.51.100.99")
    assert TOO_MANY in response.content.decode()
    assert not signed_in(client)


def test_the_per_address_ceiling_stops_password_spraying(client, settings, people):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed": "5/5m/key,3/5m/ip",
    }
    for n in range(3):
        sign_in(client, f"inconnu{n}@example.org", "faux", "203.0.113.9")
    response = sign_in(client, "bruno@example.org", TEST_PASSWORD, "203.0.113.9")
    assert not signed_in(client)
    assert TOO_MANY in response.content.decode()


def test_the_account_limit_counts_every_address_together(client, settings, people):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_account": "4/5m/key",
    }
    for n in range(4):
        assert sign_in(client, "alice@example.org", "faux", f"203.0.113.{n}").status_code == 200
    response = sign_in(client, "alice@example.org", TEST_PASSWORD, "203.0.113.50")
    assert TOO_MANY in response.content.decode()
    assert not signed_in(client)


def test_a_correct_password_does_not_count(client, settings, people):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(8):
        response = sign_in(client, "alice@example.org", TEST_PASSWORD, "203.0.113.1")
        assert response.status_code == 302
        client.post(reverse("account_logout"))


@pytest.mark.parametrize("forwarded", ["", "garbage", "1.2.3.4, ", ",,,", "\u00e9t\u00e9"])
def test_a_broken_header_never_gives_a_500(client, settings, people, forwarded):
    settings.TRUSTED_PROXY_COUNT = 2
    response = sign_in(client, "alice@example.org", "faux", forwarded)
    assert response.status_code == 200
    response = sign_in(client, "alice@example.org", TEST_PASSWORD, forwarded)
    assert response.status_code == 302


def test_a_password_reset_lifts_the_block(
    client, settings, people, django_capture_on_commit_callbacks
):
    import re

    from django.core import mail

    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_account": "5/5m/key",
    }
    for _ in range(5):  # blocks both this address for Alice and Alice's whole account
        sign_in(client, "alice@example.org", "faux", "203.0.113.1")
    assert (
        TOO_MANY
        in sign_in(client, "alice@example.org", TEST_PASSWORD, "203.0.113.1").content.decode()
    )
    extra = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.1"}
    # The e-mail leaves the outbox once the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "alice@example.org"}, **extra)
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    form_path = client.get(link.group(1), follow=True, **extra).redirect_chain[-1][0]
    new_password = "un-nouveau-mot-de-passe-2026"
    data = {"password1": new_password, "password2": new_password}
    assert client.post(form_path, data, **extra).status_code == 302
    response = sign_in(client, "alice@example.org", new_password, "203.0.113.1")
    assert response.status_code == 302
