"""On a phone: no page scrolls sideways at 320 px (WCAG 1.4.10), the header folds to a
menu of at most 80 px at 390 px (with and without JavaScript), the readiness checklist
folds its sections to their progress, and a community's join button follows its title."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.helpers import another_browser, axe_check, login
from tests.factories import TEST_PASSWORD, CommunityFactory, UserFactory, make_member
from tests.forums.factories import general_forum, make_post, make_topic
from tests.readiness.factories import checklist_of, item_of, set_item
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.browser

SLUG = "pedagogie-active"
SMALL = {"width": 320, "height": 640}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
HEADER_MAX_PX = 80
# What a person pastes without thinking: an address with no place to break.
LONG_URL = "https://intranet.univ.example/" + "pedagogie-active-classe-inversee-" * 6 + "guide.pdf"


@pytest.fixture
def world(transactional_db):
    """Committed data (the live server reads it from another thread): a community in its
    decision phase with an animator and a member, a topic with a reply, a resource, a
    started checklist; and an open community the member has not joined."""
    call_command("load_checklist_templates", verbosity=0)
    community = CommunityFactory(
        name="Pédagogie active",
        slug=SLUG,
        phase="deciding",
        summary=f"Nos gabarits : {LONG_URL}",
        description=f"Le guide de départ est à l'adresse {LONG_URL}.",
    )
    animator = make_member(
        community,
        roles=("member", "animator"),
        user=UserFactory(display_name="Annie Tremblay", email="annie.tremblay@example.org"),
    )
    member = make_member(community, user=UserFactory(display_name="Marc Côté"))
    topic = make_topic(
        general_forum(community),
        member,
        title="Classe inversée : comment démarrer ?",
        body=f"Voici le gabarit que j'utilise : {LONG_URL}",
        tags=["classe-inversée"],
    )
    make_post(topic, animator, f"Merci ! Voir aussi {LONG_URL}")  # a notification for Marc
    resource = ResourceFactory(
        community=community,
        author=animator,
        title="Guide de la classe inversée",
        kind="link",
        url=LONG_URL,
        summary=f"Le guide complet : {LONG_URL}",
        tags=["classe-inversée"],
    )
    checklist_of(community)
    set_item(community, "strategic-theme", status="done")
    other = CommunityFactory(name="Vidéo en classe", slug="video-en-classe", visibility="open")
    make_member(other, roles=("member", "animator"))
    return {
        "community": community,
        "animator": animator,
        "member": member,
        "topic": topic,
        "resource": resource,
        "other": other,
    }


def _public_pages() -> list[str]:
    return ["/", "/accounts/login/", "/accounts/signup/"]


def _member_pages(world) -> list[str]:
    return [
        "/",
        "/communities/",
        f"/communities/{SLUG}/",
        general_forum(world["community"]).get_absolute_url(),
        world["topic"].get_absolute_url(),
        "/resources/",
        world["resource"].get_absolute_url(),
        "/resources/new/",
        "/members/",
        f"/members/{world['member'].profile.handle}/",
        "/search/?q=classe",
        "/notifications/",
        f"/communities/{SLUG}/readiness/",
        f"/communities/{SLUG}/readiness/dossier/",
        f"/communities/{SLUG}/members/",
    ]


def _overflow(page: Page) -> str | None:
    """None when the page fits its viewport's width, else what sticks out."""
    return page.evaluate(
        """() => {
          if (document.documentElement.scrollWidth <= window.innerWidth) return null;
          const wide = [...document.querySelectorAll('body *')]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .slice(0, 3).map((el) => el.tagName.toLowerCase() + '.' + [...el.classList].join('.'));
          return `${document.documentElement.scrollWidth} px wide (${wide.join(', ')})`;
        }"""
    )


def _header_height(page: Page) -> float:
    return page.get_by_role("banner").bounding_box()["height"]


def _check_pages(page: Page, paths: list[str], problems: list[str]) -> None:
    """At 320 px nothing scrolls sideways; at 390 px the header, closed, is at most
    80 px tall and axe-core finds nothing."""
    for path in paths:
        page.set_viewport_size(SMALL)
        response = page.goto(path)
        assert response.status == 200, path
        if overflow := _overflow(page):
            problems.append(f"{path} at 320 px: {overflow}")
        page.set_viewport_size(PHONE)
        if (height := _header_height(page)) > HEADER_MAX_PX:
            problems.append(f"{path} at 390 px: header {height:.0f} px tall")
        axe_check(page)


def test_no_page_scrolls_sideways_and_the_header_stays_compact(page, live_server, world):
    problems: list[str] = []
    _check_pages(page, _public_pages(), problems)
    login(page, live_server, world["animator"].email, TEST_PASSWORD)
    _check_pages(page, _member_pages(world), problems)
    assert not problems, "\n".join(problems)


def _nav(page: Page):
    return page.get_by_role("banner").get_by_role("navigation", name="Navigation principale")


