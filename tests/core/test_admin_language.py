"""The Django admin speaks the reader's language: its header and title, the third-party
apps' names (two-factor authentication, tags, background tasks), the text alternative of
its yes/no icons; and its autocomplete fields are labelled."""

import re

import pytest
from django.core.management import call_command

from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def get(client, path: str, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def app_captions(html: str) -> list[str]:
    return re.findall(r"<caption>\s*<a[^>]*>(.*?)</a>", html, re.S)


def model_names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"[^>]*>\s*<a[^>]*>(.*?)</a>', html, re.S)


def test_admin_index_in_french_names_every_app_in_french(admin_client):
    html = get(admin_client, "/admin/", "fr")
    assert '<div id="site-name"><a href="/admin/">Portail des communautés de pratique</a>' in html
    assert "<title>Site d\u2019administration | Portail CdP</title>" in html
    captions = app_captions(html)
    assert {"Double authentification", "Étiquettes", "Tâches en arrière-plan"} <= set(captions)
    assert not {"MFA", "Taggit", "Tasks Database Backend"} & set(captions)
    # The portal's accounts and allauth's e-mail addresses, not two "Comptes".
    assert captions.count("Comptes") == 1 and "Adresses de courriel" in captions
    models = model_names(html)
    assert {"Authentificateurs", "Étiquettes", "Résultats de tâches"} <= set(models)
    assert not {"Authenticators", "Tags", "Task Results"} & set(models)


def test_admin_index_in_english_is_english_header_and_title_included(admin_client):
    html = get(admin_client, "/admin/", "en")
    assert '<div id="site-name"><a href="/admin/">Communities of practice portal</a>' in html
    assert "<title>Site administration | CoP Portal</title>" in html
    assert "Portail" not in html
    captions = app_captions(html)
    assert {"Two-factor authentication", "Tags", "Background tasks"} <= set(captions)
    assert {"Authenticators", "Tags", "Task results"} <= set(model_names(html))


@pytest.mark.parametrize(
    ("language", "filters"),
    [
        ("fr", ["Par statut", "Par priorité", "Par file"]),
        ("en", ["By status", "By priority", "By queue"]),
    ],
)
def test_task_results_are_filtered_by_fields_named_in_the_readers_language(
    admin_client, language, filters
):
    html = get(admin_client, "/admin/django_tasks_database/dbtaskresult/", language)
    titles = [title.strip() for title in re.findall(r"<summary>(.*?)</summary>", html, re.S)]
    assert set(filters) <= set(titles), titles


def test_renaming_third_party_models_needs_no_migration():
    # The names live on `_meta` at run time only: an upgrade of these apps stays theirs.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize(("language", "yes", "no"), [("fr", "Oui", "Non"), ("en", "Yes", "No")])
def test_boolean_icons_say_yes_and_no_in_the_readers_language(admin_client, language, yes, no):
    UserFactory(is_staff=False)
    html = get(admin_client, "/admin/accounts/user/", language)
    assert f'icon-yes.svg" alt="{yes}"' in html
    assert f'icon-no.svg" alt="{no}"' in html
    assert 'alt="True"' not in html and 'alt="False"' not in html
    # A boolean `@admin.display` column (a community's "archived") goes through it too.
    CommunityFactory()
    html = get(admin_client, "/admin/communities/community/", language)
    assert f'icon-no.svg" alt="{no}"' in html


@pytest.mark.parametrize(("language", "label"), [("fr", "Parrain·marraine"), ("en", "Sponsor")])
def test_sponsor_autocomplete_is_labelled_and_named_by_the_admin_script(
    admin_client, language, label
):
    community = CommunityFactory()
    html = get(admin_client, f"/admin/communities/community/{community.pk}/change/", language)
    assert re.search(rf'<label for="id_sponsor">{label}\s*:</label>', html)
    assert re.search(
        r'<select name="sponsor"[^>]*id="id_sponsor"[^>]*class="admin-autocomplete', html
    )
    # The script that gives select2's combobox the label's name (tests/browser checks it).
    assert re.search(r'<script src="/static/js/admin\.js" defer>', html)
    # And the stylesheet that underlines the breadcrumbs.
    assert '<link rel="stylesheet" href="/static/css/admin.css">' in html
