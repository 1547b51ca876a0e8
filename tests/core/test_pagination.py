"""KeysFirstPaginator gives the pages a plain Paginator gives, in one query each."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator

from cdp_portal.core.pagination import KeysFirstPaginator
from forums.models import Topic
from tests.factories import make_member
from tests.forums.factories import general_forum, make_topic

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("per_page", "orphans"), [(4, 0), (4, 2), (25, 0)])
def test_every_page_holds_what_a_plain_slice_holds(
    community_world, django_assert_num_queries, per_page, orphans
):
    forum = general_forum(community_world.open)
    author = make_member(community_world.open)
    for number in range(11):
        make_topic(forum, author, title=f"Sujet {number}", tags=[f"t{number % 3}"])
    topics = (
        Topic.objects.filter(forum=forum)
        .in_list_order()
        .select_related("author")
        .prefetch_related("tags")
    )
    plain = Paginator(topics, per_page, orphans=orphans)
    keys_first = KeysFirstPaginator(topics, per_page, orphans=orphans)
    assert keys_first.num_pages == plain.num_pages
    for number in plain.page_range:
        expected = [(t.pk, t.author.pk, [g.name for g in t.tags.all()]) for t in plain.page(number)]
        page = keys_first.page(number)
        with django_assert_num_queries(2):  # the rows (keys first, in one query), the tags
            got = [(t.pk, t.author.pk, [g.name for g in t.tags.all()]) for t in page]
        assert got == expected
        assert (page.has_next(), page.start_index()) == (
            plain.page(number).has_next(),
            plain.page(number).start_index(),
        )
