"""The library page's search: results, total and facet counts for one person and one set
of filters, in a fixed number of queries whatever the size of the library.

Each facet is counted on the visible, searched resources filtered by every *other*
facet, so choosing a type still shows how many resources the other types have. The
type, language and community facets and the total come from ONE query (GROUPING SETS
with a filtered count per facet), the tags from a second: large result sets are read
twice, not five times.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, Value

from cdp_portal.core.replica import read_may_miss_write
from cdp_portal.core.search_text import SearchText

from .models import (
    Kind,
    Resource,
    ResourceLanguage,
    ResourceQuerySet,
    TaggedResource,
    VisibilityScope,
)
from .search import INSTITUTION_WIDE, corrected_query

TAG_FACET_SIZE = 20
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
    # Sorted, narrow rows (id, rank, headline): page them, then `for_listing_in_order`.
    results: ResourceQuerySet
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    # The corrected words also searched, when a word was unknown. Not for display: the
    # vocabulary includes words of resources the person may not see.
    correction: str = ""


def _filtered(base: ResourceQuerySet, filters: dict[str, str], skip: str | None = None):
    qs = base
    if filters.get("kind") and skip != "kind":
        qs = qs.filter(kind=filters["kind"])
    if filters.get("language") and skip != "language":
        qs = qs.filter(language=filters["language"])
    if filters.get("community") and skip != "community":
        qs = qs.in_scope(filters["community"])
    if filters.get("tag") and skip != "tag":
        qs = qs.tagged(filters["tag"])
    return qs


def _conditions(filters: dict[str, str]) -> dict[str, tuple[str, list]]:
    """SQL over the grouped subquery's columns for each active filter."""
    conditions: dict[str, tuple[str, list]] = {}
    if filters.get("kind"):
        conditions["kind"] = ("b.f_kind = %s", [filters["kind"]])
    if filters.get("language"):
        conditions["language"] = ("b.f_language = %s", [filters["language"]])
    if filters.get("community") == INSTITUTION_WIDE:
        conditions["community"] = ("b.f_community IS NULL", [])
    elif filters.get("community"):
        conditions["community"] = (
            "b.f_community = (SELECT id FROM communities_community WHERE slug = %s)",
            [filters["community"]],
        )
    if filters.get("tag"):
        conditions["tag"] = ("b.f_tagged", [])
    return conditions


def _count_filter(conditions: dict[str, tuple[str, list]], skip: str | None):
    parts = [(sql, params) for name, (sql, params) in conditions.items() if name != skip]
    if not parts:
        return "COUNT(*)", []
    where = " AND ".join(sql for sql, _ in parts)
    return f"COUNT(*) FILTER (WHERE {where})", [p for _, params in parts for p in params]


def _grouped_counts(base: ResourceQuerySet, filters: dict[str, str]):
    """(total, kind counts, language counts, community counts) in one query."""
    tagged = Value(True)
    if filters.get("tag"):
        # `id IN (…)`: one hashed subplan, not a lookup per row.
        tagged = ExpressionWrapper(
            Q(
                pk__in=TaggedResource.objects.filter(tag__slug=filters["tag"]).values(
                    "content_object_id"
                )
            ),
            output_field=BooleanField(),
        )
    inner = base.order_by().annotate(
        f_kind=F("kind"),
        f_language=F("language"),
        f_community=F("community_id"),
        f_tagged=tagged,
    )
    inner_sql, inner_params = inner.values(
        "f_kind", "f_language", "f_community", "f_tagged"
    ).query.sql_with_params()
    conditions = _conditions(filters)
    counts, count_params = [], []
    for skip in ("kind", "language", "community", None):
        sql, params = _count_filter(conditions, skip)
        counts.append(sql)
        count_params += params
    # Communities are named after grouping: joining every match to its community first
    # would cost more than the counts (the community filter compares ids, see _conditions).
    query = f"""
        SELECT g.*, c.slug, c.name FROM (
            SELECT GROUPING(b.f_kind) AS g_kind, GROUPING(b.f_language) AS g_language,
                   GROUPING(b.f_community) AS g_community,
                   b.f_kind, b.f_language, b.f_community, {", ".join(counts)}
            FROM ({inner_sql}) AS b
            GROUP BY GROUPING SETS ((b.f_kind), (b.f_language), (b.f_community), ())
        ) AS g
        LEFT JOIN communities_community AS c ON c.id = g.f_community
    """
    # On the database the queryset reads from: the read replica in a reading request.
    with connections[base.db].cursor() as cursor:
        cursor.execute(query, [*count_params, *inner_params])
        rows = cursor.fetchall()
    total, kinds, languages, communities = 0, [], [], []
    for g_kind, g_language, g_community, kind, language, _id, *rest in rows:
        n_kind, n_language, n_community, n_all, slug, name = rest
        if g_kind and g_language and g_community:
            total = n_all
        elif not g_kind and n_kind:
            kinds.append((kind, n_kind))
        elif not g_language and n_language:
            languages.append((language, n_language))
        elif not g_community and n_community:
            communities.append((slug or INSTITUTION_WIDE, name, n_community))
    return total, kinds, languages, communities


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


def _counts(base: ResourceQuerySet, filters: dict[str, str], key: str) -> tuple:
    """(total, kinds, languages, communities, tags): from the facet cache, or counted."""
    counted = cache.get(key)
    if counted is None:
        counted = (
            *_grouped_counts(base, filters),
            sorted(
                _filtered(base, filters, skip="tag").tag_counts(TAG_FACET_SIZE),
                key=lambda t: t[1],
            ),
        )
        if _cacheable(base):
            cache.set(key, counted, FACET_CACHE_SECONDS)
    return counted


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


def library_search(
    user,
    *,
    q: str = "",
    kind: str = "",
    tag: str = "",
    community: str = "",
    language: str = "",
    sort: str = "",
) -> Library:
    """Results (lazy, sorted, with what a list shows), the total and the four facets
    (evaluated, or taken from the facet cache: the visibility signature costs two small
    queries, the counts two more when not cached, the spelling check one when there
    are words)."""
    filters = {"kind": kind, "tag": tag, "community": community, "language": language}
    text = SearchText(q)
    scope = Resource.objects.visibility_scope(user)
    visible = Resource.objects.visible_in(scope)
    correction = corrected_query(text, within=visible) if text else ""
    base = visible.matching(text, correction=correction)
    # Only the ids (and rank, headline) are sorted: joining every match to its community
    # and author before the sort costs more than the sort itself on large result sets.
    results = (
        _filtered(base, filters).ranked(text, correction=correction).sorted_by(sort).only("pk")
    )
    key = _facet_cache_key(scope, text, correction, filters)
    total, kinds, languages, communities, tags = _counts(base, filters, key)
    kind_labels = dict(Kind.choices)
    language_labels = dict(ResourceLanguage.choices)
    by_count = {"key": lambda item: (-item[-1], str(item[1]))}
    facets = {
        "kind": [
            FacetValue(value, str(kind_labels.get(value, value)), n, value == kind)
            for value, n in sorted(kinds, **by_count)
        ],
        "language": [
            FacetValue(value, str(language_labels.get(value, value)), n, value == language)
            for value, n in sorted(languages, **by_count)
        ],
        "community": [
            FacetValue(value, name or "", n, value == community)
            for value, name, n in sorted(communities, key=lambda c: (-c[2], c[1] or ""))
        ],
        "tag": [
            FacetValue(slug, name, n, slug == tag, weight)
            for (slug, name, n), weight in zip(tags, _weights([t[2] for t in tags]), strict=True)
        ],
    }
    return Library(results=results, total=total, facets=facets, correction=correction)
