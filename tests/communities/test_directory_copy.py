"""The directory's copy of names, unit, job title and expertise on each profile
(`Profile.search_text`, `sort_name`): what the search finds, and every way those fields
change keeping it current (`services.profile_directory_refresh`)."""

from __future__ import annotations

import importlib
import io
from types import SimpleNamespace

import pytest
from allauth.account.internal.userkit import user_email
from django.contrib.auth.signals import user_logged_in
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from taggit.models import Tag

from cdp_portal.accounts.models import User
from communities.member_import import import_members, parse_member_csv
from communities.models import Profile, profile_directory_columns
from communities.services import account_invite, profile_ensure, profile_update
from tests.factories import CommunityFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def found(q: str) -> set[str]:
    """The e-mail addresses of the people a directory search finds."""
    return set(Profile.objects.for_directory().search(q).values_list("user__email", flat=True))


def stale_profiles() -> list[int]:
    """Profiles whose copy differs from what their names, unit, job title and expertise
    give now: none, whatever wrote them."""
    columns = profile_directory_columns()
    fresh = Profile.objects.annotate(text=columns["search_text"], name=columns["sort_name"])
    return list(
        fresh.exclude(search_text=F("text"), sort_name=F("name")).values_list("pk", flat=True)
    )


def person(email: str, *, display_name="", first_name="", last_name="", tags=(), **fields):
    user = UserFactory(
        email=email, display_name=display_name, first_name=first_name, last_name=last_name
    )
    profile = ProfileFactory(user=user, **fields)
    if tags:
        profile.expertise.add(*tags)
    return profile


# --- What the search finds -----------------------------------------------------------------


@pytest.fixture
def one_per_field(db) -> None:
    """Six people, each findable by one field only."""
    neutral = {"unit": "Unité X", "job_title": "Fonction Y"}
    person("display@example.org", display_name="Hélène Côté", **neutral)
    person("first@example.org", first_name="Éloïse", last_name="N", **neutral)
    person("last@example.org", first_name="A", last_name="Bélanger", **neutral)
    person("unit@example.org", display_name="B", unit="Faculté de pharmacie", job_title="Z")
    person("job@example.org", display_name="C", unit="W", job_title="Technopédagogue")
    person("tag@example.org", display_name="D", tags=["Évaluation des apprentissages"], **neutral)


@pytest.mark.parametrize(
    ("q", "email"),
    [
        ("cote", "display@example.org"),
        ("HÉLÈNE", "display@example.org"),
        ("eloise", "first@example.org"),
        ("BELANGER", "last@example.org"),
        ("Pharmacie", "unit@example.org"),
        ("technopedagogue", "job@example.org"),
        ("evaluation apprentissages", "tag@example.org"),
    ],
)
def test_search_finds_people_by_each_field_whatever_accents_and_case(one_per_field, q, email):
    assert found(q) == {email}


def test_every_word_must_match_somewhere_but_each_within_one_field(db):
    person("marc@example.org", display_name="Marc Roy", unit="Service des technologies")
    assert found("roy service") == {"marc@example.org"}
    assert found("roy bibliotheque") == set()
    # Fields are kept apart by a space, which no search word holds.
    assert found("royservice") == set()


def test_two_letter_words_and_like_wildcards(db):
    """Too short for the trigram index, still found; `%` and `_` are plain characters."""
    person("marc@example.org", display_name="Marc Roy", unit="Service")
    person("taux@example.org", display_name="Ana", unit="Taux à 100% et plus_encore")
    assert found("ro") == {"marc@example.org"}
    assert found("%") == {"taux@example.org"}
    assert found("ta_x") == set()
    assert found("s_e") == {"taux@example.org"}


def test_the_email_address_is_never_searched(db):
    person("zorglub@example.org", display_name="Marc Roy")
    assert found("zorglub") == set()


def test_order_is_the_name_people_see_and_follows_renames(db):
    """Display name, else first and last name, else the e-mail address; any case."""
    person("zed@example.org", display_name="alice Zed")
    person("names@example.org", first_name="Bruno", last_name="Roy")
    person("celine@example.org")  # no name at all: sorted by address
    person("dora@example.org", display_name="Dora")

    def order() -> list[str]:
        return list(Profile.objects.ordered_by_name().values_list("user__email", flat=True))

    assert order() == [
        "zed@example.org",
        "names@example.org",
        "celine@example.org",
        "dora@example.org",
    ]
    dora = User.objects.get(email="dora@example.org")
    dora.display_name = "Aaron"
    dora.save(update_fields=["display_name"])
    assert order()[0] == "dora@example.org"


