import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from cdp_portal.accounts.models import User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "display_name": "Louise Tremblay",
    "email": "louise.tremblay@example.org",
    "password1": "un-mot-de-passe-solide-2026",
    "password2": "un-mot-de-passe-solide-2026",
}


def test_signup_requires_email_verification_before_login(
    client, django_capture_on_commit_callbacks
):
    # The message leaves through the outbox once the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="louise.tremblay@example.org")
    assert user.display_name == "Louise Tremblay"
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    # Not verified yet: logging in leads back to the verification notice.
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response["Location"] == reverse("account_email_verification_sent")

    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    response = client.post(link.group(1))
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified


def test_signup_form_re_renders_with_values_and_french_errors(client):
    data = {**SIGNUP, "password2": "autre-chose"}
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="louise.tremblay@example.org"' in body
    assert 'value="Louise Tremblay"' in body
    assert "mot de passe" in body.lower()
    assert not User.objects.filter(email=SIGNUP["email"]).exists()


def test_signup_limited_to_the_institution_domains(client, settings):
    settings.PORTAL_ALLOWED_EMAIL_DOMAINS = ["univ.example"]
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 200
    assert "@univ.example" in response.content.decode()
    assert not User.objects.filter(email=SIGNUP["email"]).exists()

    allowed = {**SIGNUP, "email": "louise@univ.example"}
    response = client.post(reverse("account_signup"), allowed)
    assert response.status_code == 302
    assert User.objects.filter(email="louise@univ.example").exists()


def test_login_by_email_and_logout(client):
    user = UserFactory(email="marc@example.org")
    response = client.post(
        reverse("account_login"), {"login": "MARC@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").context["user"] == user
    client.post(reverse("account_logout"))
    assert not client.get("/").context["user"].is_authenticated


def test_failed_logins_are_rate_limited(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/key"}
    UserFactory(email="cible@example.org")
    for _ in range(3):
        response = client.post(
            reverse("account_login"), {"login": "cible@example.org", "password": "wrong"}
        )
        assert response.status_code == 200
    response = client.post(
        reverse("account_login"), {"login": "cible@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_password_reset_link_sets_a_new_password(client, django_capture_on_commit_callbacks):
    UserFactory(email="oubli@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "oubli@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    # allauth moves the key out of the URL into the session, then shows the form.
    response = client.get(link.group(1), follow=True)
    form_path = response.redirect_chain[-1][0]
    new_password = "un-nouveau-mot-de-passe-2026"
    mismatch = client.post(form_path, {"password1": new_password, "password2": "autre"})
    assert mismatch.status_code == 200
    assert "deux fois le même mot de passe" in mismatch.content.decode()
    response = client.post(form_path, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302

    old = client.post(
        reverse("account_login"), {"login": "oubli@example.org", "password": TEST_PASSWORD}
    )
    assert old.status_code == 200
    new = client.post(
        reverse("account_login"), {"login": "oubli@example.org", "password": new_password}
    )
    assert new.status_code == 302
    assert client.session["_auth_user_id"]


def test_password_reset_for_an_unknown_address_reveals_nothing(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "personne@example.org"})
    assert response.status_code == 302
    assert all("/accounts/password/reset/key/" not in message.body for message in mail.outbox)


def test_local_mail_backend_writes_one_file_per_message(tmp_path, settings):
    from django.core.mail import get_connection, send_mail

    connection = get_connection(
        "cdp_portal.core.mail.OneFilePerMessageBackend", file_path=str(tmp_path)
    )
    send_mail("Un", "corps", None, ["a@example.org"], connection=connection)
    send_mail("Deux", "corps", None, ["b@example.org"], connection=connection)
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2
    assert "Subject: Un" in files[0].read_text()
