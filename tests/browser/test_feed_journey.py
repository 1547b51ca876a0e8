"""A member copies a forum's personal feed address with the copy button, a feed reader
(no cookie) reads it, then the member revokes it from their profile and the reader gets
a 404; without JavaScript the address is in a read-only field and no button shows."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import another_browser, axe_check, login
from tests.factories import TEST_PASSWORD, CommunityFactory, UserFactory, make_member
from tests.forums.factories import general_forum, make_topic

pytestmark = pytest.mark.browser

LABEL = "Votre adresse personnelle de ce fil, pour un lecteur de fils"


@pytest.fixture
def world(transactional_db):
    community = CommunityFactory(name="Classe inversée", slug="classe-inversee")
    member = make_member(community, user=UserFactory(email="ines@example.org"))
    forum = general_forum(community)
    make_topic(forum, member, title="Capsules vidéo : quelle durée ?", body="Dix minutes ?")
    return {"member": member, "forum": forum}


def test_copy_read_and_revoke_a_personal_feed_address(page: Page, live_server, world):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    login(page, live_server, "ines@example.org", TEST_PASSWORD)
    page.goto(world["forum"].get_absolute_url())
    field = page.get_by_label(LABEL)
    address = field.input_value()
    assert "/forums/classe-inversee/" in address and "?token=" in address
    expect(field).to_have_attribute("readonly", "")
    page.get_by_role("button", name="Copier").click()
    expect(page.locator("#announcements")).to_have_text("Adresse copiée.")
    assert page.evaluate("navigator.clipboard.readText()") == address
    axe_check(page)

    with another_browser(page, live_server) as feed_reader:
        response = feed_reader.request.get(address)
        assert response.status == 200
        assert "Capsules vidéo : quelle durée ?" in response.text()

        page.goto("/profile/edit/#feeds")
        page.get_by_role("button", name="Révoquer mes adresses de fils").click()
        expect(page.get_by_text("Vos adresses personnelles de fils sont révoquées")).to_be_visible()
        assert feed_reader.request.get(address).status == 404

        page.get_by_role("button", name="Créer mes adresses de fils").click()
        page.goto(world["forum"].get_absolute_url())
        new_address = page.get_by_label(LABEL).input_value()
        assert new_address != address
        assert feed_reader.request.get(new_address).status == 200


def test_without_javascript_the_address_is_in_a_field(page: Page, live_server, world):
    with another_browser(page, live_server, javascript=False) as no_script:
        login(no_script, live_server, "ines@example.org", TEST_PASSWORD)
        no_script.goto(world["forum"].get_absolute_url())
        expect(no_script.get_by_label(LABEL)).to_be_visible()
        expect(no_script.get_by_role("button", name="Copier")).to_be_hidden()
