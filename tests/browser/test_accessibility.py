"""axe-core finds no accessibility violation on the portal's entrance pages and a few others."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import axe_check, login
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/"])
def test_public_pages_have_no_axe_violations(page, path):
    page.goto(path)
    axe_check(page)


def test_dashboard_has_no_axe_violations(page, live_server):
    member = UserFactory(display_name="Aïcha Benali")
    login(page, live_server, member.email, TEST_PASSWORD)
    axe_check(page)
    # The account menu, opened, too.
    page.get_by_role("banner").locator("details.account-menu summary").click()
    axe_check(page)


def test_global_search_has_no_axe_violations(page, live_server):
    from tests.factories import CommunityFactory, make_member
    from tests.resources.factories import ResourceFactory

    community = CommunityFactory(name="Pédagogie active", summary="Classes inversées")
    member = make_member(community)
    ResourceFactory(community=community, title="Guide de la pédagogie active", tags=["guide"])
    login(page, live_server, member.email, TEST_PASSWORD)
    # From the header's search box, on any page.
    page.get_by_role("banner").get_by_label("Rechercher dans le portail").fill("pedagogie")
    page.get_by_role("banner").get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/search/?q=pedagogie")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Guide de la pédagogie active")
    expect(page.locator("main")).to_contain_text("Pédagogie active")
    axe_check(page)
    page.goto("/search/")
    axe_check(page)


def test_open_calls_and_a_tag_page_have_no_axe_violations(page, live_server):
    from tests.factories import CommunityFactory, make_member
    from tests.forums.factories import calls_forum, make_post, make_topic

    community = CommunityFactory(name="Pédagogie active")
    member, helper = make_member(community), make_member(community)
    answered = make_topic(calls_forum(community), member, title="Quiz Moodle ?",
                          tags=["moodle"], is_call_for_help=True)  # fmt: skip
    make_post(answered, helper)
    make_topic(calls_forum(community), member, title="Sous-titres ?", tags=["vidéo"],
               is_call_for_help=True)  # fmt: skip
    login(page, live_server, helper.email, TEST_PASSWORD)
    page.goto("/forums/")
    page.get_by_role("main").get_by_role("link", name="Appels à tous ouverts").click()
    page.wait_for_url("**/forums/calls/")
    expect(page.get_by_role("main")).to_contain_text("pas encore de réponse")
    axe_check(page)
    # Following one of the calls' tags from its tag page.
    page.get_by_role("main").get_by_role("link", name="moodle", exact=True).click()
    page.get_by_role("button", name="Suivre cette étiquette").click()
    expect(page.get_by_role("status")).to_contain_text("Vous suivez l'étiquette « moodle ».")
    expect(page.get_by_role("button", name="Ne plus suivre cette étiquette")).to_be_visible()
    axe_check(page)


def test_error_pages_have_no_axe_violations(page, live_server):
    # A NUL byte in the address: the 400 page, in the portal's layout.
    response = page.goto("/accounts/login/?next=%00")
    assert response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Requête invalide")
    axe_check(page)
    # A form whose security cookie has gone (a page left open, cookies cleared meanwhile).
    page.goto("/accounts/login/")
    page.context.clear_cookies()
    form = page.locator("main form")
    form.get_by_label("Courriel").fill("personne@example.org")
    form.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill("peu-importe-2026")
    form.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Formulaire expiré")
    axe_check(page)
