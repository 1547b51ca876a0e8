"""The global search at /search/?q=: four sections (communities, resources, discussions,
people), each with its own visibility rule, its total and a fixed number of queries."""

import pytest
from django.urls import reverse

from cdp_portal.search import DISCUSSION_LIMIT, SECTION_SIZE, search_everything
from tests.factories import CommunityFactory, ProfileFactory, make_member
from tests.forums.factories import general_forum, make_post, make_topic
from tests.resources.factories import ResourceFactory
from tests.shared_worlds import shared_world
from tests.worlds import CommunityWorld

pytestmark = pytest.mark.django_db

URL = reverse("search")
VISIBILITIES = ("open", "closed", "private")


@shared_world
def world(community_world: CommunityWorld) -> CommunityWorld:
    """In each community of `community_world`: a summary, a resource and a discussion
    about photosynthesis; a hidden resource in the private one; an institution-wide
    resource; and a person whose unit is about it (a member of the private community)."""
    w = community_world
    for visibility in VISIBILITIES:
        community = w.community(visibility)
        community.summary = f"Atelier de photosynthèse {visibility}"
        community.save()
        ResourceFactory(title=f"Photosynthèse ressource {visibility}", community=community)
        make_topic(
            general_forum(community),
            w.visitor_for("member", visibility),
            title=f"Photosynthèse discussion {visibility}",
            notify=False,
        )
    ResourceFactory(title="Photosynthèse ressource cachée", community=w.private, is_hidden=True)
    ResourceFactory(title="Photosynthèse ressource institution")
    profile = w.private_member.profile
    profile.unit = "Laboratoire de photosynthèse"
    profile.save()
    return w


def get(client, user, q="photosynthese"):
    client.force_login(user)
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    return response


def names(section) -> set[str]:
    return {str(item) for item in section.items}


# --- Who sees what ----------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(URL, {"q": "photosynthese"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# (visitor, communities, resources, discussions) each visitor finds; people are the
# institution's and the same for everyone.
EXPECTED = {
    "outsider": (
        {"open", "closed"},
        {"open", "institution"},
        {"open"},
    ),
    "closed_member": (
        {"open", "closed"},
        {"open", "closed", "institution"},
        {"open", "closed"},
    ),
    "open_animator": (
        {"open", "closed"},
        {"open", "institution"},
        {"open"},
    ),
    "private_member": (
        {"open", "closed", "private"},
        {"open", "private", "institution"},
        {"open", "private"},
    ),
    "private_animator": (
        {"open", "closed", "private"},
        {"open", "private", "institution", "cachée"},
        {"open", "private"},
    ),
    "admin": (
        {"open", "closed", "private"},
        {"open", "closed", "private", "institution", "cachée"},
        {"open", "closed", "private"},
    ),
}


@pytest.mark.parametrize("visitor", list(EXPECTED))
def test_each_section_shows_and_counts_only_what_the_visitor_may_see(client, world, visitor):
    communities, resources, discussions = EXPECTED[visitor]
    response = get(client, world.visitor(visitor))
    results = response.context["results"]

    assert names(results.communities) == {f"Communauté {v}" for v in communities}
    assert results.communities.total == len(communities)
    assert names(results.resources) == {f"Photosynthèse ressource {r}" for r in resources}
    assert results.resources.total == len(resources)
    assert names(results.discussions) == {f"Photosynthèse discussion {d}" for d in discussions}
    assert results.discussions.total == len(discussions)
    assert [p.handle for p in results.people.items] == [world.private_member.profile.handle]
    assert results.people.total == 1

    body = response.content.decode()
    total = len(communities) + len(resources) + len(discussions) + 1
    assert f"{total} résultats pour « photosynthese »" in body
    assert f"{len(communities)} communautés trouvées" in body
    assert f"{len(resources)} ressources trouvées" in body
    assert "1 personne trouvée" in body


@pytest.mark.parametrize("visitor", ["outsider", "closed_member", "open_animator"])
def test_a_private_community_leaves_no_trace_for_a_non_member(client, world, visitor):
    body = get(client, world.visitor(visitor)).content.decode()
    assert "Communauté private" not in body
    assert "Photosynthèse ressource private" not in body
    assert "Photosynthèse discussion private" not in body
    assert "photosynthèse private" not in body  # the community's summary


