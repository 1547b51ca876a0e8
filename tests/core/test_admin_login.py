"""The admin has no login form of its own: everyone signs in through allauth."""

import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD, SuperUserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_admin_visit_ends_on_the_portal_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1] == ("/accounts/login/?next=/admin/", 302)
    assert response.status_code == 200


def test_the_admin_login_form_cannot_be_used_to_sign_in(client):
    admin = SuperUserFactory()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": admin.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
    assert "_auth_user_id" not in client.session


def test_a_foreign_next_is_dropped(client):
    response = client.get("/admin/login/", {"next": "https://evil.example/admin/"})
    assert response["Location"] == "/accounts/login/?next=/admin/"


def test_admin_next_path_is_kept(client):
    response = client.get("/admin/login/", {"next": "/admin/communities/membership/"})
    assert response["Location"] == "/accounts/login/?next=/admin/communities/membership/"


def test_a_signed_in_member_without_admin_access_gets_403_not_a_loop(auth_client):
    response = auth_client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_an_administrator_signed_in_at_the_portal_reaches_the_admin(admin_client):
    assert admin_client.get("/admin/").status_code == 200


# --- Two-factor authentication for staff (PORTAL_STAFF_MFA_REQUIRED) ---------------------


@pytest.fixture
def mfa_required(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = True


def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, mfa_required):
    client.force_login(SuperUserFactory())
    response = client.get("/admin/forums/topic/", follow=True)
    assert response.redirect_chain[0] == (reverse("mfa_activate_totp"), 302)
    assert "double authentification" in response.content.decode()


def test_staff_with_an_authenticator_app_reach_the_admin(client, mfa_required):
    from allauth.mfa.models import Authenticator

    admin = SuperUserFactory()
    Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={})
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200


def test_recovery_codes_alone_are_not_a_second_factor(client, mfa_required):
    from allauth.mfa.models import Authenticator

    admin = SuperUserFactory()
    Authenticator.objects.create(user=admin, type=Authenticator.Type.RECOVERY_CODES, data={})
    client.force_login(admin)
    assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")


def test_members_and_the_rest_of_the_site_are_not_concerned(client, user, mfa_required):
    client.force_login(user)
    assert client.get("/").status_code == 200
    client.force_login(SuperUserFactory(email="chef@example.org"))
    assert client.get("/communities/").status_code == 200