def test_the_menu_button_opens_the_navigation(page, live_server, world):
    login(page, live_server, world["member"].email, TEST_PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto("/resources/")
    banner = page.get_by_role("banner")
    button = banner.get_by_role("button", name=re.compile(r"^Menu"))
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_contain_text("1 notification non lue")  # Marc's unread reply
    expect(_nav(page)).to_be_hidden()
    expect(banner.get_by_role("link", name="Menu")).to_have_count(0)  # the no-JS link, gone
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(_nav(page).get_by_role("link", name="Ressources")).to_have_attribute(
        "aria-current", "page"
    )
    expect(banner.get_by_label("Rechercher dans le portail")).to_be_visible()
    expect(banner.get_by_role("link", name=re.compile("^Notifications"))).to_be_visible()
    axe_check(page)
    # Escape, from inside the menu, closes it and gives the focus back to its button.
    _nav(page).get_by_role("link", name="Forums").focus()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(_nav(page)).to_be_hidden()
    # On a wide screen the header is as it was: no menu button, everything in sight.
    page.set_viewport_size(DESKTOP)
    expect(button).to_be_hidden()
    expect(_nav(page)).to_be_visible()
    expect(banner.get_by_label("Rechercher dans le portail")).to_be_visible()


def test_the_menu_opens_without_javascript(page, live_server, world):
    with another_browser(page, live_server, javascript=False, viewport=PHONE) as plain:
        plain.goto("/accounts/login/")
        banner = plain.get_by_role("banner")
        assert _header_height(plain) <= HEADER_MAX_PX
        expect(banner.get_by_role("link", name="Se connecter")).to_be_hidden()
        expect(banner.get_by_role("button", name="Menu")).to_have_count(0)
        banner.get_by_role("link", name="Menu").click()
        expect(banner.get_by_role("link", name="Créer un compte")).to_be_visible()
        expect(banner.get_by_role("button", name="English")).to_be_visible()
        # (No axe-core here: it runs as a script in the page, which this browser refuses.)
        banner.get_by_role("link", name="Fermer le menu").click()
        expect(banner.get_by_role("link", name="Créer un compte")).to_be_hidden()

        login(plain, live_server, world["member"].email, TEST_PASSWORD)
        assert _header_height(plain) <= HEADER_MAX_PX
        expect(_nav(plain)).to_be_hidden()
        banner.get_by_role("link", name=re.compile(r"^Menu")).click()
        _nav(plain).get_by_role("link", name="Communautés").click()
        plain.wait_for_url("**/communities/")
        expect(plain.get_by_role("heading", level=1)).to_be_visible()
        expect(_nav(plain)).to_be_hidden()  # a new page: the menu is closed again


def _section(page: Page, title: str):
    return page.get_by_role("main").locator("section.readiness-section", has_text=title)


def test_the_readiness_checklist_folds_its_sections_to_their_progress(page, live_server, world):
    community = world["community"]
    login(page, live_server, world["animator"].email, TEST_PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(f"/communities/{SLUG}/readiness/")
    sections = page.locator("section.readiness-section > details")
    expect(sections).to_have_count(6)
    # A finished section: folded to its title and "1 sur 1".
    theme = _section(page, "Une thématique porteuse")
    expect(theme.locator("details").first).not_to_have_attribute("open", "")
    expect(theme.locator("summary").first).to_contain_text("1 sur 1")
    expect(theme.locator("summary").first).to_contain_text("Terminée")
    expect(theme.get_by_role("heading", level=3)).to_be_hidden()
    # A section with work left: open, what is missing first, the rest folded under it.
    legitimacy = _section(page, "Une place légitime")
    summary = legitimacy.locator("summary").first
    expect(legitimacy.locator("details").first).to_have_attribute("open", "")
    done_before = int(re.search(r"(\d+) sur \d+", summary.inner_text()).group(1))
    expect(summary).to_contain_text("à faire")
    managers = item_of(community, "middle-managers")
    row = page.locator(f"#item-{managers.pk}")
    expect(row).to_be_visible()
    axe_check(page)
    # Done in place (htmx): the section's progress follows without a reload.
    row.get_by_role("link", name=re.compile(r"^Modifier")).click()
    row.locator("form").get_by_label("Statut").select_option(label="Fait")
    row.locator("form").get_by_role("button", name="Enregistrer").click()
    expect(row.locator("form")).to_have_count(0)
    expect(summary).to_contain_text(f"{done_before + 1} sur")
    # Reloaded, the item has joined the folded "done" list of its section.
    page.reload()
    settled = legitimacy.locator("details.readiness-settled")
    expect(settled).not_to_have_attribute("open", "")
    expect(page.locator(f"#item-{managers.pk}")).to_be_hidden()
    settled.locator("summary").click()
    expect(page.locator(f"#item-{managers.pk}")).to_be_visible()
    axe_check(page)


def test_the_join_button_follows_the_community_s_title(page, live_server, world):
    outsider = UserFactory(display_name="Sofia Nguyen")
    login(page, live_server, outsider.email, TEST_PASSWORD)
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.goto("/communities/video-en-classe/")
        join = page.get_by_role("main").get_by_role("button", name="Rejoindre la communauté")
        # Keyboard: the skip link, then past the breadcrumb's two links, the join button
        # (it was 38 stops away, after the whole description, in the side column).
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
        page.keyboard.press("Enter")
        stops = []
        for _ in range(3):
            page.keyboard.press("Tab")
            stops.append(page.evaluate("document.activeElement.textContent.trim()"))
        assert stops == ["Communautés", "Vidéo en classe", "Rejoindre la communauté"], stops
        expect(join).to_be_focused()
        if viewport is PHONE:
            assert join.bounding_box()["y"] + join.bounding_box()["height"] <= PHONE["height"]
        else:  # at the head of the side column, right of the description
            about = page.get_by_role("heading", name="À propos")
            assert join.bounding_box()["x"] > about.bounding_box()["x"] + 400
            assert join.bounding_box()["y"] < about.bounding_box()["y"] + 200
    page.set_viewport_size(PHONE)
    axe_check(page)
    join.click()
    expect(page.get_by_role("main")).to_contain_text("Vous êtes membre de cette communauté.")
