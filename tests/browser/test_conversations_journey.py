"""Contacting an expert whose address is hidden: a member finds her in the directory and
writes to her from her profile; she sees the conversation under the bell, answers; he
reads the answer. No address on any page; axe-core on each. Then a call for help whose
author invites that expert by name, who finds the invitation under the bell."""

import re

import pytest
from playwright.sync_api import Page, expect

from conversations.models import Conversation
from tests.browser.helpers import another_browser, axe_check, login
from tests.factories import TEST_PASSWORD, CommunityFactory, UserFactory, make_member
from tests.forums.factories import calls_forum, make_topic

pytestmark = pytest.mark.browser

SUBJECT = "Quiz Moodle et accommodements"
QUESTION = "Bonjour, comment donnez-vous du **temps supplémentaire** dans un quiz ?"
ANSWER = "Dans les *dérogations utilisateur* du quiz : je vous montre quand vous voulez."


@pytest.fixture
def world(transactional_db):
    """Committed data (the live server reads it from another thread)."""
    community = CommunityFactory(name="Technopédagogie", slug="technopedagogie")
    seeker = make_member(
        community, user=UserFactory(display_name="Marc Tremblay", email="marc@example.org")
    )
    expert = make_member(
        CommunityFactory(name="Évaluation", slug="evaluation"),
        user=UserFactory(display_name="Sophie Lavoie", email="sophie.lavoie@example.org"),
    )
    expert.profile.show_email = False  # her address is hidden: the reason to write here
    expert.profile.job_title = "Conseillère technopédagogique"
    expert.profile.save()
    expert.profile.expertise.add("Moodle")
    return {"community": community, "seeker": seeker, "expert": expert}


def no_address_on(page: Page) -> None:
    html = page.content()
    for address in ("marc@example.org", "sophie.lavoie@example.org"):
        assert address not in html, f"{address} on {page.url}"


def test_a_member_contacts_an_expert_found_in_the_directory(page, live_server, world):
    login(page, live_server, world["seeker"].email, TEST_PASSWORD)
    _seeker_finds_the_expert_in_the_directory(page)
    conversation = _seeker_writes_to_her(page)
    with another_browser(page, live_server) as expert_page:
        login(expert_page, live_server, world["expert"].email, TEST_PASSWORD)
        _expert_sees_it_under_the_bell_and_answers(expert_page, conversation)
    _seeker_reads_the_answer(page, conversation)


def _seeker_finds_the_expert_in_the_directory(page: Page) -> None:
    main = page.get_by_role("main")
    page.get_by_role("banner").get_by_role("link", name="Membres").click()
    page.wait_for_url(re.compile(r"/members/"))
    main.get_by_role("searchbox", name="Rechercher").fill("moodle")
    main.get_by_role("button", name=re.compile("^(Rechercher|Filtrer)")).first.click()
    main.get_by_role("link", name="Sophie Lavoie").click()
    page.wait_for_url(re.compile(r"/members/[\w-]+/$"))
    expect(main).to_contain_text("Cette personne ne montre pas ses coordonnées.")
    axe_check(page)
    no_address_on(page)
    main.get_by_role("link", name="Contacter Sophie Lavoie").click()
    page.wait_for_url(re.compile(r"/conversations/new/\?to="))


