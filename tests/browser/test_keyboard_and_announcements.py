"""After each htmx update the focus lands where the person goes on and the page's one live
region says what happened: quoting, replying (refused, then published), watching a topic,
bookmarking a resource, opening, cancelling and saving a checklist item. Escape closes the
account menu and the checklist editor; the library has a way straight to its results."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from forums.models import Post
from tests.browser.helpers import axe_check, login
from tests.factories import TEST_PASSWORD, CommunityFactory, UserFactory, make_member
from tests.forums.factories import general_forum, make_topic
from tests.readiness.factories import checklist_of, item_of
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.browser

MIDDLE_MANAGERS = "Les cadres intermédiaires savent en quoi consiste la communauté"


@pytest.fixture
def world(transactional_db):
    """Committed data (the live server reads it from another thread): a deciding
    community with its checklist, a topic, resources; its animator takes every action."""
    call_command("load_checklist_templates", verbosity=0)
    community = CommunityFactory(
        name="Classe inversée", slug="classe-inversee", phase="deciding", visibility="open"
    )
    animator = make_member(
        community,
        roles=("member", "animator"),
        user=UserFactory(display_name="Annie Tremblay", email="annie@example.org"),
    )
    author = make_member(community, user=UserFactory(display_name="Karim Haddad"))
    topic = make_topic(
        general_forum(community),
        author,
        title="Des capsules vidéo ?",
        body="Quelle longueur pour une capsule ?",
    )
    resource = ResourceFactory(title="Guide des capsules", community=community, author=author)
    for number in range(3):
        ResourceFactory(title=f"Fiche {number}", community=community, author=author, tags=["vidéo"])
    checklist_of(community)
    return {
        "community": community,
        "animator": animator,
        "topic": topic,
        "resource": resource,
    }


def focused(page: Page, expression: str):
    """`expression` evaluated on the focused element (`el`)."""
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {expression}; }})()")


def announced(page: Page):
    """The page's one live region."""
    region = page.locator("#announcements")
    expect(region).to_have_attribute("aria-live", "polite")
    return region


def test_focus_and_announcements_after_each_htmx_update(page, live_server, world):
    login(page, live_server, world["animator"].email, TEST_PASSWORD)
    _quote_then_reply(page, world["topic"])
    _watch_the_topic(page)
    _bookmark_a_resource(page, world["resource"])
    _open_cancel_and_save_a_checklist_item(page, world["community"])


def _quote_then_reply(page: Page, topic) -> None:
    page.goto(f"/topics/{topic.pk}/")
    region = announced(page)
    # The live region is in the page before anything happens, empty.
    expect(region).to_have_text("")
    page.get_by_role("link", name="Citer le message 1").click()
    expect(region).to_have_text("Le message cité est ajouté à votre réponse.")
    box = page.locator("section#reply").get_by_label("Votre réponse")
    expect(box).to_have_value(re.compile(r"^Karim Haddad a écrit :\n> Quelle longueur"))
    expect(box).to_be_focused()
    # The cursor waits at the end of the quote.
    assert focused(
        page, "el.selectionStart === el.value.length && el.selectionEnd === el.value.length"
    )
    axe_check(page)

    # Refused: an empty reply. The focus stays on the box, which says why.
    box.fill("")
    page.keyboard.press("Tab")  # onto the button, as a keyboard would
    expect(page.get_by_role("button", name="Publier la réponse")).to_be_focused()
    page.keyboard.press("Enter")
    expect(region).to_contain_text("Votre réponse n'est pas publiée")
    box = page.locator("section#reply").get_by_label("Votre réponse")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-invalid", "true")
    error_id = page.locator("section#reply .errorlist").get_attribute("id")
    assert error_id in box.get_attribute("aria-describedby").split()
    axe_check(page)

    # Published: the focus goes to the new post, which is read out.
    page.evaluate("window.__samePage = true")
    box.fill("Cinq minutes au plus, d'après nos essais.")
    page.get_by_role("button", name="Publier la réponse").press("Enter")
    expect(region).to_have_text("Votre réponse est publiée.")
    post = Post.objects.get(topic=topic, position=2)
    expect(page.locator(f"article#post-{post.pk}")).to_be_focused()
    assert page.evaluate("window.__samePage") is True
    axe_check(page)

    # The same sentence twice in a row is read twice: the region is emptied in between.
    page.locator("section#reply").get_by_label("Votre réponse").fill("Et des sous-titres.")
    page.get_by_role("button", name="Publier la réponse").press("Enter")
    expect(page.locator("article.post")).to_have_count(3)
    expect(region).to_have_text("Votre réponse est publiée.")
    post = Post.objects.get(topic=topic, position=3)
    expect(page.locator(f"article#post-{post.pk}")).to_be_focused()


