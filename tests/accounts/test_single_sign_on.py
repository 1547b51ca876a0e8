"""Single sign-on end to end, against real identity providers on loopback (tests/idp/):
pysaml2's SAML 2.0 IdP and panva's oidc-provider. A `requests` session plays the
person's browser between the portal's live server and the provider's login page; the
portal talks to the provider over HTTP (metadata, token and userinfo endpoints) and the
provider reads the portal's SP metadata. Every scenario runs against both protocols."""

import html

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount

from cdp_portal.accounts.models import User
from cdp_portal.core.sso_settings import single_sign_on_providers
from communities.models import Profile
from communities.services import profile_ensure, profile_update
from tests.factories import TEST_PASSWORD, SuperUserFactory, UserFactory
from tests.idp.agent import Agent

pytestmark = pytest.mark.django_db(transaction=True)

LABELS = {"saml": "Université (SAML)", "oidc": "Université (OIDC)"}


@pytest.fixture(params=["saml", "oidc"])
def idp(request):
    """The portal set up for one identity provider (each test runs with both)."""
    provider = request.getfixturevalue(f"{request.param}_idp")
    provider.kind = request.param
    provider.label = LABELS[request.param]
    return provider


@pytest.fixture
def agent(portal_url):
    return Agent(portal_url)


def sign_in(agent, idp, login="camille", **kwargs):
    return agent.sign_in(idp.label, login, **kwargs)


def profile_of(email: str) -> Profile:
    return Profile.objects.select_related("user").get(user__email=email)


def test_first_sign_in_creates_the_account_and_its_profile(idp, agent):
    idp.set_users(idp.user("camille", email="camille.roy@univ.example"))
    page = sign_in(agent, idp)
    assert page.status_code == 200 and page.url.rstrip("/") == agent.portal_url
    assert "Camille Roy" in page.text  # the account menu
    user = User.objects.get(email="camille.roy@univ.example")
    assert (user.first_name, user.last_name, user.display_name) == ("Camille", "Roy", "Camille Roy")
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified
    profile = profile_of(user.email)
    assert (profile.unit, profile.campus, profile.job_title) == (
        "Faculté des sciences",
        "Campus principal",
        "Conseillère pédagogique",
    )
    assert profile.handle == "camille-roy"
    # The directory finds the person by the unit the IdP sent.
    assert Profile.objects.search("sciences").filter(pk=profile.pk).exists()
    # A second sign-in is the same account, not a new one.
    assert "Se déconnecter" in Agent(agent.portal_url).sign_in(idp.label, "camille").text
    assert User.objects.filter(email__iexact="camille.roy@univ.example").count() == 1
    assert SocialAccount.objects.filter(user=user).count() == 1


def test_the_page_asked_for_is_reached_after_signing_in(idp, agent):
    idp.set_users(idp.user("camille", email="camille@univ.example"))
    page = sign_in(agent, idp, next_path="/accounts/email/")
    assert page.url.endswith("/accounts/email/")
    assert "camille@univ.example" in page.text


def test_an_existing_verified_account_is_linked_not_duplicated(idp, agent):
    person = UserFactory(email="louise@univ.example", display_name="Louise T.")
    profile = profile_ensure(user=person)
    profile_update(
        profile=profile,
        user_fields={},
        profile_fields={"unit": "Bibliothèque"},
        expertise=[],
        interests=[],
    )
    idp.set_users(idp.user("louise", email="Louise@univ.example", unit="Autre unité"))
    page = sign_in(agent, idp, login="louise")
    assert "Louise T." in page.text
    assert User.objects.filter(email__iexact="louise@univ.example").count() == 1
    assert SocialAccount.objects.get().user == person
    person.refresh_from_db()
    assert person.has_usable_password()  # a verified account keeps its password
    # What the person wrote before linking stays; empty fields are filled.
    profile.refresh_from_db()
    assert profile.unit == "Bibliothèque"
    assert profile.campus == "Campus principal"


def test_an_unverified_account_is_neither_taken_over_nor_duplicated(idp, agent, mailoutbox):
    squatter = UserFactory(email="marc@univ.example", verified=False)
    idp.set_users(idp.user("marc", email="marc@univ.example"))
    page = sign_in(agent, idp, login="marc")
    assert page.status_code == 403
    assert "Un compte attend la confirmation de cette adresse" in page.text
    assert "Mon profil" not in page.text  # not signed in
    assert not SocialAccount.objects.exists()
    assert User.objects.filter(email__iexact="marc@univ.example").count() == 1
    squatter.refresh_from_db()
    assert squatter.has_usable_password()
    # The address is sent a confirmation link; once followed, the next sign-in links.
    assert [message.to for message in mailoutbox] == [["marc@univ.example"]]
    EmailAddress.objects.filter(user=squatter).update(verified=True)
    assert "Se déconnecter" in Agent(agent.portal_url).sign_in(idp.label, "marc").text
    assert SocialAccount.objects.get().user == squatter


