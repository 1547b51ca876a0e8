"""The library's counts (`ResourceCount`), from which the library shows its total, facets
and tag cloud without a search: every write path keeps them equal to a count of the
resources themselves, and what each person is shown from them is what the visibility
rule lets them see."""

import io
from collections import Counter, defaultdict

import pytest
from django.db.models.deletion import ProtectedError
from taggit.models import Tag

from communities.services import community_set_archived, user_delete
from resources import services
from resources.library import library_search
from resources.models import Resource, ResourceCount, TaggedResource
from tests.factories import CommunityFactory, UserFactory, make_member
from tests.resources.factories import ResourceFactory, make_resource
from tests.resources.live_counts import counted_live, shown

pytestmark = pytest.mark.django_db

RESOURCES = "/admin/resources/resource/"


def counted_from_scratch() -> set[tuple]:
    """ResourceCount as it must be: each resource, each of its tags per kind and language,
    each of its tags whatever the kind and language ("")."""
    tags = defaultdict(list)
    for resource_id, tag_id in TaggedResource.objects.values_list("content_object_id", "tag_id"):
        tags[resource_id].append(tag_id)
    counts: Counter = Counter()
    for pk, community, hidden, kind, language in Resource.objects.values_list(
        "pk", "community_id", "is_hidden", "kind", "language"
    ):
        counts[community, hidden, kind, language, None] += 1
        for tag in tags[pk]:
            counts[community, hidden, kind, language, tag] += 1
            counts[community, hidden, "", "", tag] += 1
    return {(*key, n) for key, n in counts.items()}


def stored() -> set[tuple]:
    return set(
        ResourceCount.objects.filter(n__gt=0).values_list(
            "community_id", "is_hidden", "kind", "language", "tag_id", "n"
        )
    )


def assert_counts_current() -> None:
    assert stored() == counted_from_scratch()
    assert not ResourceCount.objects.filter(n__lt=0).exists()


@pytest.fixture
def library(world):
    """The world's resources, a few more of every sort: hidden ones (one by a plain
    member of the open community, one in the closed community), English, tagged."""
    ResourceFactory(
        community=world.open, author=world.open_member, is_hidden=True, tags=["outil", "brouillon"]
    )
    ResourceFactory(community=world.closed, is_hidden=True, kind="tool", tags=["outil"])
    ResourceFactory(community=world.private, language="en", kind="faq", tags=["faq", "outil"])
    ResourceFactory(community=None, language="en", kind="method", tags=["methode"])
    return world


VISITORS = (
    "open_member",
    "open_animator",
    "open_documentalist",
    "closed_member",
    "closed_animator",
    "private_member",
    "private_animator",
    "outsider",
    "admin",
)
FILTERS = (
    {},
    {"kind": "tool"},
    {"language": "en"},
    {"tag": "outil"},
    {"community": "_institution"},
    {"community": "cdp-open", "kind": "document"},
    {"tag": "outil", "language": "fr"},
)


@pytest.mark.parametrize("filters", FILTERS)
def test_each_person_is_shown_what_the_rule_lets_them_see(library, filters):
    for name in VISITORS:
        person = library.visitor(name)
        assert shown(person, **filters) == counted_live(person, **filters), (name, filters)
    assert_counts_current()


def test_the_author_of_a_hidden_resource_is_shown_it_in_the_counts(library):
    total, facets = shown(library.open_member)
    neighbour = make_member(library.open)
    other_total, other_facets = shown(neighbour)
    assert total == other_total + 1
    assert ("brouillon", 1) in facets["tag"]
    assert not any(slug == "brouillon" for slug, _n in other_facets["tag"])


def test_creating_counts_the_resource_and_its_tags(library):
    make_resource(
        author=library.open_member, community=library.open, tags=["outil", "nouveau"], kind="tool"
    )
    assert_counts_current()
    assert ("nouveau", 1) in shown(library.open_member)[1]["tag"]


def test_editing_moves_the_counts(library):
    resource = make_resource(author=library.open_member, community=library.open, tags=["a"])
    services.resource_update(
        resource=resource,
        editor=library.open_member,
        title="Autre titre",
        summary="Autre résumé.",
        kind="faq",
        language="en",
        community=library.open,
        tags=["b", "c"],
    )
    assert_counts_current()
    tags = dict(shown(library.open_member)[1]["tag"])
    assert "a" not in tags and tags["b"] == 1


@pytest.mark.parametrize("destination", ["closed", None])
def test_moving_to_another_community_moves_the_counts(library, destination):
    target = library.community(destination) if destination else None
    resource = make_resource(author=library.admin, community=library.open, tags=["voyage"])
    services.resource_update(
        resource=resource,
        editor=library.admin,
        title=resource.title,
        summary=resource.summary,
        kind=resource.kind,
        language=resource.language,
        community=target,
        tags=["voyage"],
    )
    assert_counts_current()
    # The open community's members no longer count it unless it is institution-wide.
    assert (("voyage", 1) in shown(library.open_member)[1]["tag"]) == (destination is None)
    assert ("voyage", 1) in shown(library.closed_member)[1]["tag"]


