"""Add a resource with a file and tags, find it by a search typed without accents,
bookmark it, download it, open a discussion about it."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from resources.models import Resource
from tests.browser.helpers import axe_check, login
from tests.factories import TEST_PASSWORD, CommunityFactory, UserFactory, make_member
from tests.resources.factories import TINY_PDF, ResourceFactory

pytestmark = pytest.mark.browser

TITLE = "Évaluation des compétences numériques"
SUMMARY = "Une grille pour évaluer les compétences numériques des étudiantes et étudiants."
# What the content sniffing of resources/uploads.py accepts as a PDF ("%PDF-" first).
assert TINY_PDF.startswith(b"%PDF-1.4\n") and TINY_PDF.rstrip().endswith(b"%%EOF")


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    """Committed data (the live server reads it from another thread); uploads in tmp."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    community = CommunityFactory(name="Technopédagogie", slug="technopedagogie")
    member = make_member(community, user=UserFactory(display_name="Sophie Lavoie"))
    author = make_member(community)
    # Other resources, so that the search has something to leave out and facets to count.
    ResourceFactory(
        title="Guide Moodle pour débuter",
        summary="Créer son premier cours.",
        kind="training",
        community=community,
        author=author,
        tags=["moodle", "formation"],
    )
    ResourceFactory(
        title="Competency-based assessment",
        summary="An English primer on competences.",
        language="en",
        kind="method",
        author=author,
        tags=["évaluation"],
    )
    return {"community": community, "member": member}


def test_add_find_bookmark_and_download_a_resource(page, live_server, world):
    login(page, live_server, world["member"].email, TEST_PASSWORD)
    _member_sends_the_new_resource_form_without_a_summary(page)
    resource = _member_gives_the_summary_and_saves(page)
    assert resource.community == world["community"]
    _member_finds_it_by_a_search_typed_without_accents(page)
    _member_puts_it_in_my_library(page, resource)
    _member_downloads_it(page, resource)
    _tag_pages_list_it(page, resource)
    _member_opens_a_discussion_about_it(page, resource)


