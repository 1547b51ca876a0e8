"""The library's feeds at a person's personal address: read by a feed reader without a
session, they hold what the token's owner may read at fetch time, and nothing once the
token is revoked or the account deactivated."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cdp_portal.accounts.feed_tokens import (
    feed_token_ensure,
    feed_token_regenerate,
    feed_token_revoke,
    feed_token_value,
)
from tests.factories import make_member
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db

TAG_FEED = reverse("resources:feed_tag", args=["outil"])


def personal(user, feed_url: str) -> str:
    return f"{feed_url}?token={feed_token_value(feed_token_ensure(user=user))}"


def reader() -> Client:
    """A feed reader: no session, no cookie."""
    return Client()


def titles(response) -> set[str]:
    return set(re.findall(r"<entry><title>([^<]*)</title>", response.content.decode()))


@pytest.mark.parametrize(
    "visitor,expected",
    [
        ("outsider", {"Ressource open"}),
        ("open_member", {"Ressource open"}),
        ("open_animator", {"Ressource open", "Cachée open"}),
        ("closed_member", {"Ressource open", "Ressource closed"}),
        ("private_member", {"Ressource open", "Ressource private"}),
        ("private_animator", {"Ressource open", "Ressource private"}),
        (
            "admin",
            {"Ressource open", "Ressource closed", "Ressource private", "Cachée open"},
        ),
    ],
)
def test_the_tag_feed_holds_what_the_tokens_owner_may_read(world, visitor, expected):
    ResourceFactory(title="Cachée open", community=world.open, is_hidden=True, tags=["outil"])
    response = reader().get(personal(world.visitor(visitor), TAG_FEED))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert titles(response) == expected


def test_the_feed_follows_the_owner_at_fetch_time(world):
    url = personal(world.outsider, reverse("resources:feed_community", args=["cdp-closed"]))
    assert reader().get(url).status_code == 403
    make_member(world.closed, user=world.outsider)
    assert titles(reader().get(url)) == {"Ressource closed"}


@pytest.mark.parametrize(
    "visitor,community,status",
    [
        ("outsider", "open", 200),
        ("outsider", "closed", 403),
        ("outsider", "private", 404),
        ("open_member", "private", 404),
        ("open_animator", "private", 404),
        ("closed_member", "closed", 200),
        ("private_member", "private", 200),
        ("private_animator", "private", 200),
        ("admin", "private", 200),
    ],
)
def test_community_feeds_by_token_follow_the_community_rules(world, visitor, community, status):
    feed = reverse("resources:feed_community", args=[f"cdp-{community}"])
    response = reader().get(personal(world.visitor(visitor), feed))
    assert response.status_code == status
    body = response.content.decode()
    if status == 200:
        assert titles(response) == {f"Ressource {community}"}
    else:
        assert f"Ressource {community}" not in body


def test_without_a_token_a_feed_still_asks_for_the_session(client, login, world):
    response = reader().get(TAG_FEED)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    signed_in = login(world.closed_member).get(TAG_FEED)
    assert signed_in.status_code == 200
    assert titles(signed_in) == {"Ressource open", "Ressource closed"}
    assert "private" in signed_in["Cache-Control"]


def test_a_personal_feed_is_private_to_caches(world):
    response = reader().get(personal(world.open_member, TAG_FEED))
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_the_token_decides_even_next_to_a_session(login, world):
    # An administrator's browser fetching an outsider's address gets the outsider's feed.
    response = login(world.admin).get(personal(world.outsider, TAG_FEED))
    assert titles(response) == {"Ressource open"}
    assert login(world.admin).get(f"{TAG_FEED}?token=nope").status_code == 404


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "",
        "A" * 43,
        "A" * 44,
        "A" * 5000,
        "é" * 43,
        "../../" + "A" * 37,
        "A" * 42 + "=",
        "A" * 40 + "<b>",
    ],
    ids=[
        "garbage",
        "empty",
        "unknown",
        "one-too-long",
        "very-long",
        "accents",
        "dots",
        "pad",
        "tag",
    ],
)
def test_a_bad_token_is_a_404(world, token):
    feed_token_ensure(user=world.open_member)
    assert reader().get(TAG_FEED, {"token": token}).status_code == 404
    feed = reverse("resources:feed_community", args=["cdp-open"])
    assert reader().get(feed, {"token": token}).status_code == 404


def test_a_token_with_a_character_changed_is_a_404(world):
    url = personal(world.open_member, TAG_FEED)
    last = url[-1]
    assert reader().get(url[:-1] + ("B" if last != "B" else "C")).status_code == 404
    assert reader().get(url).status_code == 200


def test_revoking_makes_the_address_a_404_and_regenerating_gives_a_new_one(world):
    old = personal(world.open_member, TAG_FEED)
    assert reader().get(old).status_code == 200
    feed_token_revoke(user=world.open_member)
    assert reader().get(old).status_code == 404
    assert feed_token_value(feed_token_ensure(user=world.open_member)) is None
    feed_token_regenerate(user=world.open_member)
    new = personal(world.open_member, TAG_FEED)
    assert new != old
    assert reader().get(old).status_code == 404
    assert titles(reader().get(new)) == {"Ressource open"}


def test_a_deactivated_accounts_token_serves_nothing(world):
    url = personal(world.private_member, TAG_FEED)
    world.private_member.is_active = False
    world.private_member.save()
    assert reader().get(url).status_code == 404


def test_the_database_holds_no_working_token(world):
    feed_token = feed_token_ensure(user=world.open_member)
    token = feed_token_value(feed_token)
    assert token not in (feed_token.key, feed_token.token_hash)


# --- The pages that offer a feed ----------------------------------------------------------


def _personal_address_on(page: str) -> str:
    match = re.search(r'<input id="feed-url-[\w-]+"[^>]*value="([^"]+)"[^>]*readonly', page)
    assert match, "no personal address on the page"
    return match.group(1)


@pytest.mark.parametrize(
    "page,feed",
    [
        ("tag", "resources:feed_tag"),
        ("community", "resources:feed_community"),
    ],
)
def test_the_page_shows_the_personal_address_and_a_copy_button(login, world, page, feed):
    if page == "tag":
        url, arg = reverse("directory:tag", args=["outil"]), "outil"
    else:
        url, arg = reverse("communities:detail", args=["cdp-open"]), "cdp-open"
    body = login(world.open_member).get(url).content.decode()
    address = _personal_address_on(body)
    assert address.startswith(f"http://testserver{reverse(feed, args=[arg])}?token=")
    assert re.search(r'<label for="feed-url-[\w-]+">', body)
    assert re.search(r'<button type="button"[^>]*data-copy-target="feed-url-[\w-]+"', body)
    # The address works from a reader with no session.
    assert reader().get(address).status_code == 200


def test_a_revoked_token_shows_no_address_but_the_way_back(login, world):
    feed_token_revoke(user=world.open_member)
    body = login(world.open_member).get(reverse("directory:tag", args=["outil"])).content.decode()
    assert "?token=" not in body
    assert "Vous avez révoqué vos adresses personnelles de fils." in body
    assert reverse("directory:profile_edit") + "#feeds" in body
