"""A colleague signs in through the institution's identity provider, in a real browser:
the login page offers it first, the IdP's own page (pysaml2's SAML IdP on loopback, whose
answer a script posts back) signs them in, the portal creates their account and profile.
Then the pages a refused or cancelled sign-in shows, and the portal with password sign-in
off. axe-core on every portal page of the journey."""

import re

import pytest
from playwright.sync_api import Page, expect

from communities.models import Profile
from tests.browser.helpers import axe_check

pytestmark = pytest.mark.browser

LABEL = "Se connecter avec Université (SAML)"


@pytest.fixture
def idp(saml_idp, transactional_db):
    saml_idp.set_users(
        {
            **saml_idp.user("camille", email="camille.roy@univ.example"),
            **saml_idp.user("guest", email="guest@elsewhere.example"),
        }
    )
    return saml_idp


def _through_the_idp(page: Page, portal_url: str, login: str) -> None:
    page.goto(f"{portal_url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    page.get_by_role("button", name=LABEL).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à l'établissement (SAML)")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill("idp-password")
    page.get_by_role("button", name="Se connecter").click()


def test_sign_in_through_the_identity_provider(page: Page, portal_url, idp):
    page.goto(f"{portal_url}/accounts/login/")
    # The institution's button comes before the password form.
    sso = page.get_by_role("button", name=LABEL)
    password = page.get_by_role("button", name="Connexion")
    assert sso.bounding_box()["y"] < password.bounding_box()["y"]
    axe_check(page)

    _through_the_idp(page, portal_url, "camille")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
    axe_check(page)
    profile = Profile.objects.get(user__email="camille.roy@univ.example")
    assert profile.unit == "Faculté des sciences"

    page.get_by_text("Camille Roy", exact=True).click()  # the account menu
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Se connecter")).to_be_visible()


def test_a_refused_sign_in_says_why(page: Page, portal_url, idp, settings):
    settings.PORTAL_ALLOWED_EMAIL_DOMAINS = ["univ.example"]
    _through_the_idp(page, portal_url, "guest")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cette adresse n'est pas acceptée sur le portail"
    )
    axe_check(page)
    page.get_by_role("link", name="Retour à la connexion").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_cancelling_at_the_identity_provider(page: Page, portal_url, idp):
    page.goto(f"{portal_url}/accounts/login/")
    page.get_by_role("button", name=LABEL).click()
    page.get_by_role("button", name="Annuler").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("La connexion n'a pas abouti")
    axe_check(page)


def test_with_password_login_off(page: Page, portal_url, idp, settings):
    settings.PORTAL_PASSWORD_LOGIN = False
    page.goto(f"{portal_url}/")
    expect(page.get_by_role("banner").get_by_role("link", name="Créer un compte")).to_have_count(0)
    page.goto(f"{portal_url}/accounts/login/")
    expect(page.get_by_label("Mot de passe")).to_have_count(0)
    axe_check(page)
    page.goto(f"{portal_url}/accounts/password/reset/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Connexion par mot de passe désactivée"
    )
    axe_check(page)
    page.get_by_role("button", name=LABEL).click()
    page.get_by_label("Identifiant").fill("camille")
    page.get_by_label("Mot de passe").fill("idp-password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
