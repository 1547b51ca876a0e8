"""allauth's e-mails greet and sign with the portal's name, in the reader's language, not
with the host name Django's stand-in for a Site carries."""

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

SIGNUP = {
    "display_name": "Louise Tremblay",
    "email": "louise.tremblay@example.org",
    "password1": "un-mot-de-passe-solide-2026",
    "password2": "un-mot-de-passe-solide-2026",
}


@pytest.mark.parametrize(
    ("language", "greeting", "thanks"),
    [
        ("fr", "Bonjour, c'est Portail CdP !", "Merci d'utiliser Portail CdP !"),
        ("en", "Hello from CoP Portal!", "Thank you for using CoP Portal!"),
    ],
)
def test_verification_email_greets_with_the_portal_name(
    client, django_capture_on_commit_callbacks, language, greeting, thanks
):
    client.cookies["django_language"] = language
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.body.startswith(greeting), message.body
    assert thanks in message.body
    assert "testserver!" not in message.body and "testserver !" not in message.body