def test_an_address_outside_the_institution_domains_is_refused(idp, agent, settings):
    settings.PORTAL_ALLOWED_EMAIL_DOMAINS = ["univ.example"]
    idp.set_users(idp.user("guest", email="guest@gmail.example"))
    page = sign_in(agent, idp, login="guest")
    assert page.status_code == 403
    assert "Cette adresse n'est pas acceptée sur le portail" in html.unescape(page.text)
    assert "@univ.example" in page.text
    assert not User.objects.exists()


def test_the_profile_is_refreshed_at_each_sign_in_unless_edited_on_the_portal(idp, portal_url):
    idp.set_users(idp.user("camille", email="camille@univ.example"))
    Agent(portal_url).sign_in(idp.label, "camille")
    profile = profile_of("camille@univ.example")
    # The person corrects their job title on the portal; the IdP then changes all three.
    profile_update(
        profile=profile,
        user_fields={},
        profile_fields={"job_title": "Conseillère technopédagogique"},
        expertise=[],
        interests=[],
    )
    idp.set_users(
        idp.user(
            "camille",
            email="camille@univ.example",
            unit="Faculté d'éducation",
            campus="Campus de Longueuil",
            job_title="Directrice",
        )
    )
    Agent(portal_url).sign_in(idp.label, "camille")
    profile.refresh_from_db()
    assert profile.unit == "Faculté d'éducation"
    assert profile.campus == "Campus de Longueuil"
    assert profile.job_title == "Conseillère technopédagogique"
    # An attribute the IdP no longer sends leaves the field as it is.
    idp.set_users(idp.user("camille", email="camille@univ.example", unit=None))
    Agent(portal_url).sign_in(idp.label, "camille")
    profile.refresh_from_db()
    assert profile.unit == "Faculté d'éducation"
    assert profile.campus == "Campus principal"


def test_signing_out_ends_the_portal_session(idp, agent):
    idp.set_users(idp.user("camille", email="camille@univ.example"))
    page = sign_in(agent, idp)
    assert "Se déconnecter" in page.text
    page = agent.submit(page, button="Se déconnecter")
    assert page.url.rstrip("/") == agent.portal_url
    assert "Se déconnecter" not in page.text
    assert agent.get("/accounts/email/").url.endswith("/accounts/login/?next=/accounts/email/")


def test_a_wrong_password_at_the_provider_stays_there(idp, agent):
    idp.set_users(idp.user("camille", email="camille@univ.example"))
    page = sign_in(agent, idp, password="not-it")
    assert "Identifiant ou mot de passe incorrect." in page.text
    assert not User.objects.exists()


def test_cancelling_at_the_provider_gives_a_clear_page(idp, agent):
    idp.set_users(idp.user("camille", email="camille@univ.example"))
    login_page = agent.get("/accounts/login/")
    idp_page = agent.submit(login_page, button=idp.label)
    page = agent.follow_post_binding(agent.submit(idp_page, button="Annuler"))
    # OIDC: access_denied, "cancelled"; SAML: the status AuthnFailed, an error.
    assert page.status_code in (200, 401)
    assert "Connexion annulée" in page.text or "La connexion n'a pas abouti" in page.text
    assert "Retour à la connexion" in page.text
    assert not User.objects.exists()


def test_a_response_signed_with_another_key_is_refused(saml_idp, agent):
    saml_idp.set_users(saml_idp.user("mallory", email="mallory@univ.example", rogue=True))
    page = agent.sign_in(LABELS["saml"], "mallory")
    assert page.status_code == 401
    assert "La connexion n'a pas abouti" in page.text
    assert not User.objects.exists()


def test_a_client_secret_the_provider_refuses_gives_a_clear_page(oidc_idp, agent, settings):
    environment = oidc_idp.environment(PORTAL_OIDC_CLIENT_SECRET="not-the-secret")
    settings.SOCIALACCOUNT_PROVIDERS = single_sign_on_providers(environment)
    oidc_idp.set_users(oidc_idp.user("camille", email="camille@univ.example"))
    page = agent.sign_in(LABELS["oidc"], "camille")
    assert page.status_code == 401
    assert "La connexion n'a pas abouti" in page.text
    assert not User.objects.exists()


