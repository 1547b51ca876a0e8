"""axe-core finds no accessibility violation in Django admin, in French and in English:
the index, a changelist (breadcrumbs, yes/no icons) and a community's change form, with
its sponsor autocomplete closed, open and filled."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import axe_check
from tests.factories import TEST_PASSWORD, CommunityFactory, SuperUserFactory, UserFactory

pytestmark = pytest.mark.browser

HEADERS = {"fr": "Portail des communautés de pratique", "en": "Communities of practice portal"}
SPONSOR_LABELS = {"fr": "Parrain·marraine", "en": "Sponsor"}


def sign_into_the_admin(page: Page, live_server, email: str, language: str) -> None:
    """From /admin/ to the portal's login form (the admin has none of its own) and back."""
    if language != "fr":
        # What the language switcher leaves behind (the admin has no switcher).
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
    page.goto("/admin/")
    page.wait_for_url("**/accounts/login/?next=/admin/")
    form = page.locator("main form")
    form.locator('input[name="login"]').fill(email)
    form.locator('input[name="password"]').fill(TEST_PASSWORD)
    form.locator('button[type="submit"]').click()
    page.wait_for_url("**/admin/")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_admin_pages_have_no_axe_violations(page, live_server, language):
    administrator = SuperUserFactory(display_name="Hélène Administratrice")
    UserFactory(display_name="Michèle Marraine")
    community = CommunityFactory(name="Pédagogie active")
    sign_into_the_admin(page, live_server, administrator.email, language)

    expect(page.locator("#site-name")).to_have_text(HEADERS[language])
    axe_check(page)

    # A changelist: breadcrumbs, yes/no icons, filters.
    page.goto("/admin/accounts/user/")
    expect(page.locator("div.breadcrumbs a").first).to_have_css("text-decoration-line", "underline")
    axe_check(page)

    # A community's change form, its sponsor chosen through the autocomplete.
    page.goto(f"/admin/communities/community/{community.pk}/change/")
    label = SPONSOR_LABELS[language]
    sponsor = page.get_by_role("combobox", name=re.compile(rf"^{label}"))
    expect(sponsor).to_be_visible()
    axe_check(page)
    sponsor.click()
    search = page.get_by_role("searchbox", name=re.compile(rf"^{label}"))
    expect(search).to_be_focused()
    choices = page.locator(".select2-results").get_by_role("option")
    expect(choices).to_have_text(["Hélène Administratrice", "Michèle Marraine"])
    axe_check(page)
    search.fill("Michèle")
    expect(choices).to_have_text(["Michèle Marraine"])
    page.keyboard.press("Enter")
    expect(sponsor).to_have_accessible_name(re.compile(rf"^{label}.*Michèle Marraine$"))
    axe_check(page)
