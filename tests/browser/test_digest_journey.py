"""A member gets a weekly digest; from the e-mail's link (no session: another browser),
the page asks before changing anything, the button unsubscribes; a damaged link gets a
clear page. Then, signed in, the member chooses the daily digest on their profile. axe on
every page met, in French and in English."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from communities.models import Profile
from digests.periods import Frequency
from digests.tokens import unsubscribe_token
from tests.browser.helpers import another_browser, axe_check, login
from tests.factories import TEST_PASSWORD, CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.browser


@pytest.fixture
def member(transactional_db):
    community = CommunityFactory(name="Classe inversée", slug="classe-inversee")
    return make_member(community, user=UserFactory(email="ines@example.org"))


def choice() -> str:
    return Profile.objects.get(user__email="ines@example.org").digest_frequency


def test_unsubscribe_from_the_e_mail_link_then_choose_daily(page: Page, live_server, member):
    token = unsubscribe_token(member.pk, Frequency.WEEKLY)
    address = live_server.url + reverse("digests:unsubscribe", args=[token])
    with another_browser(page, live_server) as mail_reader:
        mail_reader.goto(address)
        expect(mail_reader.get_by_role("heading", level=1)).to_have_text(
            "Se désabonner du résumé par courriel"
        )
        axe_check(mail_reader)
        assert choice() == Frequency.WEEKLY  # opening the link changes nothing
        mail_reader.get_by_role("button", name="Me désabonner").click()
        expect(mail_reader.get_by_role("status")).to_contain_text(
            "vous ne recevrez plus le résumé hebdomadaire"
        )
        axe_check(mail_reader)
        assert choice() == Frequency.NONE

        response = mail_reader.goto(address[:-8] + "abcdefg/")
        assert response.status == 400
        expect(mail_reader.get_by_role("heading", level=1)).to_have_text(
            "Lien de désabonnement invalide"
        )
        axe_check(mail_reader)

        mail_reader.goto(address)
        mail_reader.get_by_role("button", name="English").click()
        expect(mail_reader.locator("html")).to_have_attribute("lang", "en")
        expect(mail_reader.get_by_text("You no longer receive the weekly digest")).to_be_visible()
        axe_check(mail_reader)

    login(page, live_server, "ines@example.org", TEST_PASSWORD)
    page.goto("/profile/edit/#digest")
    digest = page.get_by_role("group", name="Résumé par courriel")
    expect(digest).to_contain_text("Par défaut : chaque semaine.")
    digest.get_by_label("Chaque jour, le matin").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Votre profil a été enregistré.")).to_be_visible()
    assert choice() == Frequency.DAILY
