"""The library page's search: results, total and facet counts for one person and one set
of filters, in a fixed number of queries whatever the size of the library.

Each facet is counted on the visible, searched resources filtered by every *other*
facet, so choosing a type still shows how many resources the other types have. Without
words the counts come from the library's counts (`ResourceCount`, kept by the services);
with words the matches are read once, for the total, the facets and the page together.
The statements are in `library_sql`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Value

from cdp_portal.core.replica import read_may_miss_write
from cdp_portal.core.search_text import SearchText

from . import library_sql
from .models import (
    Bookmark,
    Kind,
    Resource,
    ResourceLanguage,
    ResourceQuerySet,
    VisibilityScope,
)
from .search import corrected_query, headline_expression

TAG_FACET_SIZE = library_sql.TAG_FACET_SIZE
PER_PAGE = 20
FACETS = ("kind", "language", "community", "tag")
# Facet counts are reused for this long, or until the library changes (see
# `library_changed`). With several server processes, set REDIS_URL so that they share
# the cache and the change counter; each process's own memory otherwise.
FACET_CACHE_SECONDS = 120
_VERSION_KEY = "resources:library-version"
# time.time() of the last change, on whichever node: see `_cacheable`.
_CHANGED_AT_KEY = "resources:library-changed-at"


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False
    weight: int = 0  # 1..5 for the tag cloud


@dataclass
class Library:
    total: int
    facets: dict[str, list[FacetValue]]
    # The corrected words also searched, when a word was unknown. Not for display: the
    # vocabulary includes words of resources the person may not see.
    correction: str
    # The page asked for (Django's rules: not a number, the first; past the end, the
    # last), its resources with what a list shows and, when searching, `headline`.
    page: Page
    # What the person may see, with the scope read once: for the page's other lists.
    visible: ResourceQuerySet = field(repr=False)
    _results: Callable[[], ResourceQuerySet] = field(repr=False)

    @cached_property
    def results(self) -> ResourceQuerySet:
        """Every result, sorted, as narrow rows (id, rank, headline): for whoever pages
        through them otherwise (then `for_listing_in_order`). The page does not use it."""
        return self._results()


def _filtered(base: ResourceQuerySet, filters: dict[str, str]) -> ResourceQuerySet:
    qs = base
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("language"):
        qs = qs.filter(language=filters["language"])
    if filters.get("community"):
        qs = qs.in_scope(filters["community"])
    if filters.get("tag"):
        qs = qs.carrying(filters["tag"])
    return qs


# --- Facet cache ----------------------------------------------------------------------------
#
# The total and the facets are the expensive part of a search (they read every matching
# resource); paging through results, coming back to the library or refining a search
# repeats them. They are cached per visibility: the key holds the signature of the
# person's `VisibilityScope` (the inputs of `visible_to` itself: so a new membership or a
# visibility change is a new key), the words and the filters, and a library version that
# every write increments.


def library_changed() -> None:
    """Called by the services after any write that can change counts."""

    def bump() -> None:
        try:
            cache.incr(_VERSION_KEY)
        except ValueError:
            cache.set(_VERSION_KEY, 1, None)
        cache.set(_CHANGED_AT_KEY, time.time(), None)

    transaction.on_commit(bump)


def _facet_cache_key(
    scope: VisibilityScope, text: SearchText, correction: str, filters: dict[str, str]
) -> str:
    version = cache.get_or_set(_VERSION_KEY, 0, None)
    parts = [
        str(version),
        # The very inputs of the visibility filter: people who see different resources
        # never share counts, whatever is added to the rule later.
        repr(scope.signature()),
        str(text),
        correction,
        *(f"{name}={filters[name]}" for name in sorted(filters)),
    ]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"resources:facets:{digest}"


def _cacheable(base: ResourceQuerySet) -> bool:
    """Counts made on a read replica just after a change may not include it yet: cached
    under the new version, they would be shown to everyone until they expire."""
    return not read_may_miss_write(base.db, lambda: cache.get(_CHANGED_AT_KEY))


def for_listing_in_order(rows) -> list[Resource]:
    """The resources of a page of `Library.results`, in that order, with what a list shows
    (community, author, tags) and the highlighted extract as `headline`."""
    rows = list(rows)
    found = Resource.objects.for_listing().in_bulk([row.pk for row in rows])
    listed = []
    for row in rows:
        resource = found.get(row.pk)
        if resource is not None:
            resource.headline = getattr(row, "headline", None)
            listed.append(resource)
    return listed


def _weights(counts: list[int]) -> list[int]:
    if not counts:
        return []
    low, high = min(counts), max(counts)
    spread = max(high - low, 1)
    return [1 + round(4 * (c - low) / spread) for c in counts]


# What a list shows of a resource and its community (resources/resource_item.html): the
# rest of the row is not read for the page's twenty.
_SHOWN = (
    *("title", "slug", "summary", "kind", "language", "featured", "is_hidden", "created_at"),
    *("community__name", "community__slug"),
)


def _shown(rows: ResourceQuerySet, user_id: int | None) -> ResourceQuerySet:
    """The page's rows as a list shows them, with `is_bookmarked` for the person (the
    bookmark buttons), in the same query."""
    rows = rows.for_listing().only(*_SHOWN)
    if user_id is None:
        return rows.annotate(is_bookmarked=Value(False))
    mine = Bookmark.objects.filter(user_id=user_id, resource=OuterRef("pk"))
    return rows.annotate(is_bookmarked=Exists(mine))


def _listed(ids: Sequence[int], text: str, correction: str, user_id: int | None) -> list[Resource]:
    """The page's resources in the order of `ids`, with what a list shows and the
    highlighted extract as `headline` (computed for these rows only)."""
    if not ids:
        return []
    rows = _shown(Resource.objects.all(), user_id)
    if text:
        rows = rows.annotate(headline=headline_expression(text, correction))
    found = rows.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def _facets(counted: tuple, filters: dict[str, str]) -> dict[str, list[FacetValue]]:
    _total, kinds, languages, communities, tags = counted
    kind_labels = dict(Kind.choices)
    language_labels = dict(ResourceLanguage.choices)

    def by_count(values: list[FacetValue]) -> list[FacetValue]:
        # Equal counts by label: the order the counts came in is the database's.
        return sorted(values, key=lambda v: (-v.count, v.label))

    return {
        "kind": by_count(
            [
                FacetValue(value, str(kind_labels.get(value, value)), n, value == filters["kind"])
                for value, n in kinds
            ]
        ),
        "language": by_count(
            [
                FacetValue(
                    value, str(language_labels.get(value, value)), n, value == filters["language"]
                )
                for value, n in languages
            ]
        ),
        "community": [
            FacetValue(value, name or "", n, value == filters["community"])
            for value, name, n in sorted(communities, key=lambda c: (-c[2], c[1] or ""))
        ],
        "tag": [
            FacetValue(slug, name, n, slug == filters["tag"], weight)
            for (slug, name, n), weight in zip(tags, _weights([t[2] for t in tags]), strict=True)
        ],
    }


def _paginator(total: int, per_page: int) -> Paginator:
    # The page is read apart (a LIMIT in the statement): the paginator only numbers.
    paginator = Paginator((), per_page)
    paginator.count = total
    return paginator


def _page_number(paginator: Paginator, raw) -> int:
    """`Paginator.get_page`'s choice: not a number, the first page; out of range, the last."""
    try:
        return paginator.validate_number(raw)
    except PageNotAnInteger:
        return 1
    except EmptyPage:
        return paginator.num_pages


