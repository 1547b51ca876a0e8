"""The admin has no login form of its own: everyone signs in through allauth."""

import pytest

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
