"""Find an expert by tag, open the profile, join an open community, ask to join a closed
one; the animator approves the request and the member is in."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from communities.models import Membership
from tests.browser.helpers import another_browser, axe_check, email_link, latest_email, login
from tests.factories import (
    TEST_PASSWORD,
    CommunityFactory,
    ProfileFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    """Committed data (the live server reads it from another thread)."""
    open_community = CommunityFactory(
        name="Pédagogie active",
        slug="pedagogie-active",
        visibility="open",
        summary="Classes inversées et apprentissage par projets",
    )
    closed_community = CommunityFactory(
        name="Évaluation des apprentissages",
        slug="evaluation-apprentissages",
        visibility="closed",
        summary="Concevoir des évaluations justes",
    )
    make_member(open_community, roles=("animator",), user=UserFactory(display_name="Jean Roy"))
    animator = make_member(
        closed_community,
        roles=("animator",),
        user=UserFactory(display_name="Annie Tremblay", email="annie.tremblay@example.org"),
    )
    expert = ProfileFactory(
        user=UserFactory(display_name="Hélène Gagnon"),
        handle="helene-gagnon",
        job_title="Conseillère en évaluation",
        bio="J'accompagne les équipes qui **repensent leurs évaluations**.",
        ask_me_about=True,
    )
    expert.expertise.add("évaluation", "Moodle")
    make_member(open_community, roles=("member", "coach"), user=expert.user)
    # Someone whose name does not match the search, to see the search narrow the list.
    other = ProfileFactory(user=UserFactory(display_name="Paul Bouchard"), handle="paul-bouchard")
    other.expertise.add("podcast")
    member = UserFactory(display_name="Karim Haddad", email="karim.haddad@example.org")
    ProfileFactory(user=member, handle="karim-haddad", job_title="Chargé de cours")
    return {
        "open": open_community,
        "closed": closed_community,
        "animator": animator,
        "expert": expert,
        "member": member,
    }


def test_find_an_expert_join_communities_and_get_a_request_approved(
    page, live_server, mail_dir, world
):
    login(page, live_server, world["member"].email, TEST_PASSWORD)
    _member_searches_the_directory_without_accents(page)
    _member_follows_the_expertise_tag_to_the_expert(page)
    _member_joins_the_open_community(page)
    _member_asks_to_join_the_closed_community(page)
    _member_says_what_they_are_curious_about(page)
    with another_browser(page, live_server) as animator_page:
        _animator_approves_the_request(animator_page, live_server, world["animator"])
    assert Membership.objects.get(user=world["member"], community=world["closed"]).is_active
    _member_follows_the_approval_email(page, mail_dir, world["member"])


def _participation(page: Page) -> Locator:
    """The community page's section saying whether and how one takes part."""
    return page.get_by_role("main").locator("section", has=page.locator("#participation-title"))


def _member_searches_the_directory_without_accents(page: Page) -> None:
    """The directory: everyone, then a search typed without accents."""
    main = page.get_by_role("main")
    page.goto("/members/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuaire des membres")
    cards = main.locator("li.member-card")
    expect(cards.filter(has_text="Paul Bouchard")).to_have_count(1)
    axe_check(page)
    search = main.get_by_role("search")  # not the header's box
    search.get_by_role("searchbox", name="Rechercher").fill("evaluation")
    search.get_by_role("button", name="Rechercher").click()
    page.wait_for_url(re.compile(r"/members/\?(.*&)?q=evaluation"))
    expect(cards).to_have_count(1)
    card = cards.first
    expect(card).to_contain_text("Hélène Gagnon")
    expect(card).to_contain_text("On peut me consulter")
    axe_check(page)


