"""The unsubscribe link: no sign-in needed, the signed token says who and which digest;
GET only asks (mail scanners open links), POST unsubscribes, from the page's button or a
mail client's RFC 8058 one-click POST without cookie or CSRF token. A tampered, expired or
made-up token gets a clear 400 page, a closed account a 404, never a 500."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from communities.models import Profile
from digests import tokens
from digests.periods import Frequency
from digests.services import unsubscribe_url
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def address(user, frequency=Frequency.WEEKLY) -> str:
    return reverse("digests:unsubscribe", args=[tokens.unsubscribe_token(user.pk, frequency)])


def choice_of(user) -> str:
    return Profile.objects.get(user=user).digest_frequency


@pytest.mark.parametrize(
    "visitor", ["anonymous", "outsider", "open_member", "closed_animator", "admin"]
)
def test_get_asks_and_changes_nothing_whoever_opens_it(client, login, community_world, visitor):
    owner = community_world.open_member
    login(None if visitor == "anonymous" else community_world.visitor(visitor))
    response = client.get(address(owner))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ne plus recevoir le résumé hebdomadaire" in body
    assert "Me désabonner" in body
    assert choice_of(owner) == Frequency.WEEKLY
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.parametrize("visitor", ["anonymous", "outsider", "closed_animator", "admin"])
def test_post_unsubscribes_the_tokens_person_not_the_visitor(
    client, login, community_world, visitor
):
    owner = community_world.open_member
    someone = None if visitor == "anonymous" else community_world.visitor(visitor)
    login(someone)
    response = client.post(address(owner))
    assert response.status_code == 200
    assert "vous ne recevrez plus le résumé hebdomadaire" in response.content.decode()
    assert choice_of(owner) == Frequency.NONE
    if someone is not None and Profile.objects.filter(user=someone).exists():
        assert choice_of(someone) == Frequency.WEEKLY


def test_rfc_8058_one_click_post_needs_no_cookie_nor_csrf_token(community_world):
    owner = community_world.open_member
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        address(owner),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert choice_of(owner) == Frequency.NONE
    # Again: nothing left to change, said so, still a success.
    again = mail_client.post(address(owner), "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert again.status_code == 200
    assert "rien n'a changé" in again.content.decode()


def test_a_weekly_link_leaves_a_daily_choice_alone(client, community_world):
    owner = community_world.open_member
    Profile.objects.filter(user=owner).update(digest_frequency=Frequency.DAILY)
    assert (
        "Vous ne recevez plus le résumé hebdomadaire" in client.get(address(owner)).content.decode()
    )
    client.post(address(owner))
    assert choice_of(owner) == Frequency.DAILY
    client.post(address(owner, Frequency.DAILY))
    assert choice_of(owner) == Frequency.NONE


def test_the_link_in_messages_is_absolute_and_works(client, community_world, settings):
    settings.PORTAL_BASE_URL = "https://cdp.univ.example/"
    owner = community_world.open_member
    url = unsubscribe_url(owner.pk, Frequency.WEEKLY)
    assert url.startswith("https://cdp.univ.example/digests/unsubscribe/")
    assert client.post(url.removeprefix("https://cdp.univ.example")).status_code == 200
    assert choice_of(owner) == Frequency.NONE


def _tampered(token: str) -> str:
    payload, timestamp, signature = token.split(":")
    return f"{payload}:{timestamp}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda owner: _tampered(tokens.unsubscribe_token(owner.pk, "weekly")), id="tampered"
        ),
        pytest.param(
            lambda owner: (
                tokens.unsubscribe_token(owner.pk + 1, "weekly").split(":")[0]
                + ":"
                + ":".join(tokens.unsubscribe_token(owner.pk, "weekly").split(":")[1:])
            ),
            id="another-person",
        ),
        pytest.param(lambda owner: "garbage", id="garbage"),
        pytest.param(lambda owner: "a:b:c", id="three-parts"),
        pytest.param(
            lambda owner: signing.dumps({"u": owner.pk, "f": "weekly"}, salt="another.salt"),
            id="another-salt",
        ),
        pytest.param(
            lambda owner: signing.dumps({"u": owner.pk, "f": "hourly"}, salt=tokens.SALT),
            id="unknown-frequency",
        ),
        pytest.param(
            lambda owner: signing.dumps(["not", "a", "dict"], salt=tokens.SALT), id="not-a-dict"
        ),
        pytest.param(
            lambda owner: signing.dumps({"u": str(owner.pk), "f": "weekly"}, salt=tokens.SALT),
            id="id-as-text",
        ),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_bad_tokens_get_a_clear_400_and_change_nothing(client, community_world, make, method):
    owner = community_world.open_member
    response = getattr(client, method)(f"/digests/unsubscribe/{make(owner)}/")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Lien de désabonnement invalide" in body
    assert "incomplet ou a été modifié" in body
    assert choice_of(owner) == Frequency.WEEKLY


def test_malformed_bytes_get_the_portals_400(client, community_world):
    for path in ("/digests/unsubscribe/%00%ff/", "/digests/unsubscribe/%ED%A0%80/"):
        assert client.post(path).status_code == 400
    assert choice_of(community_world.open_member) == Frequency.WEEKLY


def test_an_expired_token_says_so(client, community_world, monkeypatch):
    owner = community_world.open_member
    long_ago = time.time() - (tokens.MAX_AGE_DAYS + 1) * 86400
    monkeypatch.setattr(signing.time, "time", lambda: long_ago)
    token = tokens.unsubscribe_token(owner.pk, Frequency.WEEKLY)
    monkeypatch.undo()
    response = client.post(f"/digests/unsubscribe/{token}/")
    assert response.status_code == 400
    assert "a expiré" in response.content.decode()
    assert choice_of(owner) == Frequency.WEEKLY


def test_a_closed_account_gets_a_404(client, community_world):
    owner = make_member(community_world.open)
    url = address(owner)
    owner.is_active = False
    owner.save()
    response = client.post(url)
    assert response.status_code == 404
    assert "n'existe plus ou a été désactivé" in response.content.decode()


def test_the_pages_speak_english_too(client, community_world):
    owner = community_world.open_member
    client.cookies["django_language"] = "en"
    body = client.get(address(owner), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Stop receiving the weekly digest" in body
    assert "Unsubscribe me" in body
