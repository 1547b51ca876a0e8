"""The member directory: search and filters, profiles, one's own profile, tag pages.

The directory is institution-wide (every signed-in member sees every active person), but
whatever it says about communities follows the visibility rule: a private community never
shows to someone outside it, whether in the filters, on a profile or on a tag page.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from taggit.models import Tag

from cdp_portal.accounts.feed_tokens import feed_token_ensure
from communities.models import Profile
from communities.services import profile_ensure, profile_update
from tests.factories import CommunityFactory, ProfileFactory, UserFactory, make_member
from tests.forums.factories import general_forum, make_topic
from tests.resources.factories import ResourceFactory
from tests.shared_worlds import shared_world
from tests.worlds import CommunityWorld

pytestmark = pytest.mark.django_db

LIST_URL = reverse("directory:list")
EDIT_URL = reverse("directory:profile_edit")
SIGNED_IN_VISITORS = ["outsider", "open_member", "closed_animator", "admin"]


def person(display_name="", *, tags=(), interests=(), user=None, **profile_fields):
    """An active account with a profile; returns the profile."""
    user = user or UserFactory(display_name=display_name)
    profile = ProfileFactory(user=user, **profile_fields)
    if tags:
        profile.expertise.add(*tags)
    if interests:
        profile.interests.add(*interests)
    return profile


def listed(response) -> list:
    """The people on the directory page, as users, in page order."""
    return [profile.user for profile in response.context["profiles"]]


def search(client, **params):
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return response


def section(response, key):
    return next(s for s in response.context["sections"] if s.key == key)


def profile_url(user) -> str:
    return reverse("directory:profile", kwargs={"handle": user.profile.handle})


@dataclass(frozen=True, kw_only=True)
class TagWorld(CommunityWorld):
    tag: Tag


@shared_world
def tag_world(community_world: CommunityWorld) -> TagWorld:
    """A tag with an expert and an interested person from the private community."""
    world = community_world
    Profile.objects.get(user=world.private_member).expertise.add("Moodle")
    Profile.objects.get(user=world.private_animator).interests.add("Moodle")
    return TagWorld.extending(world, tag=Tag.objects.get(name="Moodle"))


# --- Who may see what -------------------------------------------------------------------


def _all_urls(world: TagWorld) -> list[str]:
    return [
        LIST_URL,
        profile_url(world.open_member),
        reverse("directory:tag", kwargs={"slug": world.tag.slug}),
        EDIT_URL,
    ]


def test_anonymous_visitors_are_sent_to_login_everywhere(client, tag_world):
    for url in _all_urls(tag_world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url
    assert client.post(EDIT_URL, {"display_name": "Pirate"}).status_code == 302
    assert not get_user_model().objects.filter(display_name="Pirate").exists()


@pytest.mark.parametrize("visitor", SIGNED_IN_VISITORS)
def test_every_signed_in_member_sees_the_directory_profiles_and_tag_pages(
    client, tag_world, visitor
):
    client.force_login(tag_world.visitor(visitor))
    for url in _all_urls(tag_world):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("visitor", SIGNED_IN_VISITORS)
def test_the_directory_lists_everyone_active_whatever_their_communities(
    client, community_world, visitor
):
    """Institution-wide: even the private community's members are listed (without their
    community); an inactive account is not."""
    gone = make_member(community_world.open)
    gone.is_active = False
    gone.save()
    client.force_login(community_world.visitor(visitor))
    people = set(listed(search(client)))
    assert community_world.private_member in people
    assert community_world.open_member in people
    assert gone not in people


def test_directory_answers_only_reads(client, community_world):
    client.force_login(community_world.open_member)
    assert client.post(LIST_URL).status_code == 405


# --- Search -------------------------------------------------------------------------------


@pytest.fixture
def people(db):
    return {
        "helene": person(
            "Hélène Côté",
            job_title="Conseillère pédagogique",
            unit="Faculté des sciences de l'éducation",
            campus="Campus de Rimouski",
            tags=["Évaluation des apprentissages", "vidéo", "vidéoconférence"],
        ),
        "marc": person(
            "Marc Roy",
            job_title="Technicien en informatique",
            unit="Service des technologies",
            campus="Campus principal",
            tags=["Moodle"],
            ask_me_about=True,
        ),
        "names_only": person(
            "",
            user=UserFactory(display_name="", first_name="Josée", last_name="Tremblay"),
            unit="Bibliothèque",
            campus="Campus principal",
        ),
    }


@pytest.mark.parametrize("q", ["Helene", "hélène", "HELENE", "côté", "cote", "helene cote"])
def test_search_by_name_ignores_accents_and_case(client, user, people, q):
    client.force_login(user)
    assert listed(search(client, q=q)) == [people["helene"].user]


def test_search_matches_first_and_last_names_word_by_word(client, user, people):
    client.force_login(user)
    assert listed(search(client, q="josee tremblay")) == [people["names_only"].user]
    assert listed(search(client, q="tremblay josée")) == [people["names_only"].user]
    assert listed(search(client, q="josee roy")) == []


def test_search_by_expertise_tag_without_duplicates(client, user, people):
    client.force_login(user)
    assert listed(search(client, q="evaluation")) == [people["helene"].user]
    # Two of Hélène's tags match "video": she is listed once, and counted once.
    response = search(client, q="video")
    assert listed(response) == [people["helene"].user]
    assert response.context["page_obj"].paginator.count == 1
    assert listed(search(client, q="moodle")) == [people["marc"].user]


def test_search_finds_a_word_by_its_stem_in_french_or_english(client, user, people):
    client.force_login(user)
    assert listed(search(client, q="videos")) == [people["helene"].user]  # "vidéo"
    assert listed(search(client, q="évaluations")) == [people["helene"].user]
    assert listed(search(client, q="technologie")) == [people["marc"].user]  # technologies
    assert listed(search(client, q="techniciens roy")) == [people["marc"].user]
    # A stem only widens a word: every word must still match somewhere.
    assert listed(search(client, q="videos roy")) == []


def test_search_by_unit_and_job_title(client, user, people):
    client.force_login(user)
    assert listed(search(client, q="sciences de l'education")) == [people["helene"].user]
    assert listed(search(client, q="bibliotheque")) == [people["names_only"].user]
    assert listed(search(client, q="technicien")) == [people["marc"].user]


def test_search_does_not_look_into_email_addresses(client, user, people):
    people["marc"].user.email = "zorglub@example.org"
    people["marc"].user.save()
    client.force_login(user)
    assert listed(search(client, q="zorglub")) == []


def test_results_are_in_alphabetical_order_of_the_names_people_see(client, user, people):
    client.force_login(user)
    everyone = [u.get_full_name() for u in listed(search(client))]
    ours = [n for n in everyone if n in {"Hélène Côté", "Marc Roy", "Josée Tremblay"}]
    assert ours == ["Hélène Côté", "Josée Tremblay", "Marc Roy"]


def test_bad_search_input_is_reported_not_a_server_error(client, user, people):
    client.force_login(user)
    response = search(client, q="x" * 101)
    assert response.context["form"].errors["q"]
    assert "ne sont pas valides" in response.content.decode()
    assert len(listed(response)) == 3  # the invalid search is ignored


def test_a_nul_byte_in_the_search_is_a_bad_request(client, user, people):
    # Refused before the view by RejectMalformedInputMiddleware, for every page at once.
    client.force_login(user)
    response = client.get(LIST_URL, {"q": "nul\x00byte"})
    assert response.status_code == 400
    assert "Requête invalide" in response.content.decode()


def test_cards_show_the_person_and_at_most_five_expertise_tags(client, user):
    expert = person(
        "Ana Lopes",
        job_title="Bibliothécaire",
        unit="Bibliothèque",
        campus="Campus de Lévis",
        tags=["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"],
        ask_me_about=True,
    )
    client.force_login(user)
    body = search(client, q="Ana").content.decode()
    assert expert.get_absolute_url() in body
    for text in ("Ana Lopes", "Bibliothécaire", "Bibliothèque", "Campus de Lévis"):
        assert text in body
    assert "On peut me consulter" in body
    assert reverse("directory:tag", kwargs={"slug": "alpha"}) in body
    assert reverse("directory:tag", kwargs={"slug": "echo"}) in body
    assert reverse("directory:tag", kwargs={"slug": "foxtrot"}) not in body
    assert "et 2 autres" in body


def test_the_directory_paginates_24_by_24_keeping_the_search(client, user):
    for n in range(26):
        person(f"Pagination {n:02d}")
    client.force_login(user)
    first = search(client, q="pagination")
    assert len(listed(first)) == 24
    assert "q=pagination&amp;page=2" in first.content.decode()
    second = search(client, q="pagination", page=2)
    assert [u.display_name for u in listed(second)] == ["Pagination 24", "Pagination 25"]
    assert search(client, q="pagination", page="abc").status_code == 200
    assert len(listed(search(client, q="pagination", page=999))) == 2


# --- Filters ------------------------------------------------------------------------------


def community_choices(response) -> set[str]:
    return {label for value, label in response.context["form"].fields["community"].choices if value}


def test_filter_by_community_lists_its_active_members(client, community_world):
    world = community_world
    client.force_login(world.open_member)
    response = search(client, community=world.open.pk)
    assert set(listed(response)) == {world.open_animator, world.open_member}
    assert world.outsider not in listed(response)  # left the community


def test_filter_by_a_closed_community_shows_members_only_to_its_members(client, community_world):
    world = community_world
    client.force_login(world.outsider)
    # Like the community's home: outsiders see its animators, not its member list.
    assert listed(search(client, community=world.closed.pk)) == [world.closed_animator]
    client.force_login(world.closed_member)
    assert set(listed(search(client, community=world.closed.pk))) == {
        world.closed_animator,
        world.closed_member,
    }


@pytest.mark.parametrize("visitor", ["outsider", "open_member", "closed_animator"])
def test_a_private_community_is_not_offered_as_a_filter_to_non_members(
    client, community_world, visitor
):
    client.force_login(community_world.visitor(visitor))
    choices = community_choices(search(client))
    assert "Communauté private" not in choices
    assert {"Communauté open", "Communauté closed"} <= choices


@pytest.mark.parametrize("visitor", ["private_member", "private_animator", "admin"])
def test_a_private_community_is_a_filter_for_its_members_and_admins(
    client, community_world, visitor
):
    world = community_world
    client.force_login(world.visitor(visitor))
    response = search(client, community=world.private.pk)
    assert "Communauté private" in community_choices(response)
    assert set(listed(response)) == {world.private_animator, world.private_member}


def test_filtering_by_an_unseen_private_community_reveals_nothing(client, community_world):
    world = community_world
    client.force_login(world.outsider)
    private = search(client, community=world.private.pk)
    missing = search(client, community=987654)
    assert private.context["form"].errors["community"]
    assert missing.context["form"].errors["community"]
    # The same answer as for a community that does not exist: the filter is ignored.
    assert listed(private) == listed(missing)
    body = private.content.decode()
    assert "Communauté private" not in body
    assert "cdp-private" not in body


@pytest.mark.parametrize("community", ["not-a-number", "", "1' OR 1=1"])
def test_bad_community_values_are_harmless(client, community_world, community):
    client.force_login(community_world.outsider)
    assert search(client, community=community).status_code == 200


def test_filter_by_role_counts_only_memberships_the_viewer_may_see(client, community_world):
    world = community_world
    client.force_login(world.outsider)
    animators = set(listed(search(client, role="animator")))
    assert animators == {world.open_animator, world.closed_animator}
    client.force_login(world.admin)
    assert world.private_animator in set(listed(search(client, role="animator")))
    # A plain member of a closed community is not revealed to outsiders by the role filter.
    client.force_login(world.outsider)
    assert world.closed_member not in listed(search(client, role="member"))
    assert world.open_member in listed(search(client, role="member"))


def test_community_and_role_must_match_in_the_same_membership(client, community_world):
    world = community_world
    both = make_member(world.open, roles=("coach",))
    make_member(world.closed, user=both, roles=("member",))
    client.force_login(world.closed_member)
    assert listed(search(client, community=world.open.pk, role="coach")) == [both]
    assert listed(search(client, community=world.closed.pk, role="coach")) == []


def test_unknown_role_is_reported_and_ignored(client, community_world):
    client.force_login(community_world.outsider)
    response = search(client, role="pope")
    assert response.context["form"].errors["role"]
    assert len(listed(response)) == Profile.objects.filter(user__is_active=True).count()


def test_filter_by_campus_and_ask_me_about(client, user, people):
    client.force_login(user)
    response = search(client)
    campuses = [v for v, _label in response.context["form"].fields["campus"].choices if v]
    assert campuses == ["Campus de Rimouski", "Campus principal"]
    assert set(listed(search(client, campus="Campus principal"))) == {
        people["marc"].user,
        people["names_only"].user,
    }
    assert listed(search(client, ask_me_about="on")) == [people["marc"].user]
    assert listed(search(client, ask_me_about="on", campus="Campus de Rimouski")) == []
    unknown = search(client, campus="Atlantide")
    assert unknown.context["form"].errors["campus"]
    assert len(listed(unknown)) == 3


# --- Profile page -------------------------------------------------------------------------


def test_profile_page_shows_what_colleagues_should_know(client, user):
    profile = person(
        "Hélène Côté",
        job_title="Conseillère pédagogique",
        unit="Faculté des sciences de l'éducation",
        campus="Campus de Rimouski",
        bio="# Parcours\n\nJ'aime **Moodle**.\n\n<script>alert(1)</script>",
        languages=["fr", "en"],
        tags=["Moodle", "évaluation"],
        interests=["podcast"],
        ask_me_about=True,
        show_email=True,
    )
    client.force_login(user)
    response = client.get(profile.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "Hélène Côté",
        "Conseillère pédagogique",
        "Campus de Rimouski",
        "Français, Anglais",
        "On peut me consulter sur mes expertises",
        profile.user.email,
    ):
        assert text in body, text
    assert "<strong>Moodle</strong>" in body
    assert "<h3>Parcours</h3>" in body  # headings shifted under the page's h2
    assert "<script>alert" not in body
    assert 'href="/tags/moodle/"' in body
    assert 'href="/tags/podcast/"' in body
    assert "évaluation" in body  # shown even if its slug cannot be linked yet
    assert "Modifier mon profil" not in body


def test_own_profile_links_to_the_edit_page(client, user):
    profile = profile_ensure(user=user)
    client.force_login(user)
    assert EDIT_URL in client.get(profile.get_absolute_url()).content.decode()


def test_contact_preferences_are_respected(client, user):
    hidden = person("Discrète", show_email=False, show_phone=False, phone="418 555-0100")
    shown = person("Joignable", show_email=True, show_phone=True, phone="418 555-0199")
    no_number = person("Sans numéro", show_email=False, show_phone=True, phone="")
    client.force_login(user)
    body = client.get(hidden.get_absolute_url()).content.decode()
    assert hidden.user.email not in body
    assert "418 555-0100" not in body
    assert "ne montre pas ses coordonnées" in body
    body = client.get(shown.get_absolute_url()).content.decode()
    assert f"mailto:{shown.user.email}" in body
    assert "418 555-0199" in body
    body = client.get(no_number.get_absolute_url()).content.decode()
    assert "Téléphone" not in body
    assert no_number.user.email not in body


def test_unknown_handle_and_inactive_people_are_404(client, user):
    gone = person("Partie")
    gone.user.is_active = False
    gone.user.save()
    client.force_login(user)
    unknown = reverse("directory:profile", kwargs={"handle": "personne"})
    assert client.get(unknown).status_code == 404
    assert client.get(gone.get_absolute_url()).status_code == 404


def _communities_on_profile(client, viewer, subject) -> str:
    client.force_login(viewer)
    response = client.get(profile_url(subject))
    assert response.status_code == 200
    return " ".join(m.community.name for m in response.context["memberships"])


@pytest.mark.parametrize("visitor", ["outsider", "open_member", "closed_animator"])
def test_a_private_community_never_shows_on_its_members_profiles_to_outsiders(
    client, community_world, visitor
):
    world = community_world
    for subject in ("private_member", "private_animator"):
        shown = _communities_on_profile(client, world.visitor(visitor), world.visitor(subject))
        assert "Communauté private" not in shown
        body = client.get(profile_url(world.visitor(subject))).content.decode()
        assert "Communauté private" not in body
        assert "/communities/cdp-private/" not in body


@pytest.mark.parametrize("visitor", ["private_member", "private_animator", "admin"])
def test_a_private_community_shows_on_profiles_to_its_members_and_admins(
    client, community_world, visitor
):
    world = community_world
    client.force_login(world.visitor(visitor))
    body = client.get(profile_url(world.private_member)).content.decode()
    assert "Communauté private" in body
    assert "Membre" in body


def test_closed_communities_show_their_animators_but_not_their_members(client, community_world):
    world = community_world
    outsider = world.outsider
    shown = _communities_on_profile(client, outsider, world.closed_animator)
    assert "Communauté closed" in shown
    shown = _communities_on_profile(client, outsider, world.closed_member)
    assert "Communauté closed" not in shown
    member = world.closed_member
    assert "Communauté closed" in _communities_on_profile(client, member, member)


def test_profile_lists_communities_with_roles_but_not_those_left(client, community_world):
    world = community_world
    make_member(world.closed, user=world.open_member, roles=("animator", "coach"))
    client.force_login(world.outsider)
    body = client.get(profile_url(world.open_member)).content.decode()
    assert "Communauté open" in body
    assert "Animateur·rice, Coach" in body
    # The outsider left the open community: it is not on their profile.
    assert _communities_on_profile(client, world.admin, world.outsider) == ""


# --- Editing one's own profile ------------------------------------------------------------


def edit_data(**overrides):
    data = {
        "display_name": "Hélène Côté",
        "first_name": "Hélène",
        "last_name": "Côté",
        "job_title": "Conseillère pédagogique",
        "unit": "Service de soutien à l'enseignement",
        "campus": "Campus de Lévis",
        "bio": "Je travaille sur **Moodle**.",
        "expertise": 'Moodle, classe inversée, "Évaluation"',
        "interests": "podcast",
        "languages": ["fr", "en"],
        "phone": "+1 418 555-0100 poste 1234",
        "show_email": "on",
        "show_phone": "on",
        "ask_me_about": "on",
        "notification_email": "direct",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_edit_page_creates_the_profile_if_missing(client):
    newcomer = UserFactory()
    assert not Profile.objects.filter(user=newcomer).exists()
    client.force_login(newcomer)
    response = client.get(EDIT_URL)
    assert response.status_code == 200
    assert Profile.objects.filter(user=newcomer).exists()


@pytest.mark.parametrize("visitor", SIGNED_IN_VISITORS)
def test_everyone_edits_their_own_profile(client, community_world, visitor):
    someone = community_world.visitor(visitor)
    client.force_login(someone)
    response = client.post(EDIT_URL, edit_data(display_name=f"Nouveau nom {visitor}"))
    profile = Profile.objects.get(user=someone)
    assert response.status_code == 302
    assert response["Location"] == profile.get_absolute_url()
    someone.refresh_from_db()
    assert someone.display_name == f"Nouveau nom {visitor}"


def test_edit_happy_path_saves_everything_with_tags(client, user):
    client.force_login(user)
    response = client.post(EDIT_URL, edit_data(), follow=True)
    assert response.status_code == 200
    assert "Votre profil a été enregistré." in response.content.decode()
    user.refresh_from_db()
    profile = Profile.objects.get(user=user)
    assert (user.display_name, user.first_name, user.last_name) == (
        "Hélène Côté",
        "Hélène",
        "Côté",
    )
    assert profile.job_title == "Conseillère pédagogique"
    assert profile.campus == "Campus de Lévis"
    assert profile.languages == ["fr", "en"]
    assert profile.phone == "+1 418 555-0100 poste 1234"
    assert profile.show_email and profile.show_phone and profile.ask_me_about
    assert profile.notification_email == Profile.NotificationEmail.DIRECT
    assert sorted(profile.expertise.names()) == ["Moodle", "classe inversée", "Évaluation"]
    assert list(profile.interests.names()) == ["podcast"]
    # The form shows the tags back as they are, and a second save replaces them.
    form_value = client.get(EDIT_URL).context["form"].initial["expertise"]
    assert form_value == "classe inversée, Moodle, Évaluation"
    client.post(EDIT_URL, edit_data(expertise="vidéo", show_phone=None, languages=None))
    profile.refresh_from_db()
    assert list(profile.expertise.names()) == ["vidéo"]
    assert profile.languages == []
    assert not profile.show_phone


def test_tags_are_reused_whatever_their_case_and_typed_once(client, user):
    other = person("Autre", tags=["moodle"])
    client.force_login(user)
    client.post(EDIT_URL, edit_data(expertise="Moodle, MOODLE, , vidéo"))
    profile = Profile.objects.get(user=user)
    assert sorted(profile.expertise.names()) == ["moodle", "vidéo"]
    assert Tag.objects.filter(name__iexact="moodle").count() == 1
    assert list(other.expertise.names()) == ["moodle"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "appelez-moi", "Saisissez un numéro de téléphone valide"),
        ("display_name", "x" * 151, "Assurez-vous que cette valeur comporte au plus 150"),
        ("expertise", "moodle, " + "y" * 51, "trop longue (50 caractères au plus)"),
        ("expertise", "moodle, !!!", "au moins une lettre ou un chiffre"),
        ("interests", ", ".join(f"t{n}" for n in range(31)), "au plus 30 étiquettes"),
        ("languages", ["fr", "klingon"], "Sélectionnez un choix valide"),
        ("notification_email", "sometimes", "Sélectionnez un choix valide"),
        ("notification_email", None, "Ce champ est obligatoire"),
    ],
)
def test_invalid_input_is_rerendered_with_the_values_and_a_french_message(
    client, user, field, value, message
):
    profile = profile_ensure(user=user)
    client.force_login(user)
    response = client.post(EDIT_URL, edit_data(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    body = response.content.decode()
    assert message in body
    assert "Le profil n'a pas été enregistré" in body
    # What the person typed is still there.
    assert "Je travaille sur **Moodle**." in body
    assert 'value="Conseillère pédagogique"' in body
    # Nothing was written.
    profile.refresh_from_db()
    assert profile.job_title == ""
    assert not profile.expertise.exists()


def test_nobody_can_edit_someone_elses_profile(client, community_world):
    world = community_world
    victim = Profile.objects.get(user=world.open_member)
    before = (victim.handle, victim.job_title, victim.user.display_name)
    attacker = world.outsider
    client.force_login(attacker)
    # There is no URL for another person's profile form...
    assert client.get(f"/profile/edit/{victim.handle}/").status_code == 404
    assert client.get(f"{profile_url(world.open_member)}edit/").status_code == 404
    # ...and smuggled identifiers change only one's own profile.
    data = edit_data(job_title="Pirate", handle=victim.handle, user=victim.user_id)
    data["profile"] = victim.pk
    assert client.post(EDIT_URL, data).status_code == 302
    victim.refresh_from_db()
    victim.user.refresh_from_db()
    assert (victim.handle, victim.job_title, victim.user.display_name) == before
    own = Profile.objects.get(user=attacker)
    assert own.job_title == "Pirate"
    assert own.handle != victim.handle


def test_profile_update_refuses_fields_a_person_may_not_change(user):
    profile = profile_ensure(user=user)
    with pytest.raises(ValueError):
        profile_update(
            profile=profile,
            user_fields={"is_superuser": True},
            profile_fields={},
            expertise=[],
            interests=[],
        )
    with pytest.raises(ValueError):
        profile_update(
            profile=profile,
            user_fields={},
            profile_fields={"handle": "someone-else"},
            expertise=[],
            interests=[],
        )
    user.refresh_from_db()
    assert not user.is_superuser


# --- Tag pages ----------------------------------------------------------------------------


def test_tag_page_lists_experts_then_interested_people(client, tag_world):
    world = tag_world
    asks = person("Zoé Experte", tags=["Moodle"], ask_me_about=True)
    client.force_login(world.outsider)
    response = client.get(reverse("directory:tag", kwargs={"slug": "moodle"}))
    assert response.status_code == 200
    experts = [p.user for p in section(response, "experts").profiles]
    interested = [p.user for p in section(response, "interested").profiles]
    # Those who accept questions come first.
    assert experts == [asks.user, world.private_member]
    assert interested == [world.private_animator]
    body = response.content.decode()
    assert body.index("Expertes et experts") < body.index("Personnes intéressées")
    keys = [s.key for s in response.context["sections"]]
    # People who know first, the apps' sections (library, discussions) next, the curious last.
    assert keys[0] == "experts" and keys[-1] == "interested" and "resources" in keys


@pytest.mark.parametrize("visitor", ["outsider", "open_member", "closed_animator"])
def test_tag_pages_do_not_reveal_a_private_community(client, tag_world, visitor):
    client.force_login(tag_world.visitor(visitor))
    body = client.get(reverse("directory:tag", kwargs={"slug": "moodle"})).content.decode()
    assert "Communauté private" not in body
    assert "cdp-private" not in body


def test_unknown_tag_is_404(client, user):
    client.force_login(user)
    assert client.get(reverse("directory:tag", kwargs={"slug": "inconnue"})).status_code == 404


def test_a_nul_byte_in_a_tag_address_is_a_bad_request(client, user):
    # RejectMalformedInputMiddleware answers before the view (it used to be the view's 404).
    client.force_login(user)
    assert client.get("/tags/%00/").status_code == 400
    assert client.post("/tags/a%00b/follow/", {"follow": "1"}).status_code == 400


def test_a_tag_nothing_uses_has_no_page(client, user):
    Tag.objects.create(name="Orpheline", slug="orpheline")
    client.force_login(user)
    assert client.get(reverse("directory:tag", kwargs={"slug": "orpheline"})).status_code == 404


def test_a_tag_only_a_private_community_uses_is_a_404_for_outsiders(client, community_world):
    from tests.forums.factories import general_forum, make_topic

    private = community_world.private
    make_topic(general_forum(private), community_world.private_member, tags=["confidentiel"])
    url = reverse("directory:tag", kwargs={"slug": "confidentiel"})
    client.force_login(community_world.open_member)
    assert client.get(url).status_code == 404
    client.force_login(community_world.private_member)
    assert client.get(url).status_code == 200


def test_following_a_tag_only_a_private_community_uses_is_a_404_for_outsiders(
    client, community_world
):
    from tests.forums.factories import general_forum, make_topic

    private = community_world.private
    make_topic(general_forum(private), community_world.private_member, tags=["confidentiel"])
    follow_url = reverse("directory:tag_follow", kwargs={"slug": "confidentiel"})
    outsider = community_world.open_member
    client.force_login(outsider)
    for value in ("1", "0", "maybe"):
        assert client.post(follow_url, {"follow": value}).status_code == 404
    assert not Profile.objects.filter(user=outsider, interests__slug="confidentiel").exists()
    # A member of the private community follows it as usual.
    client.force_login(community_world.private_member)
    assert client.post(follow_url, {"follow": "1"}).status_code == 302
    assert Profile.objects.filter(
        user=community_world.private_member, interests__slug="confidentiel"
    ).exists()


def test_a_followed_tag_can_always_be_unfollowed(client, community_world):
    from taggit.models import Tag as TaggitTag

    from communities.services import profile_ensure, profile_follow_tag

    # A tag used nowhere else: following it is what keeps it on anyone's page.
    tag = TaggitTag.objects.create(name="ancienne", slug="ancienne")
    person = community_world.open_member
    profile_follow_tag(profile=profile_ensure(user=person), tag=tag, follow=True)
    client.force_login(person)
    follow_url = reverse("directory:tag_follow", kwargs={"slug": "ancienne"})
    assert client.post(follow_url, {"follow": "0"}).status_code == 302
    assert not Profile.objects.get(user=person).interests.exists()


def test_following_a_tag_makes_it_an_interest_and_back(client, user):
    person("Experte", tags=["podcast"])
    url = reverse("directory:tag", kwargs={"slug": "podcast"})
    follow_url = reverse("directory:tag_follow", kwargs={"slug": "podcast"})
    client.force_login(user)
    assert "Suivre cette étiquette" in client.get(url).content.decode()
    response = client.post(follow_url, {"follow": "1"}, follow=True)
    assert "Vous suivez l&#x27;étiquette « podcast »." in response.content.decode()
    assert "Ne plus suivre cette étiquette" in response.content.decode()
    assert list(Profile.objects.get(user=user).interests.names()) == ["podcast"]
    client.post(follow_url, {"follow": "0"})
    assert not Profile.objects.get(user=user).interests.exists()
    response = client.post(follow_url, {"follow": "maybe"}, follow=True)
    assert "Choix invalide." in response.content.decode()
    assert client.get(follow_url).status_code == 405


def test_following_needs_a_login(client):
    Tag.objects.create(name="podcast", slug="podcast")
    response = client.post(reverse("directory:tag_follow", kwargs={"slug": "podcast"}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_tag_page_paginates_experts_and_interested_people_separately(client, user):
    for n in range(26):
        person(f"Experte {n:02d}", tags=["podcast"])
    for n in range(25):
        person(f"Curieux {n:02d}", interests=["podcast"])
    url = reverse("directory:tag", kwargs={"slug": "podcast"})
    client.force_login(user)
    first = client.get(url)
    assert len(section(first, "experts").profiles) == 24
    assert len(section(first, "interested").profiles) == 24
    assert "?page=2" in first.content.decode()
    assert "?interested_page=2#interested" in first.content.decode()
    second = client.get(url, {"page": 2})
    assert [p.user.display_name for p in section(second, "experts").profiles] == [
        "Experte 24",
        "Experte 25",
    ]
    assert len(section(second, "interested").profiles) == 24
    third = client.get(url, {"page": 2, "interested_page": 2})
    assert len(section(third, "experts").profiles) == 2
    assert len(section(third, "interested").profiles) == 1


def test_accented_tags_are_linked_to_their_tag_page(client, user):
    """taggit keeps accents in slugs ("évaluation", "études-de-cas"): the tag URL routes
    them, every list links them, and the tag page finds its people."""
    profile = person("Accents", tags=["évaluation"], interests=["études de cas"])
    assert Tag.objects.get(name="évaluation").slug == "évaluation"
    expertise_url = reverse("directory:tag", kwargs={"slug": "évaluation"})
    interest_url = reverse("directory:tag", kwargs={"slug": "études-de-cas"})
    assert expertise_url == "/tags/%C3%A9valuation/"
    client.force_login(user)
    body = client.get(profile.get_absolute_url()).content.decode()
    assert f'<a class="tag" href="{expertise_url}">évaluation</a>' in body
    assert f'<a class="tag" href="{interest_url}">études de cas</a>' in body
    listing = search(client, q="accents").content.decode()
    assert f'href="{expertise_url}"' in listing
    # The browser's percent-encoded path and the raw one both reach the page.
    for url in (expertise_url, "/tags/évaluation/"):
        response = client.get(url)
        assert response.status_code == 200
        assert [p.user for p in section(response, "experts").profiles] == [profile.user]
    response = client.get(interest_url)
    assert [p.user for p in section(response, "interested").profiles] == [profile.user]


# --- Fixed number of queries --------------------------------------------------------------


def _crowd(size, community):
    for n in range(size):
        profile = person(f"Foule {n:02d}", tags=[f"sujet-{n}", "commun", "partagé"])
        make_member(community, user=profile.user)


@pytest.mark.parametrize("size", [6, 20])
def test_directory_query_count_is_fixed(client, community_world, django_assert_num_queries, size):
    _crowd(size, community_world.open)
    client.force_login(community_world.open_member)
    # session, user, community choices, campus choices, count, page (its tags joined)
    with django_assert_num_queries(6):
        response = client.get(LIST_URL, {"q": "foule", "community": community_world.open.pk})
    assert len(listed(response)) == size


@pytest.mark.parametrize("size", [2, 8])
def test_profile_query_count_is_fixed(client, community_world, django_assert_num_queries, size):
    world = community_world
    subject = world.open_member
    Profile.objects.filter(user=subject).update(bio="**Bonjour**", languages=["fr"])
    Profile.objects.get(user=subject).expertise.add(*[f"e{n}" for n in range(size)])
    Profile.objects.get(user=subject).interests.add(*[f"i{n}" for n in range(size)])
    for _n in range(size):
        make_member(CommunityFactory(), user=subject, roles=("member", "coach"))
    client.force_login(world.closed_member)
    # session, user, profile with account, expertise, interests,
    # memberships
    with django_assert_num_queries(6):
        response = client.get(profile_url(subject))
    assert len(response.context["memberships"]) == size + 1


@pytest.mark.parametrize("size", [3, 12])
def test_tag_page_query_count_is_fixed(client, community_world, django_assert_num_queries, size):
    _crowd(size, community_world.open)
    for n in range(size):
        person(f"Curieuse {n}", interests=["commun"])
        ResourceFactory(community=community_world.open, title=f"Fiche {n}", tags=["commun"])
        make_topic(
            general_forum(community_world.open),
            community_world.open_animator,
            title=f"Sujet {n}",
            tags=["commun"],
        )
    client.force_login(community_world.open_member)
    # Made once in a person's life, by the first page that offers a feed.
    feed_token_ensure(user=community_world.open_member)
    # session, user, tag, then count and page (tags joined) for experts and for
    # interested people; count, page and tags for resources (my feed token comes with
    # my account); count and page (tags joined) for discussions; whether I follow it
    with django_assert_num_queries(13):
        response = client.get(reverse("directory:tag", kwargs={"slug": "commun"}))
    assert len(section(response, "experts").profiles) == size
    assert len(section(response, "interested").profiles) == size
    assert len(section(response, "resources").resources) == min(size, 10)
    assert section(response, "resources").page_obj.paginator.count == size
    assert section(response, "discussions").page_obj.paginator.count == size