@dataclass(frozen=True)
class _Search:
    """One person's search: what every statement of the page needs."""

    scope: VisibilityScope
    visible: ResourceQuerySet
    text: SearchText
    correction: str
    filters: dict[str, str]
    sort: str
    per_page: int
    # The person, for the bookmark buttons.
    user_id: int | None

    def listed(self, number: int, ids: list[int] | None) -> list[Resource]:
        """The resources of page `number` (`ids`: its ids, when read with the counts)."""
        if not self.text:
            # An index serves each sort: the page's rows directly, in one query.
            start = (number - 1) * self.per_page
            ordered = _filtered(self.visible, self.filters).sorted_by(self.sort)
            rows = _shown(ordered, self.user_id)
            return list(rows[start : start + self.per_page])
        if ids is None:
            ids, _groups, _tags = self.statement(number, counts=False).run(self.visible.db)
        return _listed(ids or [], self.text, self.correction, self.user_id)

    def statement(self, number: int, *, counts: bool) -> library_sql.Statement:
        start = (number - 1) * self.per_page
        return library_sql.search_statement(
            self.visible,
            self.text,
            self.correction,
            self.filters,
            sort=self.sort,
            page=slice(start, start + self.per_page),
            counts=counts,
        )

    def counted(self, guess: int) -> tuple[tuple, list[int] | None]:
        """(total and facets, the ids of page `guess` when read with them)."""
        if self.text:
            ids, groups, tags = self.statement(guess, counts=True).run(self.visible.db)
            return library_sql.parse_counts(groups, tags), ids or []
        statement = library_sql.counts_statement(self.scope, self.filters)
        _ids, groups, tags = statement.run(self.visible.db)
        return library_sql.parse_counts(groups, tags), None

    def results(self) -> ResourceQuerySet:
        base = self.visible.matching(self.text, correction=self.correction)
        ranked = _filtered(base, self.filters).ranked(self.text, correction=self.correction)
        return ranked.sorted_by(self.sort).only("pk")


def _empty_library(per_page: int) -> Library:
    paginator = _paginator(0, per_page)
    facets: dict[str, list[FacetValue]] = {name: [] for name in FACETS}
    nothing = Resource.objects.none()
    return Library(0, facets, "", Page([], 1, paginator), nothing, Resource.objects.none)


def library_search(
    user,
    *,
    q: str = "",
    kind: str = "",
    tag: str = "",
    community: str = "",
    language: str = "",
    sort: str = "",
    page=None,
    per_page: int = PER_PAGE,
) -> Library:
    """The page `page` of results (with what a list shows, and `is_bookmarked` for the
    person), the total and the four facets. Queries: the visibility scope's community ids
    (one query: the cache key and the filters), the spelling check when there are words,
    then one statement for the counts and the page's ids (unless the counts are cached),
    the page's rows and their tags."""
    filters = {"kind": kind, "tag": tag, "community": community, "language": language}
    text = SearchText(q)
    scope = Resource.objects.visibility_scope(user)
    if scope.sees_nothing:
        return _empty_library(per_page)
    scope = scope.evaluated()
    visible = Resource.objects.visible_in(scope)
    correction = corrected_query(text, within=visible) if text else ""
    search = _Search(scope, visible, text, correction, filters, sort, per_page, user.pk)
    key = _facet_cache_key(scope, text, correction, filters)
    counted, ids = cache.get(key), None
    # Before the total is known, the page asked for, if it is a number.
    guess = _page_number(_paginator(10**9, per_page), page)
    if counted is None:
        counted, ids = search.counted(guess)
        if _cacheable(visible):
            cache.set(key, counted, FACET_CACHE_SECONDS)
    paginator = _paginator(counted[0], per_page)
    number = _page_number(paginator, page)
    listed = search.listed(number, ids if number == guess else None)
    return Library(
        total=counted[0],
        facets=_facets(counted, filters),
        correction=correction,
        page=Page(listed, number, paginator),
        visible=visible,
        _results=search.results,
    )
