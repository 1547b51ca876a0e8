"""axe-core finds no accessibility violation on the portal's entrance pages."""

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
