"""axe-core finds no accessibility violation on the portal's entrance pages."""

import pytest

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