def _seeker_writes_to_her(page: Page) -> Conversation:
    main = page.get_by_role("main")
    form = main.locator("form.forum-form")
    expect(main).to_contain_text("À : Sophie Lavoie")
    expect(form.get_by_label("Destinataires")).to_have_value(re.compile(r"^sophie-lavoie"))
    axe_check(page)
    # Sent without a message: refused, with the subject kept.
    form.get_by_label("Sujet").fill(SUBJECT)
    form.get_by_role("button", name="Envoyer").click()
    expect(form).to_contain_text("Écrivez votre message.")
    expect(form.get_by_label("Sujet")).to_have_value(SUBJECT)
    axe_check(page)
    form.get_by_label("Message").fill(QUESTION)
    form.get_by_role("button", name="Envoyer").click()
    page.wait_for_url(re.compile(r"/conversations/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Votre message est envoyé.")
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    expect(main.locator(".post__body strong")).to_have_text("temps supplémentaire")
    axe_check(page)
    no_address_on(page)
    return Conversation.objects.get(subject=SUBJECT)


def _expert_sees_it_under_the_bell_and_answers(page: Page, conversation: Conversation) -> None:
    messages = page.get_by_role("banner").get_by_role("link", name=re.compile("^Messages"))
    expect(messages.locator(".notification-bell__count")).to_contain_text("1")
    # The bell's page leads to the private messages too.
    page.get_by_role("banner").get_by_role("link", name=re.compile("^Notifications")).click()
    page.wait_for_url(re.compile(r"/notifications/$"))
    page.get_by_role("main").get_by_role("link", name=re.compile("^Messages privés")).click()
    page.wait_for_url(re.compile(r"/conversations/$"))
    row = page.get_by_role("main").locator("li.conversation-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Non lue")
    expect(row).to_contain_text("Avec Marc Tremblay")
    axe_check(page)
    row.get_by_role("link", name=SUBJECT).click()
    page.wait_for_url(re.compile(rf"/conversations/{conversation.pk}/$"))
    expect(messages.locator(".notification-bell__count")).to_have_count(0)  # read
    axe_check(page)
    no_address_on(page)
    reply = page.locator("section#reply")
    reply.get_by_label("Votre réponse").fill(ANSWER)
    reply.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("status")).to_contain_text("Votre message est envoyé.")
    expect(page.locator("article.post", has_text="Sophie Lavoie").locator("em")).to_have_text(
        "dérogations utilisateur"
    )


def _seeker_reads_the_answer(page: Page, conversation: Conversation) -> None:
    page.goto("/")
    messages = page.get_by_role("banner").get_by_role("link", name=re.compile("^Messages"))
    expect(messages.locator(".notification-bell__count")).to_contain_text("1")
    messages.click()
    page.wait_for_url(re.compile(r"/conversations/$"))
    page.get_by_role("main").get_by_role("link", name=SUBJECT).click()
    page.wait_for_url(re.compile(rf"/conversations/{conversation.pk}/$"))
    answer = page.locator("article.post", has_text="Sophie Lavoie")
    expect(answer).to_contain_text("je vous montre quand vous voulez")
    expect(answer.get_by_role("link", name=re.compile("^Signaler"))).to_be_visible()
    axe_check(page)


def test_the_author_of_a_call_invites_an_expert_by_name(page, live_server, world):
    seeker, expert = world["seeker"], world["expert"]
    call = make_topic(
        calls_forum(world["community"]),
        seeker,
        title="Besoin d'aide avec Moodle",
        tags=["moodle"],
        is_call_for_help=True,
        notify=False,
    )
    login(page, live_server, seeker.email, TEST_PASSWORD)
    page.goto(call.get_absolute_url())
    page.get_by_role("link", name="Inviter des expert·e·s").click()
    page.wait_for_url(re.compile(rf"/topics/{call.pk}/invite/$"))
    main = page.get_by_role("main")
    axe_check(page)
    main.get_by_role("button", name="Inviter les personnes choisies").click()
    expect(main).to_contain_text("Choisissez au moins une personne à inviter.")
    axe_check(page)
    main.get_by_label(re.compile("^Sophie Lavoie")).check()
    main.get_by_role("button", name="Inviter les personnes choisies").click()
    expect(page.get_by_role("status")).to_contain_text("1 personne est invitée")
    expect(main).to_contain_text("Déjà invitée ou invité")
    with another_browser(page, live_server) as expert_page:
        login(expert_page, live_server, expert.email, TEST_PASSWORD)
        bell = expert_page.get_by_role("banner").get_by_role(
            "link", name=re.compile("^Notifications")
        )
        expect(bell.locator(".notification-bell__count")).to_contain_text("1")
        bell.click()
        expect(expert_page.get_by_role("main")).to_contain_text(
            "Marc Tremblay vous invite à répondre à l'appel à tous « Besoin d'aide avec Moodle »"
        )
        axe_check(expert_page)