def _choose_the_file(form: Locator) -> None:
    form.get_by_label(re.compile(r"^Fichier")).set_input_files(
        files=[{"name": "grille.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}]
    )


def _member_sends_the_new_resource_form_without_a_summary(page: Page) -> None:
    """From the library, "Ajouter une ressource"; the summary is forgotten: the form comes
    back with the error and what was typed."""
    main = page.get_by_role("main")
    page.goto("/resources/")
    main.get_by_role("link", name="Ajouter une ressource").first.click()
    page.wait_for_url(re.compile(r"/resources/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter une ressource")
    axe_check(page)

    form = main.locator("form.resource-form")
    form.get_by_label(re.compile(r"^Titre")).fill(TITLE)
    form.get_by_label(re.compile(r"^Type")).select_option(label="Méthode")
    form.get_by_label(re.compile(r"^Langue")).select_option("fr")
    form.get_by_label(re.compile(r"^Communauté")).select_option(label="Technopédagogie")
    form.get_by_label(re.compile(r"^Étiquettes")).fill("évaluation, compétences numériques")
    _choose_the_file(form)
    form.get_by_role("button", name="Ajouter la ressource").click()
    expect(form.get_by_role("alert")).to_contain_text("La ressource n'a pas été enregistrée")
    summary = form.get_by_label(re.compile(r"^Résumé"))
    expect(summary).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label(re.compile(r"^Titre"))).to_have_value(TITLE)
    expect(form.get_by_label(re.compile(r"^Étiquettes"))).to_have_value(
        "évaluation, compétences numériques"
    )
    expect(form.get_by_label(re.compile(r"^Type"))).to_have_value("method")
    axe_check(page)


def _member_gives_the_summary_and_saves(page: Page) -> Resource:
    """The file is chosen again (a browser never keeps it), the summary given: saved."""
    form = page.get_by_role("main").locator("form.resource-form")
    form.get_by_label(re.compile(r"^Résumé")).fill(SUMMARY)
    _choose_the_file(form)
    form.get_by_role("button", name="Ajouter la ressource").click()
    page.wait_for_url(re.compile(r"/resources/\d+/"))
    expect(page.get_by_role("status")).to_contain_text("La ressource a été ajoutée")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    resource = Resource.objects.get(title=TITLE)
    assert resource.file_content_type == "application/pdf"
    return resource


def _member_finds_it_by_a_search_typed_without_accents(page: Page) -> None:
    """The search finds it, and only what matches; the kind facet narrows the results."""
    main = page.get_by_role("main")
    page.goto("/resources/")
    search = main.get_by_role("search")  # not the header's box
    search.get_by_label("Rechercher une ressource").fill("evaluation competences")
    search.get_by_role("button", name="Rechercher").click()
    page.wait_for_url(re.compile(r"/resources/\?q=evaluation(\+|%20)competences"))
    results = main.locator("ol.resource-list > li")
    expect(results.filter(has_text=TITLE)).to_have_count(1)
    expect(results.filter(has_text="Guide Moodle")).to_have_count(0)
    facets = main.get_by_role("complementary")
    expect(facets.get_by_role("link", name=re.compile(r"^Méthode \(\d+\)$"))).to_be_visible()
    axe_check(page)
    facets.get_by_role("link", name=re.compile(r"^Méthode \(\d+\)$")).click()
    page.wait_for_url(re.compile(r"kind=method"))
    expect(results.filter(has_text=TITLE)).to_have_count(1)
    axe_check(page)


def _member_puts_it_in_my_library(page: Page, resource: Resource) -> None:
    """Opened from the search results."""
    main = page.get_by_role("main")
    main.locator("ol.resource-list > li").get_by_role("link", name=TITLE).click()
    page.wait_for_url(re.compile(rf"/resources/{resource.pk}/"))
    axe_check(page)
    actions = main.locator(".resource__actions")
    actions.get_by_role("button", name=re.compile(r"^Ajouter à ma bibliothèque")).click()
    expect(
        actions.get_by_role("button", name=re.compile(r"^Retirer de ma bibliothèque"))
    ).to_be_visible()
    axe_check(page)
    page.goto("/resources/bookmarks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ma bibliothèque")
    expect(main.locator("ol.resource-list > li")).to_have_count(1)
    expect(main.get_by_role("link", name=TITLE)).to_be_visible()
    axe_check(page)


def _member_downloads_it(page: Page, resource: Resource) -> None:
    """From "my library": the very bytes, as an attachment."""
    main = page.get_by_role("main")
    main.get_by_role("link", name=TITLE).click()
    with page.expect_download() as download_info:
        main.locator(".resource__actions").get_by_role(
            "link", name=re.compile(r"^Télécharger")
        ).click()
    download = download_info.value
    assert download.suggested_filename == "grille.pdf"
    with open(download.path(), "rb") as saved:
        assert saved.read() == TINY_PDF
    response = page.request.get(f"/resources/{resource.pk}/download/")
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.body() == TINY_PDF


def _tag_pages_list_it(page: Page, resource: Resource) -> None:
    """The library filtered by the accented tag, and the tag's page ("who knows what")."""
    main = page.get_by_role("main")
    page.goto(f"/resources/{resource.pk}/")
    main.locator(".resource__tags").get_by_role("link", name="évaluation", exact=True).click()
    page.wait_for_url(re.compile(r"/resources/\?tag="))
    expect(main.locator("ol.resource-list > li")).to_have_count(2)
    page.goto("/tags/évaluation/")
    expect(page.get_by_role("heading", level=1)).to_have_text("évaluation")
    expect(main.locator("section#resources").get_by_role("link", name=TITLE)).to_be_visible()
    axe_check(page)


def _member_opens_a_discussion_about_it(page: Page, resource: Resource) -> None:
    """From the resource's page, in the community's forum."""
    main = page.get_by_role("main")
    page.goto(f"/resources/{resource.pk}/")
    discussions = main.locator("section#discussions")
    expect(discussions).to_contain_text("Personne n'a encore ouvert de discussion")
    discussions.locator("summary").click()
    discussions.get_by_role("link", name=re.compile(r"^Dans « Général »")).click()
    page.wait_for_url(re.compile(rf"/forums/technopedagogie/general/new/\?resource={resource.pk}$"))
    topic_form = main.locator("form.forum-form")
    expect(topic_form.get_by_label(re.compile(r"^Titre"))).to_have_value(TITLE)
    expect(topic_form).to_contain_text("Discussion à propos de la ressource")
    axe_check(page)
    topic_form.get_by_label(re.compile(r"^Message")).fill("Qui l'a déjà essayée en classe ?")
    topic_form.get_by_role("button", name="Publier le sujet").click()
    page.wait_for_url(re.compile(r"/topics/\d+/"))
    expect(main.locator(".topic-about").get_by_role("link", name=TITLE)).to_be_visible()
    main.locator(".topic-about").get_by_role("link", name=TITLE).click()
    page.wait_for_url(re.compile(rf"/resources/{resource.pk}/"))
    expect(discussions.get_by_role("link", name=TITLE)).to_be_visible()
    axe_check(page)