# --- Every write path keeps it current ---------------------------------------------------------


def test_profile_edit_page_keeps_names_unit_and_expertise_searchable(client):
    profile = person("me@example.org", display_name="Ancien Nom", unit="Ancienne unité")
    profile.expertise.add("ancienne-expertise")
    client.force_login(profile.user)
    response = client.post(
        reverse("directory:profile_edit"),
        {
            "display_name": "Hélène Côté",
            "first_name": "Hélène",
            "last_name": "Côté",
            "job_title": "Conseillère pédagogique",
            "unit": "Faculté de musique",
            "expertise": "Rétroaction, vidéo",
            "notification_email": "all",
        },
    )
    assert response.status_code == 302
    for gone in ("ancien", "ancienne", "ancienne-expertise"):
        assert found(gone) == set(), gone
    for q in ("helene cote", "musique", "retroaction", "video", "conseillere"):
        assert found(q) == {"me@example.org"}, q
    assert stale_profiles() == []


@pytest.mark.parametrize(
    ("user_fields", "profile_fields", "expertise", "q"),
    [
        ({"last_name": "Lévesque"}, {}, [], "levesque"),
        ({}, {"unit": "École de langues"}, [], "ecole langues"),
        ({}, {"job_title": "Bibliothécaire"}, [], "bibliothecaire"),
        ({}, {}, ["Géomatique"], "geomatique"),
    ],
)
def test_profile_update_keeps_each_field_searchable(user_fields, profile_fields, expertise, q):
    profile = person("me@example.org", first_name="Jean", last_name="Roy")
    assert found(q) == set()
    profile_update(
        profile=profile,
        user_fields=user_fields,
        profile_fields=profile_fields,
        expertise=expertise,
        interests=[],
    )
    assert found(q) == {"me@example.org"}
    assert stale_profiles() == []


def test_expertise_changed_through_taggits_manager(db):
    profile = person("me@example.org", display_name="Jean Roy")
    profile.expertise.add("Moodle", "vidéo")
    assert found("moodle") == found("video") == {"me@example.org"}
    profile.expertise.remove("Moodle")
    assert found("moodle") == set()
    profile.expertise.set(["chimie"])
    assert found("video") == set() and found("chimie") == {"me@example.org"}
    profile.expertise.clear()
    assert found("chimie") == set()
    # Interests are not searched.
    profile.interests.add("podcast")
    assert found("podcast") == set()
    assert stale_profiles() == []


