"""Launch readiness: the animator staffs the documentalist role and sees the checklist
follow, completes a hand-set item inline (htmx); the sponsor, at another computer, opens
the decision dossier, records a "go" and the community moves on to the next phase."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Locator, Page, expect

from readiness.models import ChecklistItem, ReadinessDecision
from tests.browser.helpers import another_browser, axe_check, login
from tests.factories import TEST_PASSWORD, CommunityFactory, UserFactory, make_member
from tests.readiness.factories import item_of

pytestmark = pytest.mark.browser

SLUG = "classe-inversee"
MIDDLE_MANAGERS = "Les cadres intermédiaires savent en quoi consiste la communauté"


@pytest.fixture
def world(transactional_db):
    """Committed data (the live server reads it from another thread)."""
    call_command("load_checklist_templates", verbosity=0)
    community = CommunityFactory(
        name="Classe inversée", slug=SLUG, phase="deciding", visibility="open"
    )
    animator = make_member(
        community,
        roles=("member", "animator"),
        user=UserFactory(display_name="Annie Tremblay", email="annie.tremblay@example.org"),
    )
    sponsor = make_member(
        community,
        roles=("sponsor",),
        user=UserFactory(display_name="Louise Bergeron", email="louise.bergeron@example.org"),
    )
    community.sponsor = sponsor
    community.save(update_fields=["sponsor"])
    future_documentalist = make_member(community, user=UserFactory(display_name="Marc Côté"))
    make_member(community, user=UserFactory(display_name="Sofia Nguyen"))
    return {
        "community": community,
        "animator": animator,
        "sponsor": sponsor,
        "documentalist": future_documentalist,
    }


def score(page: Page) -> int:
    """The readiness score shown in the page's summary, as a number."""
    text = page.locator("#readiness-summary .readiness-score__value").inner_text()
    match = re.fullmatch(r"(\d+)\s*%", text.strip())
    assert match, f"no score in {text!r}"
    return int(match.group(1))


def test_staff_a_role_complete_an_item_and_record_the_go_decision(page, live_server, world):
    community = world["community"]
    login(page, live_server, world["animator"].email, TEST_PASSWORD)
    score_before = _animator_starts_the_checklist(page, community)
    _animator_makes_marc_documentalist(page)
    score_after_role = _documentalist_item_is_done(page, community, score_before)

    managers = item_of(community, "middle-managers")
    _animator_gives_a_wrong_reference_in_place(page, managers)
    score_after_item = _animator_completes_the_item_in_place(page, managers, score_after_role)
    managers.refresh_from_db()
    assert managers.status == "done"
    assert managers.owner == world["documentalist"]
    _the_item_has_its_own_page(page, managers)

    # The sponsor, at another computer, opens the dossier and records a "go".
    with another_browser(page, live_server) as sponsor_page:
        login(sponsor_page, live_server, world["sponsor"].email, TEST_PASSWORD)
        _sponsor_opens_the_dossier(sponsor_page, score_after_item)
        _sponsor_records_a_go(sponsor_page)
        _the_dossier_prints_without_the_site_around_it(sponsor_page)

    community.refresh_from_db()
    assert community.phase == "preparing"
    recorded = ReadinessDecision.objects.get(community=community)
    assert recorded.outcome == "go"
    assert recorded.decided_by == world["sponsor"]


def _missing(page: Page) -> Locator:
    """The readiness page's list of what is missing, in its side column."""
    return page.get_by_role("complementary").locator("section", has_text="Ce qui manque")


def _print_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Imprimer ou enregistrer en PDF")


def _animator_starts_the_checklist(page: Page, community) -> int:
    """The readiness page: the score, and the documentalist still missing. Returns the
    score."""
    page.goto(f"/communities/{SLUG}/readiness/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Préparation au démarrage")
    # Reading writes nothing: the animator starts the checklist.
    page.get_by_role("main").get_by_role("button", name="Démarrer la liste de préparation").click()
    documentalist_row = page.locator(f"#item-{item_of(community, 'documentalist').pk}")
    expect(documentalist_row).to_have_class(re.compile(r"readiness-item--todo"))
    expect(documentalist_row).to_contain_text("Personne n'a encore le rôle Documentaliste.")
    expect(_missing(page).get_by_role("link", name="Un ou une documentaliste")).to_be_visible()
    score_before = score(page)
    assert 0 < score_before < 100
    axe_check(page)
    return score_before


def _animator_makes_marc_documentalist(page: Page) -> None:
    """On the members page, with the roles form."""
    page.goto(f"/communities/{SLUG}/members/")
    row = page.get_by_role("main").get_by_role("row", name=re.compile("Marc Côté"))
    row.locator("summary").click()
    row.get_by_role("checkbox", name="Documentaliste").check()
    row.get_by_role("button", name="Enregistrer les rôles").click()
    expect(page.get_by_role("status")).to_contain_text("Les rôles de Marc Côté sont à jour.")


def _documentalist_item_is_done(page: Page, community, score_before: int) -> int:
    """Back on the readiness page: the item is done, says why, and the score rose.
    Returns the new score."""
    page.goto(f"/communities/{SLUG}/readiness/")
    documentalist_row = page.locator(f"#item-{item_of(community, 'documentalist').pk}")
    expect(documentalist_row).to_have_class(re.compile(r"readiness-item--done"))
    expect(documentalist_row).to_contain_text("Fait")
    expect(documentalist_row).to_contain_text("1 personne a le rôle Documentaliste.")
    expect(_missing(page).get_by_role("link", name="Un ou une documentaliste")).to_have_count(0)
    score_after_role = score(page)
    assert score_after_role > score_before
    axe_check(page)
    return score_after_role