@pytest.mark.parametrize("kind", ["saml", "oidc"])
def test_a_provider_that_cannot_be_reached_gives_a_clear_page(kind, agent, settings):
    from tests.idp.servers import free_port

    down = f"http://127.0.0.1:{free_port()}"
    environment = (
        {"PORTAL_SAML_IDP_METADATA_URL": f"{down}/metadata", "PORTAL_SAML_LABEL": "SAML"}
        if kind == "saml"
        else {
            "PORTAL_OIDC_SERVER_URL": down,
            "PORTAL_OIDC_CLIENT_ID": "x",
            "PORTAL_OIDC_CLIENT_SECRET": "y",
            "PORTAL_OIDC_LABEL": "OIDC",
        }
    )
    settings.SOCIALACCOUNT_PROVIDERS = single_sign_on_providers(environment)
    page = agent.submit(
        agent.get("/accounts/login/"),
        button=environment.get("PORTAL_SAML_LABEL", environment.get("PORTAL_OIDC_LABEL")),
    )
    assert page.status_code == 502
    assert "ne répond pas pour le moment" in page.text


# --- Staff and the second factor --------------------------------------------------------


@pytest.fixture
def staff_with_authenticator():
    staff = SuperUserFactory(email="admin@univ.example", display_name="Ada Admin")
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={})
    return staff


def test_a_second_factor_asserted_by_the_provider_is_not_asked_again(
    idp, agent, staff_with_authenticator
):
    idp.set_users(idp.user("ada", email="admin@univ.example", mfa=True))
    page = sign_in(agent, idp, login="ada")
    assert "/accounts/2fa/" not in page.url
    assert "Ada Admin" in page.text
    assert agent.get("/admin/").status_code == 200


def test_without_it_the_portal_asks_its_own_code(idp, agent, staff_with_authenticator):
    idp.set_users(idp.user("ada", email="admin@univ.example", mfa=False))
    page = sign_in(agent, idp, login="ada")
    assert page.url.endswith("/accounts/2fa/authenticate/")
    assert "Ada Admin" not in page.text
    assert not agent.get("/admin/").url.endswith("/admin/")  # not signed in yet


def test_the_staff_rule_is_met_for_a_session_whose_provider_asserted_a_second_factor(
    idp, portal_url, settings
):
    settings.PORTAL_STAFF_MFA_REQUIRED = True
    SuperUserFactory(email="admin@univ.example")
    idp.set_users(idp.user("ada", email="admin@univ.example", mfa=True))
    with_mfa = Agent(portal_url)
    with_mfa.sign_in(idp.label, "ada")
    assert with_mfa.get("/admin/").url.endswith("/admin/")

    idp.set_users(idp.user("ada", email="admin@univ.example", mfa=False))
    without = Agent(portal_url)
    without.sign_in(idp.label, "ada")
    refused = without.get("/admin/")
    assert [page.url for page in refused.history][1].endswith("/accounts/2fa/totp/activate/")


# --- Password sign-in switched off ------------------------------------------------------


def test_with_password_login_off_the_provider_is_the_only_way_in(idp, agent, settings):
    settings.PORTAL_PASSWORD_LOGIN = False
    UserFactory(email="louise@univ.example")
    login_page = agent.get("/accounts/login/")
    assert idp.label in login_page.text
    assert 'name="password"' not in login_page.text
    assert "Créer un compte" not in login_page.text
    for path in ("/accounts/signup/", "/accounts/password/reset/"):
        page = agent.get(path)
        assert page.status_code == 403, path
        assert "Connexion par mot de passe désactivée" in page.text
        assert idp.label in page.text
    # A password posted anyway (an old bookmark, a script) is refused, not checked.
    credentials = {
        "login": "louise@univ.example",
        "password": TEST_PASSWORD,
        "csrfmiddlewaretoken": agent.session.cookies["csrftoken"],
    }
    page = agent.session.post(f"{agent.portal_url}/accounts/login/", data=credentials)
    assert page.status_code == 403
    assert "Se déconnecter" not in page.text
    # The identity provider still signs people in, new ones included.
    idp.set_users(idp.user("camille", email="camille@univ.example"))
    page = sign_in(agent, idp)
    assert "Se déconnecter" in page.text
    assert "/accounts/password/change/" not in page.text
    assert agent.get("/accounts/password/change/").status_code == 403