def test_admin_edits_of_profiles_people_and_tags(admin_client):
    profile = person("me@example.org", display_name="Jean Roy", unit="Ancienne unité")
    response = admin_client.post(
        f"/admin/communities/profile/{profile.pk}/change/",
        {
            "handle": profile.handle,
            "job_title": "Bibliothécaire",
            "unit": "Faculté de théologie",
            "expertise": "documentation, Moodle",
            "show_email": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert found("theologie bibliothecaire documentation") == {"me@example.org"}
    assert found("ancienne") == set()

    user = profile.user
    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": user.email,
            "display_name": "Josée Gagné",
            "first_name": "Josée",
            "last_name": "Gagné",
            "is_active": "on",
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert found("josee gagne") == {"me@example.org"} and found("jean roy") == set()

    moodle = Tag.objects.get(name="Moodle")
    tag_url = f"/admin/taggit/tag/{moodle.pk}/change/"
    inline = admin_client.get(tag_url).context["inline_admin_formsets"][0].formset.prefix
    response = admin_client.post(
        tag_url,
        {
            "name": "Plateforme Moodle",
            "slug": "moodle",
            f"{inline}-TOTAL_FORMS": "0",
            f"{inline}-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert found("plateforme") == {"me@example.org"}
    response = admin_client.post(f"/admin/taggit/tag/{moodle.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert found("plateforme") == set()
    assert stale_profiles() == []


IMPORT_HEADER = "email,first_name,last_name,job_title,unit,campus,expertise\n"


def test_import_members_creates_and_updates_searchable_people(db):
    someone = person("marc@example.org", first_name="Marc", last_name="Roy", unit="SSE")
    someone.expertise.add("Moodle")
    rows, errors = parse_member_csv(
        IMPORT_HEADER
        + "sophie@example.org,Sophie,Tremblay,Conseillère,Faculté de médecine,,évaluation\n"
        + "marc@example.org,Marc-André,Roy,Technopédagogue,BENA,,vidéo\n"
    )
    assert not errors
    import_members(rows=rows, community=CommunityFactory())
    assert found("sophie tremblay medecine evaluation") == {"sophie@example.org"}
    # Names and fields replaced, expertise added (an import never removes any).
    assert found("marc-andre technopedagogue bena video moodle") == {"marc@example.org"}
    assert found("sse") == set()
    assert stale_profiles() == []


def test_accounts_created_by_invitation_and_sign_up_are_searchable(client):
    account_invite(email="zoe@example.org", display_name="Zoé Lavoie")
    assert found("zoe lavoie") == {"zoe@example.org"}
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "Louise Tremblay",
            "email": "louise@example.org",
            "password1": "un-mot-de-passe-solide-2026",
            "password2": "un-mot-de-passe-solide-2026",
        },
    )
    assert response.status_code == 302
    assert found("louise") == {"louise@example.org"}
    assert stale_profiles() == []


def test_an_address_change_moves_a_nameless_person_in_the_order(db):
    profile = person("zz@example.org")
    person("mm@example.org")
    user_email(profile.user, "aa@example.org", commit=True)  # allauth's primary address
    assert Profile.objects.ordered_by_name().first() == profile
    assert stale_profiles() == []


def test_signing_in_does_not_rewrite_the_profile(rf):
    """The last login is saved at every sign-in: that save touches no copied field."""
    profile = person("me@example.org", display_name="Jean Roy")
    with CaptureQueriesContext(connection) as queries:
        user_logged_in.send(sender=User, request=rf.get("/"), user=profile.user)
    assert any("last_login" in query["sql"] for query in queries.captured_queries)
    assert not any('UPDATE "communities_profile"' in q["sql"] for q in queries.captured_queries)


def test_a_new_account_gets_its_copy_when_its_profile_is_created(db):
    user = UserFactory(email="new@example.org", display_name="Noémie Côté")
    assert found("noemie") == set()  # no profile yet
    profile_ensure(user=user)
    assert found("noemie") == {"new@example.org"}


def test_generate_scale_data_copies_names_unit_and_expertise(settings):
    settings.DEBUG = True
    args = ["--communities", "2", "--members", "20", "--resources", "0", "--posts", "0"]
    call_command("generate_scale_data", *args, stdout=io.StringIO())
    assert Profile.objects.count() == 20
    assert not Profile.objects.filter(search_text="").exists()
    assert stale_profiles() == []
    someone = Profile.objects.select_related("user").first()
    assert someone.user.email in found(someone.user.last_name)


# --- Filling it: the migration, the command --------------------------------------------------


@pytest.fixture
def emptied(db) -> None:
    """People whose copy is missing, as a node running the previous code leaves them."""
    person("a@example.org", display_name="Hélène Côté", tags=["Moodle"], unit="SSE")
    person("b@example.org", first_name="Marc", last_name="Roy")
    person("c@example.org")
    Profile.objects.update(search_text="", sort_name="")
    assert len(stale_profiles()) == 3


def test_the_migration_fills_what_the_services_write(emptied):
    migration = importlib.import_module("communities.migrations.0009_profile_directory_copy")
    migration.fill(None, SimpleNamespace(connection=connection))
    assert stale_profiles() == []


def test_refresh_command_fills_every_profile(emptied):
    out = io.StringIO()
    call_command("refresh_profile_directory", stdout=out)
    assert stale_profiles() == []
    assert "3 profiles refreshed" in out.getvalue()


# --- The campus filter -------------------------------------------------------------------------


def test_campuses_are_those_of_active_people_in_order(db):
    person("a@example.org", campus="Campus principal")
    person("b@example.org", campus="Campus de Lévis")
    person("c@example.org", campus="Campus principal")
    person("d@example.org", campus="")
    gone = person("e@example.org", campus="Pavillon fermé")
    gone.user.is_active = False
    gone.user.save()
    expected = list(
        Profile.objects.for_directory()
        .exclude(campus="")
        .order_by("campus")
        .values_list("campus", flat=True)
        .distinct()
    )
    assert Profile.objects.campuses() == expected == ["Campus de Lévis", "Campus principal"]
