"""The profile page's personal feed addresses: each person revokes or regenerates their
own token, with a confirmation, through a POST form with CSRF."""

import pytest
from django.test import Client
from django.urls import reverse

from cdp_portal.accounts.feed_tokens import feed_token_ensure, feed_token_value
from cdp_portal.accounts.models import FeedToken
from tests.factories import UserFactory
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db

CHANGE = reverse("directory:feed_token")
PROFILE = reverse("directory:profile_edit")
FEED = reverse("resources:feed_tag", args=["outil"])


def token_of(user) -> str | None:
    return feed_token_value(FeedToken.objects.get(user=user))


def test_the_profile_page_offers_both_forms(client):
    user = UserFactory()
    client.force_login(user)
    body = client.get(PROFILE).content.decode()
    assert 'id="feeds"' in body
    assert body.count(f'action="{CHANGE}"') == 2
    assert 'name="action" value="revoke"' in body
    assert 'name="action" value="regenerate"' in body
    assert "csrfmiddlewaretoken" in body
    assert "Changer mes adresses de fils" in body


def test_revoke_then_regenerate(client):
    user = UserFactory()
    old = feed_token_value(feed_token_ensure(user=user))
    client.force_login(user)

    response = client.post(CHANGE, {"action": "revoke"}, follow=True)
    assert response.redirect_chain[-1][0] == PROFILE + "#feeds"
    assert "Vos adresses personnelles de fils sont révoquées" in response.content.decode()
    assert token_of(user) is None
    assert Client().get(FEED, {"token": old}).status_code == 404
    body = response.content.decode()
    assert "Créer mes adresses de fils" in body
    assert 'value="revoke"' not in body

    response = client.post(CHANGE, {"action": "regenerate"}, follow=True)
    assert "Vos adresses personnelles de fils ont changé" in response.content.decode()
    new = token_of(user)
    assert new and new != old
    assert Client().get(FEED, {"token": old}).status_code == 404
    assert Client().get(FEED, {"token": new}).status_code == 404  # no resource tagged yet
    ResourceFactory(title="Pour tous", tags=["outil"])
    assert Client().get(FEED, {"token": new}).status_code == 200

    response = client.post(CHANGE, {"action": "regenerate"})
    assert token_of(user) not in (None, new)


def test_someone_else_cannot_touch_my_token(client):
    me, other = UserFactory(), UserFactory()
    mine = feed_token_value(feed_token_ensure(user=me))
    client.force_login(other)
    client.post(CHANGE, {"action": "revoke"})
    client.post(CHANGE, {"action": "regenerate"})
    assert token_of(me) == mine
    # There is no way to name another person: an extra field changes nothing.
    client.post(CHANGE, {"action": "revoke", "user": me.pk})
    assert token_of(me) == mine


def test_anonymous_visitors_are_sent_to_sign_in(client):
    user = UserFactory()
    mine = feed_token_value(feed_token_ensure(user=user))
    response = client.post(CHANGE, {"action": "revoke"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert token_of(user) == mine


def test_the_form_needs_its_csrf_token():
    user = UserFactory()
    mine = feed_token_value(feed_token_ensure(user=user))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(CHANGE, {"action": "revoke"}).status_code == 403
    assert token_of(user) == mine


@pytest.mark.parametrize("data", [{}, {"action": "delete"}, {"action": "x" * 5000}])
def test_a_bad_choice_changes_nothing(client, data):
    user = UserFactory()
    mine = feed_token_value(feed_token_ensure(user=user))
    client.force_login(user)
    response = client.post(CHANGE, data, follow=True)
    assert response.status_code == 200
    assert "Choix invalide." in response.content.decode()
    assert token_of(user) == mine


def test_only_post(client):
    client.force_login(UserFactory())
    assert client.get(CHANGE).status_code == 405
