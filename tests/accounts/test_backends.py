"""The signed-in person arrives with whether they administer the portal (one query), and
sessions signed in with Django's or allauth's backend path stay signed in."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.models import Group

from cdp_portal.accounts.backends import PortalAuthenticationBackend, PortalModelBackend
from cdp_portal.accounts.permissions import ADMINISTRATORS_GROUP, is_portal_admin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("backend", [PortalModelBackend, PortalAuthenticationBackend])
@pytest.mark.parametrize("administrator", [True, False])
def test_the_administrator_fact_comes_with_the_person(
    django_assert_num_queries, backend, administrator
):
    person = UserFactory()
    if administrator:
        Group.objects.get_or_create(name=ADMINISTRATORS_GROUP)[0].user_set.add(person)
    with django_assert_num_queries(1):
        user = backend().get_user(person.pk)
        assert is_portal_admin(user) is administrator


def test_an_inactive_person_is_not_loaded():
    person = UserFactory(is_active=False)
    assert PortalModelBackend().get_user(person.pk) is None


@pytest.mark.parametrize(
    "old_path",
    [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ],
)
def test_a_session_from_before_stays_signed_in_and_is_upgraded(client, old_path):
    person = UserFactory()
    client.force_login(person)
    session = client.session
    session[BACKEND_SESSION_KEY] = old_path
    session.save()
    response = client.get("/page-absente/")
    assert response.context["user"] == person
    assert client.session[BACKEND_SESSION_KEY].startswith("cdp_portal.accounts.backends.")
