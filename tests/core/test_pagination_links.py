"""A list's page links come from the fragment cache, keyed on all they show: the page,
the number of pages, the other query parameters and the page parameter's name."""

import pytest
from django.core.paginator import Paginator
from django.template import engines
from django.test import RequestFactory

PAGINATION = engines["django"].from_string(
    '{% include "partials/pagination.html" with page_obj=page_obj page_param=page_param %}'
)


def _links(path: str, number: int, page_param: str = "") -> str:
    request = RequestFactory().get(path)
    page = Paginator(range(100), 10).page(number)
    return PAGINATION.render({"page_obj": page, "page_param": page_param}, request)


@pytest.mark.parametrize("fragment_cache", [True, False])
def test_links_keep_the_query_and_change_with_it(settings, fragment_cache):
    settings.FRAGMENT_CACHE = fragment_cache
    first = _links("/resources/?q=p%C3%A9dagogie&kind=guide", 3)
    assert 'href="?q=p%C3%A9dagogie&amp;kind=guide&amp;page=4" rel="next"' in first
    assert 'href="?q=p%C3%A9dagogie&amp;kind=guide&amp;page=3" aria-current="page"' in first
    # Another query, another page, another parameter: never the links stored before.
    other = _links("/resources/?q=atelier", 3)
    assert "atelier" in other and "kind=guide" not in other
    assert 'aria-current="page"' in _links("/resources/?q=atelier", 5).split("page=5")[1]
    sections = _links("/communities/x/?page=2", 3, page_param="members_page")
    assert 'href="?page=2&amp;members_page=4" rel="next"' in sections


def test_a_single_page_shows_no_links():
    request = RequestFactory().get("/")
    page = Paginator(range(5), 10).page(1)
    assert PAGINATION.render({"page_obj": page, "page_param": ""}, request).strip() == ""
