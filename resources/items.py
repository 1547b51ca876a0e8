"""Resources in a list (resources/resource_item.html), rendered once and kept in the
fragment cache: the library shows twenty a page, the search page, the bookmarks and the
community and tag pages theirs, the same HTML for everyone until the resource changes.

What differs from one request to the next is not in the stored HTML but a placeholder
swapped when the list is served: the highlighted search extract (it depends on the
words typed), the address the bookmark form comes back to, and the CSRF token.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from cdp_portal.core.fragments import render_stored_fragments, with_request_tokens

from .models import Resource

ITEM_TEMPLATE = "resources/resource_item.html"
SNIPPET_PLACEHOLDER = "cdp-fragment-snippet-placeholder"
NEXT_PLACEHOLDER = "cdp-fragment-next-placeholder"


def resource_item_key(resource: Resource, bookmarked: Collection[int] | None) -> tuple:
    """Every value an item shows (its cache key, cdp_portal.core.fragments); the resource
    comes from `ResourceQuerySet.for_listing`. Whether it has an extract, not the
    extract; whether a bookmark button shows and which, not the person."""
    community = resource.community
    return (
        (resource.pk, resource.slug, resource.title, resource.summary, resource.language),
        (resource.kind, resource.featured, resource.is_hidden, resource.created_at),
        (community.name, community.slug) if community is not None else None,
        tuple((tag.slug, tag.name) for tag in resource.listed_tags),
        bool(getattr(resource, "snippet", None)),
        None if bookmarked is None else resource.pk in bookmarked,
    )


def render_resource_items(
    request: HttpRequest | None,
    resources: Iterable[Resource],
    bookmarked: Collection[int] | None = None,
) -> SafeString:
    """The items of `resources`, each from the cache when it was rendered before.
    `bookmarked`: the ids of those the person keeps in their library, to show the
    bookmark buttons (None: no buttons, as for a visitor)."""
    resources = list(resources)
    items = render_stored_fragments(
        ITEM_TEMPLATE,
        resources,
        name="resource",
        key=lambda resource: resource_item_key(resource, bookmarked),
        context={
            "bookmarked": bookmarked,
            "snippet": SNIPPET_PLACEHOLDER,
            "next": NEXT_PLACEHOLDER,
            # The library's address, for the community and tag links: once per list.
            "list_url": reverse("resources:list"),
        },
    )
    back_to = conditional_escape(request.get_full_path()) if request is not None else ""
    served = []
    for resource, html in zip(resources, items, strict=True):
        snippet = getattr(resource, "snippet", None)
        if snippet:
            # Escaped and sanitised already (resources.search.safe_headline).
            html = html.replace(SNIPPET_PLACEHOLDER, conditional_escape(snippet))
        served.append(html.replace(NEXT_PLACEHOLDER, back_to))
    html = "".join(served)
    if request is None:
        return mark_safe(html)  # no form without a request: no token to put in
    return with_request_tokens(request, html)