def _animator_gives_a_wrong_reference_in_place(page: Page, managers: ChecklistItem) -> None:
    """A hand-set item, edited in place (htmx): the row becomes a form, the page stays;
    a wrong evidence reference brings the form back in place with the error."""
    managers_row = page.locator(f"#item-{managers.pk}")
    page.evaluate("window.__samePage = true")
    managers_row.get_by_role("link", name=re.compile(r"^Modifier : " + MIDDLE_MANAGERS)).click()
    form = managers_row.locator("form")
    expect(form.get_by_label("Statut")).to_be_visible()
    expect(form.get_by_label("Statut")).to_have_value("todo")
    axe_check(page)

    form.get_by_label("Ressource à l'appui").fill("pas une adresse")
    form.get_by_role("button", name="Enregistrer").click()
    expect(form).to_contain_text("corrigez les champs signalés")
    expect(page.locator("#announcements")).to_contain_text("corrigez les champs signalés")
    expect(form).to_contain_text("Donnez l'adresse d'une ressource de la bibliothèque")
    axe_check(page)


def _animator_completes_the_item_in_place(
    page: Page, managers: ChecklistItem, score_after_role: int
) -> int:
    """Still in the row's form, on the same page. Returns the new score."""
    managers_row = page.locator(f"#item-{managers.pk}")
    form = managers_row.locator("form")
    form.get_by_label("Statut").select_option(label="Fait")
    form.get_by_label("Responsable").select_option(label="Marc Côté")
    form.get_by_label("Ressource à l'appui").fill("")
    form.get_by_label("Note").fill("Présentée au comité de direction du 12 mars.")
    form.get_by_role("button", name="Enregistrer").click()
    expect(managers_row.locator("form")).to_have_count(0)
    expect(managers_row).to_have_class(re.compile(r"readiness-item--done"))
    expect(managers_row).to_contain_text("Marc Côté")
    expect(managers_row).to_contain_text("Présentée au comité de direction du 12 mars.")
    expect(managers_row).to_contain_text("Modifié par Annie Tremblay")
    # The summary is swapped out of band: the score rose again, without a reload.
    expect(page.locator("#readiness-summary .readiness-score__value")).not_to_have_text(
        f"{score_after_role} %"
    )
    score_after_item = score(page)
    assert score_after_item > score_after_role
    assert page.evaluate("window.__samePage") is True
    axe_check(page)
    return score_after_item


def _the_item_has_its_own_page(page: Page, managers: ChecklistItem) -> None:
    """What a browser without JavaScript gets, with its form."""
    page.goto(f"/communities/{SLUG}/readiness/items/{managers.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier un élément de la liste")
    expect(page.get_by_role("main").get_by_label("Statut")).to_have_value("done")
    axe_check(page)


def _sponsor_opens_the_dossier(sponsor_page: Page, score_now: int) -> None:
    sponsor_page.goto(f"/communities/{SLUG}/readiness/dossier/")
    sponsor_main = sponsor_page.get_by_role("main")
    expect(sponsor_page.get_by_role("heading", level=1)).to_have_text(
        "Dossier de décision : Classe inversée"
    )
    expect(sponsor_main).to_contain_text("phase actuelle : Se décider")
    expect(sponsor_main).to_contain_text(f"{score_now} %")
    expect(sponsor_main).to_contain_text("Aucune décision n'est encore enregistrée.")
    expect(_print_button(sponsor_page)).to_be_visible()
    expect(sponsor_main.locator("[data-readiness-print-hint]")).to_be_hidden()
    axe_check(sponsor_page)


def _sponsor_records_a_go(sponsor_page: Page) -> None:
    sponsor_main = sponsor_page.get_by_role("main")
    decision = sponsor_main.locator("form.decision-form")
    decision.get_by_role("radio", name="Go : passer à la phase suivante").check()
    decision.get_by_label("Justification").fill(
        "Les rôles sont pourvus et les cadres sont informés : on démarre."
    )
    decision.get_by_role("button", name="Enregistrer la décision").click()
    expect(sponsor_page.get_by_role("status")).to_contain_text(
        "Décision enregistrée : la communauté passe à la phase « Préparer »."
    )
    expect(sponsor_main).to_contain_text("phase actuelle : Préparer")
    history = sponsor_main.locator("ol.decision-list > li")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("Go : passer à la phase suivante")
    expect(history.first).to_contain_text("Par Louise Bergeron")
    expect(history.first).to_contain_text("phase : Se décider → Préparer")
    expect(history.first).to_contain_text("on démarre.")
    axe_check(sponsor_page)


def _the_dossier_prints_without_the_site_around_it(sponsor_page: Page) -> None:
    """Printed, the dossier loses the site's header, the breadcrumb and the buttons."""
    print_button = _print_button(sponsor_page)
    header = sponsor_page.locator("header.site-header")
    breadcrumb = sponsor_page.locator("nav.breadcrumb")
    expect(header).to_be_visible()
    sponsor_page.emulate_media(media="print")
    expect(header).to_be_hidden()
    expect(breadcrumb).to_be_hidden()
    expect(print_button).to_be_hidden()
    expect(sponsor_page.get_by_role("heading", level=1)).to_be_visible()
    sponsor_page.emulate_media(media="screen")
    # The button opens the browser's print dialog (stubbed: headless cannot show it).
    sponsor_page.evaluate("window.print = () => { window.__printed = true }")
    print_button.click()
    assert sponsor_page.evaluate("window.__printed") is True