def test_closed_content_is_for_members_only_but_the_community_shows(client, world):
    body = get(client, world.outsider).content.decode()
    assert "Communauté closed" in body
    assert "Photosynthèse ressource closed" not in body
    assert "Photosynthèse discussion closed" not in body


def test_people_search_reveals_no_private_membership(client, world):
    """The person in the private community is found by their unit (the directory is
    institution-wide) but their card does not say where they belong."""
    body = get(client, world.outsider, "laboratoire").content.decode()
    assert world.private_member.get_full_name() in body
    assert "Communauté private" not in body


def test_searching_a_private_community_by_name_finds_nothing_for_a_non_member(client, world):
    results = get(client, world.outsider, "private").context["results"]
    assert results.total == 0
    results = get(client, world.private_member, "private").context["results"]
    assert names(results.communities) == {"Communauté private"}
    assert names(results.discussions) == {"Photosynthèse discussion private"}


# --- Matching --------------------------------------------------------------------------


def test_accents_and_case_are_ignored_both_ways(world):
    member = world.private_member
    plain = search_everything(member, "PHOTOSYNTHESE")
    accented = search_everything(member, "photosynthèse")
    for section in ("communities", "resources", "discussions", "people"):
        assert names(getattr(plain, section)) == names(getattr(accented, section))
        assert getattr(plain, section).total > 0


def test_communities_match_their_theme_and_every_word_must_match(community_world):
    CommunityFactory(name="Numérique", theme="Se documenter", summary="")
    user = community_world.outsider
    assert names(search_everything(user, "documenter").communities) == {"Numérique"}
    assert names(search_everything(user, "numerique documenter").communities) == {"Numérique"}
    assert search_everything(user, "numerique absent").communities.total == 0


def test_a_misspelt_discussion_title_is_still_found(world):
    found = search_everything(world.outsider, "photosyntese discusion")
    assert "Photosynthèse discussion open" in names(found.discussions)


def test_resource_results_carry_a_highlighted_snippet(client, community_world):
    ResourceFactory(title="Carnet", summary="Un carnet de bord pour la photosynthèse.")
    body = get(client, community_world.outsider).content.decode()
    assert "<mark>photosynthèse</mark>" in body


def test_what_was_typed_is_escaped(client, world):
    body = get(client, world.outsider, '<script>alert("x")</script>').content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;" in body


# --- Page ------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["", "   ", None])
def test_an_empty_query_shows_the_form_and_a_hint_without_searching(
    client, world, django_assert_num_queries, q
):
    client.force_login(world.outsider)
    # Session, account (the header's unread count is stored with it): nothing is searched.
    with django_assert_num_queries(2):
        response = client.get(URL, {} if q is None else {"q": q})
    assert response.status_code == 200
    assert response.context["results"] is None
    body = response.content.decode()
    assert "Tapez un ou plusieurs mots" in body
    assert 'id="search-q"' in body


def test_the_page_is_accessible_one_h1_a_labelled_field_and_a_heading_per_section(client, world):
    body = get(client, world.private_member).content.decode()
    assert body.count("<h1") == 1
    assert '<label for="search-q">' in body
    for section in ("communities", "resources", "discussions", "people"):
        assert f'<h2 id="{section}-title">' in body
    assert 'role="status"' in body


def test_the_header_search_box_appears_on_signed_in_pages(client, world):
    client.force_login(world.outsider)
    body = client.get(reverse("communities:list")).content.decode()
    assert f'action="{URL}"' in body
    assert 'for="site-search-q"' in body


