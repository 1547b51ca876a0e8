"""The readiness page, inline item edit (htmx and plain forms), the decision dossier and
the decision, under every kind of visitor; pinned query counts."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from communities.models import Community
from readiness.models import Checklist, ChecklistItem, ItemStatus, ReadinessDecision
from tests.factories import make_member
from tests.readiness.factories import (  # noqa: F401
    VISITORS,
    checklist_of,
    item_of,
    readiness_world_fixture,
    set_item,
    visitor,
)
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db


def url(name, community, **kwargs):
    return reverse(f"readiness:{name}", kwargs={"slug": community.slug, **kwargs})


def item_url(community, item):
    return url("item", community, item_id=item.pk)


def body(response) -> str:
    return response.content.decode()


def expected_status(kind: str, visibility: str) -> int:
    if kind == "anonymous":
        return 302
    if kind == "outsider" and visibility == "private":
        return 404
    if kind == "outsider" and visibility == "closed":
        return 403
    return 200


# --- Who sees what -------------------------------------------------------------------------


@pytest.mark.parametrize("visibility", ["open", "closed", "private"])
@pytest.mark.parametrize("kind", VISITORS)
@pytest.mark.parametrize("page", ["checklist", "dossier"])
def test_readiness_pages_under_every_visitor(
    client, login, readiness_world, visibility, kind, page
):
    community = readiness_world.community(visibility)
    checklist_of(community)  # pages only read: the checklist is started beforehand
    login(visitor(readiness_world, kind, visibility))
    response = client.get(url(page, community))
    assert response.status_code == expected_status(kind, visibility)
    if kind == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    elif response.status_code == 403:
        text = body(response)
        assert "Réservé aux membres" in text and "Demander à rejoindre" in text
        assert "Un ou une coach accompagne la communauté" not in text
    elif response.status_code == 404:
        assert community.name not in body(response)
    else:
        text = body(response)
        assert "Un ou une coach accompagne la communauté" in text
        edits = kind in ("animator", "sponsor", "admin")
        some_item = item_of(community, "integration")
        if page == "checklist":
            assert (f'href="{item_url(community, some_item)}"' in text) is edits
        else:
            decides = kind in ("sponsor", "admin")
            assert (url("decision", community) in text) is decides


@pytest.mark.parametrize("visibility", ["open", "closed", "private"])
@pytest.mark.parametrize("kind", VISITORS)
def test_item_edit_under_every_visitor(client, login, readiness_world, visibility, kind):
    community = readiness_world.community(visibility)
    checklist_of(community)
    item = item_of(community, "integration")
    login(visitor(readiness_world, kind, visibility))
    get = client.get(item_url(community, item))
    post = client.post(item_url(community, item), {"status": "done"})
    allowed = kind in ("animator", "sponsor", "admin")
    if kind == "anonymous":
        assert get.status_code == post.status_code == 302
    elif kind == "outsider" and visibility != "open":
        assert get.status_code == post.status_code == expected_status(kind, visibility)
    elif not allowed:
        assert get.status_code == post.status_code == 403
    else:
        assert get.status_code == 200
        assert post.status_code == 302
        assert post["Location"] == f"{url('checklist', community)}#item-{item.pk}"
    assert (item_of(community, "integration").status == "done") is allowed


@pytest.mark.parametrize("visibility", ["open", "closed", "private"])
@pytest.mark.parametrize("kind", VISITORS)
def test_the_decision_under_every_visitor(client, login, readiness_world, visibility, kind):
    community = readiness_world.community(visibility)
    login(visitor(readiness_world, kind, visibility))
    response = client.post(url("decision", community), {"outcome": "go", "rationale": "Prêts."})
    decides = kind in ("sponsor", "admin")
    if kind == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif kind == "outsider" and visibility != "open":
        assert response.status_code == expected_status(kind, visibility)
    elif not decides:
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert response["Location"] == url("dossier", community)
    community.refresh_from_db()
    assert community.phase == ("preparing" if decides else "deciding")
    assert ReadinessDecision.objects.filter(community=community).exists() is decides


@pytest.mark.parametrize("visibility", ["closed", "private"])
def test_a_sponsor_who_is_not_a_member_still_reads_and_decides(
    client, login, readiness_world, visibility
):
    # A seed file or the admin may name a manager as sponsor without making them a member.
    community = readiness_world.community(visibility)
    sponsor = readiness_world.outsider
    community.sponsor = sponsor
    community.save(update_fields=["sponsor"])
    login(sponsor)
    assert client.get(url("checklist", community)).status_code == 200
    assert client.get(url("dossier", community)).status_code == 200
    response = client.post(url("decision", community), {"outcome": "go", "rationale": "Prêts."})
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.phase == "preparing"
    # The community's home stays as it was for them (a 404 when it is private).
    home = client.get(community.get_absolute_url())
    assert home.status_code == (404 if visibility == "private" else 200)


# --- The readiness page -------------------------------------------------------------------


def test_the_page_shows_score_sections_auto_explanations_and_what_is_missing(
    client, login, readiness_world
):
    community = readiness_world.open
    Community.objects.filter(pk=community.pk).update(benefits=["learning"])
    checklist_of(community)
    set_item(community, "facilitating-environment", status=ItemStatus.DONE)
    set_item(
        community,
        "middle-managers",
        status=ItemStatus.IN_PROGRESS,
        owner=readiness_world.open_member,
        due_date=datetime.date(2020, 1, 2),
        note="Rencontre prévue",
    )
    login(readiness_world.open_member)
    response = client.get(url("checklist", community))
    text = body(response)
    report = response.context["report"]
    assert f"{report.score}\u202f%" in text and report.score > 0
    assert "Les caractéristiques structurantes" in text
    assert "Les ressources humaines" in text
    assert "Progression par section" in text
    # Auto items say why.
    assert "1 bénéfice visé choisi dans la charte." in text
    assert "1 personne a le rôle Animateur·rice." in text
    assert "Personne n&#x27;a encore le rôle Coach." in text
    assert "Évalué automatiquement" in text
    # Hand-set items show their owner, due date (overdue) and note.
    assert readiness_world.open_member.get_full_name() in text
    assert "En retard" in text
    assert "Rencontre prévue" in text
    missing = re.search(r'id="missing-title".*?</section>', text, re.S).group(0)
    assert "Un ou une coach accompagne la communauté" in missing
    assert "La présence d'un environnement organisationnel facilitant" not in missing


def test_the_page_is_in_english_for_english_speakers(client, login, readiness_world):
    checklist_of(readiness_world.open)
    login(readiness_world.open_member)
    client.cookies["django_language"] = "en"
    text = body(client.get(url("checklist", readiness_world.open)))
    assert "A coach supports the community" in text
    assert "Un ou une coach accompagne la communauté" not in text


@pytest.mark.parametrize("visibility", ["open", "closed", "private"])
@pytest.mark.parametrize("kind", VISITORS)
@pytest.mark.parametrize("page", ["checklist", "dossier"])
def test_reading_the_readiness_pages_never_creates_a_checklist(
    client, login, readiness_world, visibility, kind, page
):
    community = readiness_world.community(visibility)
    login(visitor(readiness_world, kind, visibility))
    response = client.get(url(page, community))
    assert response.status_code == expected_status(kind, visibility)
    assert not Checklist.objects.exists()
    if response.status_code == 200 and page == "checklist":
        text = body(response)
        assert "La liste de préparation n'est pas encore démarrée." in text
        starts = kind in ("animator", "sponsor", "admin")
        assert (url("start", community) in text) is starts


@pytest.mark.parametrize("kind", ["animator", "sponsor", "admin"])
def test_those_who_edit_start_the_checklist(client, login, readiness_world, kind):
    community = readiness_world.private
    login(visitor(readiness_world, kind, "private"))
    response = client.post(url("start", community))
    assert response["Location"] == url("checklist", community)
    assert Checklist.objects.get(community=community).items.exists()
    # Starting twice keeps the one checklist.
    client.post(url("start", community))
    assert Checklist.objects.filter(community=community).count() == 1


@pytest.mark.parametrize("kind", ["anonymous", "outsider", "member"])
def test_others_cannot_start_the_checklist(client, login, readiness_world, kind):
    community = readiness_world.private
    login(visitor(readiness_world, kind, "private"))
    response = client.post(url("start", community))
    assert response.status_code in (302, 403, 404)
    if kind != "anonymous":
        assert response.status_code != 302
    assert not Checklist.objects.exists()


def test_a_growing_community_cannot_start_a_checklist(client, login, readiness_world):
    community = readiness_world.open
    Community.objects.filter(pk=community.pk).update(phase="growing")
    login(readiness_world.open_animator)
    response = client.post(url("start", community), follow=True)
    assert "se démarre en phase de décision ou de préparation" in body(response)
    assert not Checklist.objects.exists()


def test_a_growing_community_without_checklist_says_so(client, login, readiness_world):
    community = readiness_world.open
    Community.objects.filter(pk=community.pk).update(phase="growing")
    login(readiness_world.open_animator)
    response = client.get(url("checklist", community))
    assert response.status_code == 200
    assert "n'a pas de liste de préparation" in body(response)
    assert not ChecklistItem.objects.exists()


def test_the_readiness_page_runs_a_fixed_number_of_queries(
    client, login, readiness_world, django_assert_num_queries
):
    community = readiness_world.open
    checklist_of(community)
    for number in range(12):
        person = make_member(community, roles=("member", "coach") if number % 2 else ("member",))
        ResourceFactory(community=community, indexed=False)
        set_item(community, "integration", owner=person, note=f"Note {number}")
    set_item(community, "middle-managers", evidence=ResourceFactory(indexed=False))
    login(readiness_world.open_animator)
    # session, user (with the administrators fact), community (+sponsor), checklist, items,
    # memberships aggregate, forum posts, resources; my membership comes with the community
    with django_assert_num_queries(8):
        response = client.get(url("checklist", community))
    assert response.status_code == 200


# --- Inline edit ---------------------------------------------------------------------------


def test_htmx_edit_returns_the_form_then_the_row_and_the_new_score(client, login, readiness_world):
    community = readiness_world.open
    checklist_of(community)
    item = item_of(community, "integration")
    login(readiness_world.open_animator)
    form = client.get(item_url(community, item), headers={"HX-Request": "true"})
    text = body(form)
    assert "<html" not in text
    assert f'hx-post="{item_url(community, item)}"' in text
    assert 'name="status"' in text and 'name="owner"' in text

    member = readiness_world.open_member
    response = client.post(
        item_url(community, item),
        {"status": "done", "owner": member.pk, "due_date": "2030-05-01", "note": "Vu"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    text = body(response)
    assert "<html" not in text
    assert f'id="item-{item.pk}"' in text
    assert 'id="readiness-summary"' in text and 'hx-swap-oob="true"' in text
    assert member.get_full_name() in text
    item = item_of(community, "integration")
    assert (item.status, item.owner, item.due_date, item.note) == (
        "done",
        member,
        datetime.date(2030, 5, 1),
        "Vu",
    )


def test_invalid_input_rerenders_with_the_values_typed(client, login, readiness_world):
    community = readiness_world.open
    checklist_of(community)
    item = item_of(community, "integration")
    login(readiness_world.open_animator)
    data = {
        "status": "done",
        "owner": readiness_world.closed_member.pk,  # not a member here
        "due_date": "demain",
        "note": "Ma note précieuse",
        "evidence": "/resources/999999/",
    }
    response = client.post(item_url(community, item), data)
    assert response.status_code == 400
    text = body(response)
    assert "Ma note précieuse" in text
    assert 'value="demain"' in text
    assert "/resources/999999/" in text
    assert "Saisissez une date valide." in text or "valid date" in text
    assert "introuvable" in text
    assert item_of(community, "integration").status == "todo"

    # With htmx, the errors come back in the row (a 2xx, which htmx swaps).
    response = client.post(item_url(community, item), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Ma note précieuse" in body(response)
    assert "<html" not in body(response)

    # Nonsense never gives a server error.
    for junk in ({"status": "everything"}, {}, {"status": "done", "owner": "abc"}):
        assert client.post(item_url(community, item), junk).status_code == 400


def test_evidence_by_address_links_the_resource(client, login, readiness_world):
    community = readiness_world.open
    checklist_of(community)
    resource = ResourceFactory(community=community, title="Compte rendu du comité", indexed=False)
    item = item_of(community, "middle-managers")
    login(readiness_world.open_sponsor)
    response = client.post(
        item_url(community, item),
        {"status": "done", "evidence": f"http://testserver{resource.get_absolute_url()}"},
    )
    assert response.status_code == 302
    assert item_of(community, "middle-managers").evidence == resource
    text = body(client.get(url("checklist", community)))
    assert f'href="{resource.get_absolute_url()}"' in text
    assert "Compte rendu du comité" in text


def test_auto_items_have_no_edit_link_and_refuse_a_post(client, login, readiness_world):
    community = readiness_world.open
    checklist_of(community)
    item = item_of(community, "coach")
    login(readiness_world.admin)
    assert item_url(community, item) not in body(client.get(url("checklist", community)))
    response = client.post(item_url(community, item), {"status": "done"}, follow=True)
    assert "évalué automatiquement" in body(response)
    assert item_of(community, "coach").status == "todo"
    assert item_of(community, "coach").updated_by is None


def test_an_item_of_another_community_is_a_404(client, login, readiness_world):
    checklist_of(readiness_world.closed)
    other = item_of(readiness_world.closed, "integration")
    login(readiness_world.open_animator)
    response = client.post(url("item", readiness_world.open, item_id=other.pk), {"status": "done"})
    assert response.status_code == 404


# --- Dossier and decision ------------------------------------------------------------------


def test_the_dossier_gathers_charter_benefits_roles_checklist_and_decisions(
    client, login, readiness_world
):
    community = readiness_world.closed
    Community.objects.filter(pk=community.pk).update(
        benefits=["productivity", "less_isolation"],
        summary="Un résumé de charte",
        theme="Innover",
        description="## Notre but\n\nPartager.",
    )
    checklist_of(community)
    set_item(community, "integration", status=ItemStatus.NOT_APPLICABLE)
    login(readiness_world.closed_sponsor)
    client.post(
        url("decision", community),
        {"outcome": "postpone", "rationale": "Rencontrer les cadres d'abord."},
    )
    response = client.get(url("dossier", community))
    text = body(response)
    for expected in (
        "Un résumé de charte",
        "Innover",
        "Notre but",
        "Gains de productivité",
        "Réduction de l&#x27;isolement",
        "Animateur·rice",
        readiness_world.closed_animator.get_full_name(),
        readiness_world.closed_sponsor.get_full_name(),
        "score de préparation",
        "Ce qui manque",
        "Sans objet",
        "Reporter la décision",
        "Rencontrer les cadres d&#x27;abord.",
        "Imprimer ou enregistrer en PDF",
    ):
        assert expected in text, expected
    assert re.search(r'<script src="[^"]*js/print[^"]*\.js"', text)
    assert "<script>" not in text  # CSP: no inline script
    # The decision form is still there (still deciding).
    assert 'name="rationale"' in text


def test_an_invalid_decision_rerenders_with_the_rationale(client, login, readiness_world):
    community = readiness_world.open
    login(readiness_world.open_sponsor)
    response = client.post(url("decision", community), {"outcome": "", "rationale": "Mon texte"})
    assert response.status_code == 400
    assert "Mon texte" in body(response)
    community.refresh_from_db()
    assert community.phase == "deciding"
    assert not ReadinessDecision.objects.exists()


def test_go_from_the_dossier_moves_the_phase_and_shows_the_history(client, login, readiness_world):
    community = readiness_world.open
    login(readiness_world.admin)
    response = client.post(
        url("decision", community),
        {"outcome": "go", "rationale": "Le parrain a validé."},
        follow=True,
    )
    text = body(response)
    assert "la communauté passe à la phase « Préparer »" in text
    assert "Se décider → Préparer" in text
    community.refresh_from_db()
    assert community.phase == "preparing"


def test_the_dossier_runs_a_fixed_number_of_queries(
    client, login, readiness_world, django_assert_num_queries
):
    community = readiness_world.open
    checklist_of(community)
    for number in range(8):
        make_member(community, roles=("member", "coach"))
        ResourceFactory(community=community, indexed=False)
        ReadinessDecision.objects.create(
            community=community,
            outcome="postpone",
            rationale=f"Raison {number}",
            decided_by=readiness_world.open_sponsor,
            phase_before="deciding",
            phase_after="deciding",
        )
    login(readiness_world.open_sponsor)
    # session, user, community (+sponsor, my membership),
    # checklist, items, memberships aggregate, forum posts, resources, role holders,
    # decisions
    with django_assert_num_queries(10):
        response = client.get(url("dossier", community))
    assert len(response.context["decisions"]) == 8


def test_the_item_page_keeps_the_heading_levels_in_order(client, login, readiness_world):
    """h1 (the page), h2 (the item's section), h3 (the item): no level skipped, in read
    mode, in edit mode and when the form comes back with errors (axe's heading-order)."""
    community = readiness_world.open
    checklist_of(community)
    item = item_of(community, "integration")
    section = item.template_item.section.title
    login(readiness_world.open_animator)
    page = item_url(community, item)
    responses = [
        client.get(page),
        client.get(page, {"view": "row"}),
        client.post(page, {"status": "done", "evidence": "pas une adresse"}),
    ]
    for response in responses:
        headings = re.findall(r"<h([1-6])\b[^>]*>(.*?)</h\1>", body(response), re.S)
        levels = [int(level) for level, _ in headings if level in "123"]
        main_levels = levels[levels.index(1) :]
        assert main_levels[:3] == [1, 2, 3], main_levels
        assert any(level == "2" and section in text for level, text in headings)


def test_the_dossier_print_toggles_are_bare_wrappers(client, login, readiness_world):
    """print.js toggles `hidden` on the print button and the no-JavaScript hint; a class
    that sets `display` (`.button`, `.field__help`) would win over `hidden`, leaving a dead
    button without JavaScript or the hint next to the button with it."""
    community = readiness_world.open
    checklist_of(community)
    login(readiness_world.open_sponsor)
    text = body(client.get(url("dossier", community)))
    toggles = re.findall(r"<[a-z]+\b[^>]*\bdata-readiness-print(?:-hint)?\b[^>]*>", text)
    assert len(toggles) == 2, toggles
    for tag in toggles:
        assert "class=" not in tag, tag
    assert re.search(r"<span data-readiness-print hidden><button type=\"button\"", text)