def test_hiding_and_showing_again_move_the_counts(library):
    resource = library.open_resource
    neighbour = make_member(library.open)  # not its author: hiding takes it from them
    before = shown(neighbour)
    services.resource_set_hidden(resource=resource, by=library.open_animator, hidden=True)
    assert_counts_current()
    assert shown(neighbour)[0] == before[0] - 1
    for person in (library.open_member, library.open_animator, library.admin):
        assert shown(person) == counted_live(person)
    services.resource_set_hidden(resource=resource, by=library.open_animator, hidden=False)
    assert_counts_current()
    assert shown(neighbour) == before


def test_hiding_through_a_flag_moves_the_counts(library):
    flag = services.resource_flag(
        resource=library.closed_resource, reporter=library.closed_member, reason="Obsolète"
    )
    services.resource_flag_resolve(flag=flag, by=library.closed_animator, hide=True)
    assert_counts_current()
    assert shown(library.closed_member) == counted_live(library.closed_member)


def test_the_admin_hides_through_the_services(client, login, library):
    client = login(library.admin)
    client.post(f"{RESOURCES}{library.open_resource.pk}/change/", {"is_hidden": "on"})
    assert_counts_current()
    client.post(RESOURCES, {"action": "hide", "_selected_action": [library.private_resource.pk]})
    assert_counts_current()
    assert Resource.objects.filter(is_hidden=True).count() == 4
    assert shown(library.private_member) == counted_live(library.private_member)


def test_archiving_a_community_changes_nothing(library):
    before = shown(library.closed_member)
    community_set_archived(community=library.closed, by=library.admin, archived=True)
    assert_counts_current()
    assert shown(library.closed_member) == before


def test_a_community_that_holds_resources_cannot_be_deleted(library):
    with pytest.raises(ProtectedError):
        library.closed.delete()
    assert_counts_current()


def test_deleting_a_community_emptied_of_its_resources(client, login, library):
    community = CommunityFactory(slug="ephemere")
    resource = make_resource(author=library.admin, community=community, tags=["passage"])
    services.resource_update(
        resource=resource,
        editor=library.admin,
        title=resource.title,
        summary=resource.summary,
        kind=resource.kind,
        language=resource.language,
        community=library.open,
        tags=["passage"],
    )
    response = login(library.admin).post(
        f"/admin/communities/community/{community.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not ResourceCount.objects.filter(community_id=community.pk).exists()
    assert_counts_current()


def test_deleting_an_author_changes_nothing(library):
    author = UserFactory()
    make_member(library.open, user=author)
    make_resource(author=author, community=library.open, tags=["legs"])
    user_delete(user=author, by=library.admin)
    assert_counts_current()
    assert ("legs", 1) in shown(library.open_member)[1]["tag"]


def test_a_deleted_tag_leaves_the_tag_cloud(library):
    Tag.objects.get(slug="faq").delete()
    assert not any(slug == "faq" for slug, _n in shown(library.private_member)[1]["tag"])
    assert shown(library.private_member)[0] == counted_live(library.private_member)[0]


def test_recounting_the_whole_library_changes_nothing_when_current(library):
    before = stored()
    services.library_recount()
    assert stored() == before
    assert_counts_current()


def test_recounting_repairs_a_resource_written_by_hand(library):
    Resource.objects.filter(pk=library.open_resource.pk).update(kind="faq")
    assert stored() != counted_from_scratch()
    services.library_recount()
    assert_counts_current()


def test_counting_again_changes_nothing(library):
    before = stored()
    services.recount(Resource.objects.all())
    services.reindex()
    assert stored() == before


def test_the_command_repairs_what_a_previous_release_wrote(library):
    """A resource written without reindex (a node of the previous release during a
    rolling deploy): no title_folded, no tag_ids, not counted."""
    from django.core.management import call_command

    resource = ResourceFactory(title="Écrite à l'ancienne", tags=["ancien"], indexed=False)
    Resource.objects.filter(pk=resource.pk).update(title_folded="", tag_ids=[])
    ResourceCount.objects.all().delete()
    out = io.StringIO()
    call_command("library_recount", stdout=out)
    assert out.getvalue().startswith("1 resources reindexed")
    resource.refresh_from_db()
    assert resource.title_folded == "ecrite a l'ancienne"
    assert resource.tag_ids == [Tag.objects.get(slug="ancien").pk]
    assert_counts_current()
    assert library_search(library.admin, q="ecrite ancienne").total == 1