def _member_follows_the_expertise_tag_to_the_expert(page: Page) -> None:
    """The found card's accented expertise tag leads to its "who knows what" page, and
    from there to the expert's profile."""
    main = page.get_by_role("main")
    card = main.locator("li.member-card").first
    card.get_by_role("link", name="évaluation", exact=True).click()
    page.wait_for_url(re.compile(r"/tags/(%C3%A9|é)valuation/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("évaluation")
    experts = main.locator("section#experts")
    expect(experts).to_contain_text("Hélène Gagnon")
    axe_check(page)

    experts.get_by_role("link", name="Hélène Gagnon").click()
    page.wait_for_url(re.compile(r"/members/helene-gagnon/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hélène Gagnon")
    expect(main).to_contain_text("Conseillère en évaluation")
    expect(main.locator(".prose strong")).to_have_text("repensent leurs évaluations")
    communities = main.locator("section", has=page.locator("#communities-title"))
    expect(communities.get_by_role("link", name="Pédagogie active")).to_be_visible()
    expect(communities).to_contain_text("Coach")
    axe_check(page)


def _member_joins_the_open_community(page: Page) -> None:
    """The expert's community is open: joined at once, and its members page lists the
    newcomer."""
    main = page.get_by_role("main")
    participation = _participation(page)
    page.goto("/communities/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Communautés de pratique")
    axe_check(page)
    main.get_by_role("link", name="Pédagogie active").click()
    page.wait_for_url(re.compile(r"/communities/pedagogie-active/$"))
    axe_check(page)
    participation.get_by_role("button", name="Rejoindre la communauté").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Bienvenue dans la communauté Pédagogie active."
    )
    expect(participation).to_contain_text("Vous êtes membre de cette communauté.")
    axe_check(page)

    main.get_by_role("link", name=re.compile(r"^3 membres$")).click()
    page.wait_for_url(re.compile(r"/communities/pedagogie-active/members/$"))
    expect(main).to_contain_text("Karim Haddad")
    axe_check(page)


def _member_asks_to_join_the_closed_community(page: Page) -> None:
    """A request with a message, which waits for the animator."""
    main = page.get_by_role("main")
    participation = _participation(page)
    page.goto("/communities/")
    main.get_by_role("link", name="Évaluation des apprentissages").click()
    page.wait_for_url(re.compile(r"/communities/evaluation-apprentissages/$"))
    expect(participation).to_contain_text("soumise à l'accord de l'animation")
    axe_check(page)
    participation.get_by_role("textbox").fill("Je donne un cours de 300 étudiants.")
    participation.get_by_role("button", name="Demander à rejoindre").click()
    expect(page.get_by_role("status")).to_contain_text("transmise à l'animation")
    expect(participation).to_contain_text("attend la réponse de l'animation")
    axe_check(page)
    # The list says so on the card too.
    page.goto("/communities/")
    expect(
        main.locator("li.community-card", has_text="Évaluation des apprentissages")
    ).to_contain_text("Demande envoyée")


def _member_says_what_they_are_curious_about(page: Page) -> None:
    """Meanwhile, on their own profile: their interests, and that only what concerns them
    directly should reach their mailbox."""
    main = page.get_by_role("main")
    page.goto("/profile/edit/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("profil")
    axe_check(page)
    edit = main.locator("form")
    edit.get_by_label(re.compile(r"^Intérêts")).fill("évaluation, classe inversée")
    edit.get_by_role("group", name="Notifications par courriel").get_by_label(
        re.compile("Seulement ce qui me concerne directement")
    ).check()
    edit.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(re.compile(r"/members/karim-haddad/$"))
    expect(page.get_by_role("status")).to_contain_text("Votre profil a été enregistré.")
    interests = main.locator("section", has=page.locator("#interests-title"))
    interests.get_by_role("link", name="évaluation", exact=True).click()
    page.wait_for_url(re.compile(r"/tags/(%C3%A9|é)valuation/$"))
    expect(main.locator("section#interested")).to_contain_text("Karim Haddad")


def _animator_approves_the_request(animator_page: Page, live_server, animator) -> None:
    """At another computer, the animator sees the request on the dashboard."""
    login(animator_page, live_server, animator.email, TEST_PASSWORD)
    panel = animator_page.locator("section", has=animator_page.locator("#panel-pending-requests"))
    panel.get_by_role("link", name="Évaluation des apprentissages : 1 demande d'adhésion").click()
    animator_page.wait_for_url(re.compile(r"/communities/evaluation-apprentissages/requests/$"))
    request = animator_page.get_by_role("main").locator("li.request", has_text="Karim Haddad")
    expect(request).to_contain_text("Je donne un cours de 300 étudiants.")
    axe_check(animator_page)
    request.get_by_role("button", name="Accepter Karim Haddad").click()
    expect(animator_page.get_by_role("status")).to_contain_text(
        "Karim Haddad fait maintenant partie de la communauté."
    )
    expect(animator_page.get_by_role("main")).to_contain_text("Aucune demande en attente.")
    axe_check(animator_page)


def _member_follows_the_approval_email(page: Page, mail_dir: Path, member) -> None:
    """The approval e-mail, and its link back to the community."""
    main = page.get_by_role("main")
    message = latest_email(mail_dir)
    assert message["To"] == member.email
    assert "Évaluation des apprentissages" in message["Subject"]
    page.goto(email_link(message, r"/communities/evaluation-apprentissages/"))
    expect(_participation(page)).to_contain_text("Vous êtes membre de cette communauté.")
    main.get_by_role("link", name=re.compile(r"^2 membres$")).click()
    page.wait_for_url(re.compile(r"/communities/evaluation-apprentissages/members/$"))
    expect(main).to_contain_text("Karim Haddad")