def test_sections_link_to_their_own_full_search(client, community_world):
    for n in range(SECTION_SIZE + 1):
        CommunityFactory(name=f"Herbier {n}")
        ResourceFactory(title=f"Herbier ressource {n}")
        ProfileFactory(unit=f"Herbier {n}")
    response = get(client, community_world.outsider, "herbier")
    results = response.context["results"]
    assert len(results.communities.items) == SECTION_SIZE
    assert results.communities.total == SECTION_SIZE + 1
    assert results.resources.total == SECTION_SIZE + 1
    assert results.people.total == SECTION_SIZE + 1
    body = response.content.decode()
    assert f'href="{reverse("communities:list")}?q=herbier"' in body
    assert f'href="{reverse("resources:list")}?q=herbier"' in body
    assert f'href="{reverse("directory:list")}?q=herbier"' in body
    assert f"Voir les {SECTION_SIZE + 1} ressources dans la bibliothèque" in body


def test_discussions_show_up_to_the_limit_and_say_so(client, community_world):
    forum = general_forum(community_world.open)
    author = community_world.open_member
    for n in range(DISCUSSION_LIMIT + 1):
        make_topic(forum, author, title=f"Herbier numéro {n}", notify=False)
    response = get(client, community_world.outsider, "herbier")
    discussions = response.context["results"].discussions
    assert len(discussions.items) == DISCUSSION_LIMIT
    assert discussions.total == DISCUSSION_LIMIT + 1
    assert f"Voici les {DISCUSSION_LIMIT} premières" in response.content.decode()


def test_large_totals_are_counted_up_to_a_cap(client, world, monkeypatch):
    from cdp_portal import search

    monkeypatch.setattr(search, "COUNT_CAP", 1)
    response = get(client, world.private_member)
    discussions = response.context["results"].discussions
    assert (discussions.total, discussions.capped, len(discussions.items)) == (1, True, 2)
    body = response.content.decode()
    assert "Plus de 1 discussion trouvée" in body
    assert "Plus de " in body.split('role="status"')[1].split("</p>")[0]


# --- Queries ---------------------------------------------------------------------------

# Session, account (with the administrators' fact), communities (rows and total together),
# spelling correction, resource rows, their tags and total, the posts holding the words
# (the most recent, with their rank), the discussions found (their ids: the total), the
# discussions shown (with their extracts) and their tags, people (rows and total
# together, with their expertise). The header's unread count is stored with the account.
SEARCH_QUERIES = 12


def _more_of_everything(world: CommunityWorld) -> None:
    for visibility in VISIBILITIES:
        community = world.community(visibility)
        for n in range(SECTION_SIZE):
            ResourceFactory(
                title=f"Photosynthèse encore {visibility} {n}", community=community, tags=["a"]
            )
            topic = make_topic(
                general_forum(community),
                world.visitor_for("member", visibility),
                title=f"Photosynthèse encore {visibility} {n}",
                tags=["b"],
                notify=False,
            )
            # Found by a post's text too, with an extract; and a topic found by it only.
            make_post(
                topic,
                world.visitor_for("animator", visibility),
                "De la photosynthèse.",
                notify=False,
            )
            make_topic(
                general_forum(community),
                world.visitor_for("member", visibility),
                title=f"Chlorophylle {visibility} {n}",
                body="Et la photosynthèse ?",
                notify=False,
            )
            person = make_member(community)
            person.profile.unit = f"Photosynthèse {n}"
            person.profile.save()
            person.profile.expertise.add("botanique")


@pytest.mark.parametrize("visitor", ["outsider", "private_member", "private_animator"])
def test_query_count_is_fixed_whatever_the_data(client, world, django_assert_num_queries, visitor):
    client.force_login(world.visitor(visitor))
    with django_assert_num_queries(SEARCH_QUERIES):
        client.get(URL, {"q": "photosynthese"})
    _more_of_everything(world)
    with django_assert_num_queries(SEARCH_QUERIES):
        response = client.get(URL, {"q": "photosynthese"})
    results = response.context["results"]
    assert results.resources.total > SECTION_SIZE
    assert any(topic.hit for topic in results.discussions.items)
    assert "<mark>photosynthèse</mark>" in response.content.decode()


def test_query_count_for_an_administrator(client, world, django_assert_num_queries):
    client.force_login(world.admin)
    _more_of_everything(world)
    with django_assert_num_queries(SEARCH_QUERIES):
        client.get(URL, {"q": "photosynthese"})
