import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_landing_page_pitches_communities_with_the_source_document_lists(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Gains de productivité" in body
    assert "Réduire la duplication" in body
    assert "Réduction de l&#x27;isolement" in body or "Réduction de l'isolement" in body
    assert reverse("account_signup") in body
    assert 'lang="fr"' in body


def test_landing_page_in_english_when_the_language_is_switched(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert 'lang="en"' in body
    assert "Productivity gains" in body
    assert "Gains de productivité" not in body


def test_signed_in_member_gets_the_dashboard(auth_client, user):
    response = auth_client.get("/")
    assert response.status_code == 200
    assert "home/dashboard.html" in [t.name for t in response.templates]
    assert user.display_name in response.content.decode()


@pytest.mark.parametrize("path", ["/admin/", "/accounts/email/", "/accounts/password/change/"])
def test_pages_other_than_landing_and_accounts_require_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_account_entrance_pages_are_public_and_use_the_portal_layout(client, path):
    response = client.get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="skip-link"' in body
    assert "site-header" in body


def test_healthz_answers_200_when_the_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    # The check opens a connection of its own from these parameters (see test_healthz.py
    # for a closed port and a server that never answers, without monkeypatching).
    from django.db import connection

    params = {**connection.get_connection_params(), "host": "127.0.0.1", "port": 1}
    monkeypatch.setattr(connection, "get_connection_params", lambda: params)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_unknown_page_renders_the_portal_404(auth_client):
    response = auth_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_security_headers_and_strict_csp(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_page_requests_a_third_party_host(client):
    body = client.get("/").content.decode()
    for marker in ('src="http', "src='http", 'href="http', "//cdn", "fonts.googleapis"):
        assert marker not in body


def test_error_templates_render_without_a_request(settings):
    from django.template import loader

    for name in ("403.html", "404.html", "500.html"):
        html = loader.get_template(name).render({})
        assert "<main" in html


def test_french_is_the_default_whatever_the_browser_prefers(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="fr"' in body
    assert "Gains de productivité" in body
