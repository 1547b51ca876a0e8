"""Main library pages run a fixed number of queries whatever the amount of data."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources import services
from resources.models import Bookmark
from tests.factories import make_member
from tests.forums.factories import general_forum, make_topic
from tests.resources.factories import ResourceFactory
from tests.worlds import ResourceWorld

pytestmark = pytest.mark.django_db


def more_resources(world: ResourceWorld, n: int) -> None:
    for i in range(n):
        resource = ResourceFactory(
            title=f"Ressource supplémentaire {i}",
            community=world.open if i % 2 else None,
            tags=[f"sujet-{i}", "outil"],
            featured=i % 3 == 0,
        )
        Bookmark.objects.create(user=world.open_member, resource=resource)


def count_queries(client, url, params=None):
    cache.clear()  # the facet cache would hide the counting queries
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "ressource outil"}, {"q": "ressource", "kind": "document", "tag": "outil"}],
)
def test_the_list_does_not_grow_with_the_data(client, login, world, params):
    client = login(world.open_member)
    url = reverse("resources:list")
    before = count_queries(client, url, params)
    more_resources(world, 30)
    assert count_queries(client, url, params) == before


def test_list_query_count(client, login, world, django_assert_num_queries):
    more_resources(world, 5)
    client = login(world.open_member)
    # session, user, the readable and moderated communities (one
    # query: the facet cache key and the filters), the total and facets (from the
    # library's counts), the page's rows (with whether each is bookmarked), their tags,
    # featured
    with django_assert_num_queries(7):
        client.get(reverse("resources:list"))
    # Again: the counts and facets come from the cache.
    with django_assert_num_queries(6):
        client.get(reverse("resources:list"))


def test_search_query_count(client, login, world, django_assert_num_queries):
    more_resources(world, 5)
    client = login(world.open_member)
    # session, user, the communities, the spelling correction, the matches
    # read once for the total, facets and page's ids, the page's rows (and bookmarks),
    # their tags (no "featured" panel)
    with django_assert_num_queries(7):
        client.get(reverse("resources:list"), {"q": "ressource", "tag": "outil"})
    # Counts from the cache: the same statement reads only the page's ids.
    with django_assert_num_queries(7):
        client.get(reverse("resources:list"), {"q": "ressource", "tag": "outil", "page": 1})


def _total(client, **params):
    return client.get(reverse("resources:list"), params).context["page_obj"].paginator.count


def test_cached_counts_follow_every_change_of_the_library(
    client, login, world, django_capture_on_commit_callbacks
):
    client = login(world.open_member)
    before = _total(client, q="ressource")
    with django_capture_on_commit_callbacks(execute=True):
        extra = ResourceFactory(title="Ressource nouvelle", community=world.open)
    assert _total(client, q="ressource") == before + 1
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_set_hidden(resource=extra, by=world.admin, hidden=True)
    assert _total(client, q="ressource") == before


def test_cached_counts_follow_the_visitor_memberships(login, world):
    outsider = login(world.outsider)
    before = _total(outsider)
    make_member(world.closed, user=world.outsider)
    assert _total(outsider) == before + 1  # the closed community's resource, at once


def test_detail_query_count(client, login, world, django_assert_num_queries):
    resource = world.open_resource
    client = login(world.open_animator)
    # session, user, resource (with my membership), view count, tags, bookmark,
    # revisions, the discussions about it and the forums to open one in
    with django_assert_num_queries(9):
        response = client.get(resource.get_absolute_url())
    assert response.context["can_edit"]
    forum = general_forum(world.open)
    for number in range(3):
        make_topic(forum, world.open_animator, title=f"Sujet {number}", resource=resource)
    with django_assert_num_queries(9):
        response = client.get(resource.get_absolute_url())
    assert len(response.context["sections"][0].topics) == 3


def test_bookmarks_query_count(client, login, world, django_assert_num_queries):
    more_resources(world, 5)
    client = login(world.open_member)
    # session, user, count, page, tags
    with django_assert_num_queries(5):
        response = client.get(reverse("resources:bookmarks"))
    assert len(response.context["resources"]) == 5
