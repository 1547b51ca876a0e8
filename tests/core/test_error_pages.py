"""The CSRF-failure (403) and rate-limit (429) pages: the portal's layout, in the
person's language, with the right status."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _in(language: str, msgid: str) -> str:
    # The text as the catalogue renders it in `language` (the msgid until it is translated).
    with translation.override(language):
        return gettext(msgid)


def _assert_portal_layout(body: str, language: str) -> None:
    assert f'lang="{language}"' in body
    assert 'class="skip-link"' in body
    assert _in(language, "Aller au contenu") in body
    assert 'class="site-header"' in body


def test_a_post_without_csrf_token_gets_the_portal_page_in_french():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "a@example.org", "password": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    _assert_portal_layout(body, "fr")
    assert "Formulaire expiré" in body
    assert "rechargez-la" in body
    # Django's own page names the failed check; ours keeps it to itself.
    assert "CSRF" not in body
    # Rendered with the request: the language switcher works from this page and comes back.
    assert 'name="csrfmiddlewaretoken"' in body
    assert 'name="next" value="/accounts/login/"' in body


def test_a_post_without_csrf_token_gets_the_portal_page_in_english_with_the_cookie():
    client = Client(enforce_csrf_checks=True)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("account_login"), {"login": "a@example.org", "password": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    _assert_portal_layout(body, "en")
    assert _in("en", "Formulaire expiré") in body
    assert "Skip to content" in body


def test_a_signed_in_member_with_an_expired_form_gets_the_page_too():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.post(reverse("directory:profile_edit"), {"display_name": "x"})
    assert response.status_code == 403
    _assert_portal_layout(response.content.decode(), "fr")


def _exceed_login_limit(client: Client, settings) -> object:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    UserFactory(email="cible@example.org")
    for _attempt in range(3):
        response = client.post(
            reverse("account_login"), {"login": "cible@example.org", "password": "faux"}
        )
        assert response.status_code == 200
    return client.post(
        reverse("account_login"), {"login": "cible@example.org", "password": TEST_PASSWORD}
    )


def test_too_many_login_attempts_get_the_portal_429_page_in_french(client, settings):
    response = _exceed_login_limit(client, settings)
    assert response.status_code == 429
    body = response.content.decode()
    _assert_portal_layout(body, "fr")
    assert "Trop de tentatives" in body
    assert "_auth_user_id" not in client.session


def test_too_many_login_attempts_get_the_portal_429_page_in_english(client, settings):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _exceed_login_limit(client, settings)
    assert response.status_code == 429
    body = response.content.decode()
    _assert_portal_layout(body, "en")
    assert _in("en", "Trop de tentatives") in body