def _watch_the_topic(page: Page) -> None:
    region = announced(page)
    page.get_by_role("button", name="Suivre ce sujet").press("Enter")
    stop = page.get_by_role("button", name="Ne plus suivre ce sujet")
    expect(stop).to_be_focused()
    expect(stop).to_have_attribute("aria-pressed", "true")
    expect(region).to_have_text("Vous suivez ce sujet : les réponses vous seront signalées.")
    axe_check(page)
    stop.press("Enter")
    expect(page.get_by_role("button", name="Suivre ce sujet")).to_be_focused()
    expect(region).to_have_text("Vous ne suivez plus ce sujet.")


def _bookmark_a_resource(page: Page, resource) -> None:
    page.goto(f"/resources/{resource.pk}/")
    region = announced(page)
    actions = page.locator(".resource__actions")
    actions.get_by_role("button", name=re.compile(r"^Ajouter à ma bibliothèque")).press("Enter")
    remove = actions.get_by_role("button", name=re.compile(r"^Retirer de ma bibliothèque"))
    expect(remove).to_be_focused()
    expect(region).to_have_text("Ajoutée à votre bibliothèque.")
    axe_check(page)
    remove.press("Enter")
    expect(
        actions.get_by_role("button", name=re.compile(r"^Ajouter à ma bibliothèque"))
    ).to_be_focused()
    expect(region).to_have_text("Retirée de votre bibliothèque.")


def _open_cancel_and_save_a_checklist_item(page: Page, community) -> None:
    managers = item_of(community, "middle-managers")
    text = managers.template_item.text
    page.goto(f"/communities/{community.slug}/readiness/")
    region = announced(page)
    row = page.locator(f"#item-{managers.pk}")
    edit = row.get_by_role("link", name=re.compile(r"^Modifier : " + MIDDLE_MANAGERS))

    # Opened: the first field of the editor.
    edit.press("Enter")
    status = row.locator("form").get_by_label("Statut")
    expect(status).to_be_focused()
    expect(region).to_have_text(f"Modification de « {text} ».")
    axe_check(page)

    # Escape closes it and gives the focus back to the link that opened it.
    page.keyboard.press("Escape")
    expect(row.locator("form")).to_have_count(0)
    expect(edit).to_be_focused()
    expect(region).to_have_text(f"Modification de « {text} » fermée.")

    # Refused: the focus goes to the field in error.
    edit.press("Enter")
    form = row.locator("form")
    form.get_by_label("Ressource à l'appui").fill("pas une adresse")
    form.get_by_role("button", name="Enregistrer").press("Enter")
    expect(region).to_have_text("L'élément n'a pas été enregistré : corrigez les champs signalés.")
    evidence = row.locator("form").get_by_label("Ressource à l'appui")
    expect(evidence).to_be_focused()
    expect(evidence).to_have_attribute("aria-invalid", "true")
    axe_check(page)

    # Saved: back on the link, and the new score is read out.
    evidence.fill("")
    row.locator("form").get_by_label("Statut").select_option(label="Fait")
    row.locator("form").get_by_role("button", name="Enregistrer").press("Enter")
    expect(row.locator("form")).to_have_count(0)
    expect(edit).to_be_focused()
    score = page.locator("#readiness-summary .readiness-score__value").inner_text().strip()
    expect(region).to_have_text(f"« {text} » est à jour. Score de préparation : {score}.")
    # The summary, swapped out of band, is no live region of its own.
    expect(page.locator("#readiness-summary [aria-live]")).to_have_count(0)
    axe_check(page)


def test_escape_closes_the_account_menu(page, live_server, world):
    login(page, live_server, world["animator"].email, TEST_PASSWORD)
    menu = page.get_by_role("banner").locator("details.account-menu")
    summary = menu.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Mon profil")).to_be_focused()
    axe_check(page)
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()


def test_library_results_are_one_tab_away(page, live_server, world):
    login(page, live_server, world["animator"].email, TEST_PASSWORD)
    page.goto("/resources/")
    main = page.get_by_role("main")
    # The first stop in the page's content, before the library's facets.
    main.focus()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller aux résultats")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    axe_check(page)
    page.keyboard.press("Enter")
    expect(page.locator("#results-title")).to_be_focused()
    # Then only the sort order comes before the first result.
    for _ in range(main.locator(".library-sort a").count() + 1):
        page.keyboard.press("Tab")
    first_result = main.locator("ol.resource-list > li").first.get_by_role("link").first
    expect(first_result).to_be_focused()
