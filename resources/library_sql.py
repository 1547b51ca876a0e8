"""The statements of the library page (resources.library): one per page in the common
case, whatever the size of the library or of a search's result.

* Without words, the total and the facets come from `ResourceCount` (a few thousand rows
  of counts per community, state, kind, language and tag, kept by the services) plus the
  person's own hidden resources, which the counts cannot hold (they know no author).
* With words, the visible matches are read once: the full-text matches through the GIN
  index (exact: no row is checked again), then the close titles that are not among them
  (the trigram index's candidates are checked again, a word similarity each, the dearest
  part of a search). The total, the facets, the tag cloud and the page's ids all come from
  those rows, in one statement: the matches are not read three times.

Each answers one row: the page's ids (in order), then the total and facets as JSON
(`parse_counts`), or NULL when they are not asked for (taken from the facet cache).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connections
from django.db.models.expressions import RawSQL

from .models import (
    POPULARITY,
    Resource,
    ResourceCount,
    ResourceQuerySet,
    Sort,
    VisibilityScope,
)
from .search import INSTITUTION_WIDE, fulltext_condition, rank_expression, title_condition

TAG_FACET_SIZE = 20

# What a resource adds to ResourceCount, in its three grains: itself, each of its tags per
# kind and language, each of its tags whatever the kind and language (""). `rows` has
# the columns of CountedResource. Also written by resources.services.recount.
CONTRIBUTIONS = """
    SELECT community_id, is_hidden, kind, language, NULL::integer AS tag_id, {sign} AS n
    FROM {rows}
    UNION ALL
    SELECT community_id, is_hidden, kind, language, tag_id, {sign}
    FROM {rows}, unnest(tag_ids) AS tag_id
    UNION ALL
    SELECT community_id, is_hidden, '', '', tag_id, {sign}
    FROM {rows}, unnest(tag_ids) AS tag_id
"""

_GROUPS = """
SELECT json_agg(json_build_array(
    g.g_kind, g.g_language, g.g_community, g.kind, g.language, c.slug, c.name,
    g.n_kind, g.n_language, g.n_comm, g.n_all))
FROM (
    SELECT GROUPING(kind) AS g_kind, GROUPING(language) AS g_language,
           GROUPING(community_id) AS g_community, kind, language, community_id,
           {counts}
    FROM {rows}
    GROUP BY GROUPING SETS ((kind), (language), (community_id), ())
) AS g
-- Communities are named after grouping: joining every row first would cost more.
LEFT JOIN communities_community AS c ON c.id = g.community_id
"""
# Counted per tag id, named after (the same reason), the most used first. `rows` gives
# (tag_id, n).
_TAGS = """
SELECT json_agg(json_build_array(t.slug, t.name, t.n) ORDER BY t.n DESC, t.name)
FROM (
    SELECT tag.slug, tag.name, counted.n
    FROM (SELECT tag_id, SUM(n) AS n FROM {rows} GROUP BY tag_id) AS counted
    JOIN taggit_tag AS tag ON tag.id = counted.tag_id
    ORDER BY counted.n DESC, tag.name
    LIMIT {size}
) AS t
"""
# A match carries the chosen tag (the tag filter, on a match's own tag ids).
_TAGGED = "(SELECT id FROM taggit_tag WHERE slug = %s) = ANY(tag_ids)"
_ORDER = {
    Sort.RELEVANCE: "rank DESC, created_at DESC, id DESC",
    Sort.POPULAR: "popularity DESC, id DESC",
    Sort.RECENT: "created_at DESC, id DESC",
}


@dataclass(frozen=True)
class Statement:
    sql: str
    params: list

    def run(self, using: str) -> tuple:
        """(page ids, groups, tags) on the database the page reads from (the read
        replica in a reading request)."""
        with connections[using].cursor() as cursor:
            cursor.execute(self.sql, self.params)
            return cursor.fetchone()


Conditions = dict[str, tuple[str, list]]


def conditions(filters: Mapping[str, str], tag: tuple[str, list] | None = None) -> Conditions:
    """SQL for each active filter but the tag, on the columns `kind`, `language` and
    `community_id` (of a match or of counts); `tag`, the tag filter's SQL, when it has
    one there."""
    found: Conditions = {}
    if filters.get("kind"):
        found["kind"] = ("kind = %s", [filters["kind"]])
    if filters.get("language"):
        found["language"] = ("language = %s", [filters["language"]])
    if filters.get("community") == INSTITUTION_WIDE:
        found["community"] = ("community_id IS NULL", [])
    elif filters.get("community"):
        found["community"] = (
            "community_id = (SELECT id FROM communities_community WHERE slug = %s)",
            [filters["community"]],
        )
    if filters.get("tag") and tag is not None:
        found["tag"] = tag
    return found


def _where(found: Conditions, skip: str | None = None) -> tuple[str, list]:
    parts = [(sql, params) for name, (sql, params) in found.items() if name != skip]
    if not parts:
        return "TRUE", []
    return " AND ".join(sql for sql, _ in parts), [p for _, params in parts for p in params]


def _groups(rows: tuple[str, list], found: Conditions) -> tuple[str, list]:
    """The total and the kind, language and community counts (`rows` give a count `n`
    per kind, language and community), each filtered by every other facet (choosing a
    kind still shows how many the other kinds have)."""
    counts, params = [], []
    for skip, name in (("kind", "n_kind"), ("language", "n_language"), ("community", "n_comm")):
        where, where_params = _where(found, skip)
        counts.append(f"{_sum(where)} AS {name}")
        params += where_params
    where, where_params = _where(found)
    counts.append(f"{_sum(where)} AS n_all")
    params += where_params
    return _GROUPS.format(counts=", ".join(counts), rows=rows[0]), [*params, *rows[1]]


def _sum(where: str) -> str:
    if where == "TRUE":
        return "COALESCE(SUM(n), 0)"
    return f"COALESCE(SUM(n) FILTER (WHERE {where}), 0)"


def _tags(rows: tuple[str, list]) -> tuple[str, list]:
    return _TAGS.format(rows=rows[0], size=TAG_FACET_SIZE), rows[1]


def _sql(queryset) -> tuple[str, tuple]:
    return queryset.query.sql_with_params()


# --- With words ----------------------------------------------------------------------


def search_statement(
    visible: ResourceQuerySet,
    text: str,
    correction: str,
    filters: Mapping[str, str],
    *,
    sort: str,
    page: slice,
    counts: bool,
) -> Statement:
    """The page of ids (sorted by `sort`, all filters applied) and, with `counts`, the
    total and facets of the visible matches of `text`."""
    columns = ("id", "kind", "language", "community_id", "tag_ids", "created_at")
    found = visible.order_by().annotate(
        rank=rank_expression(text, correction), popularity=POPULARITY
    )
    fulltext = found.filter(fulltext_condition(text, correction))
    # The full-text matches are left out before the costly check of a close title.
    titles = found.filter(title_condition(text, correction, within=visible)).exclude(
        pk__in=RawSQL("SELECT id FROM f", [])
    )
    f_sql, f_params = _sql(fulltext.values(*columns, "rank", "popularity"))
    t_sql, t_params = _sql(titles.values(*columns, "rank", "popularity"))
    tagged = (_TAGGED, [filters["tag"]]) if filters.get("tag") else None
    on_matches = conditions(filters, tagged)
    where, where_params = _where(on_matches)
    order = _ORDER.get(sort, _ORDER[Sort.RECENT])
    parts = [
        f"""(SELECT array_agg(p.id ORDER BY {order}) FROM (
            SELECT * FROM m WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s) AS p)"""
    ]
    params = [*f_params, *t_params, *where_params, page.stop - page.start, page.start]
    if counts:
        # The matches counted per kind, language, community (and chosen tag) first: the
        # facets then add up a few hundred counts, not every match three times.
        tagged_sql, tagged_params = tagged or ("TRUE", [])
        counted = f"""(SELECT kind, language, community_id, {tagged_sql} AS tagged,
            COUNT(*) AS n FROM m GROUP BY 1, 2, 3, 4) AS counted"""
        groups_sql, groups_params = _groups(
            (counted, tagged_params), conditions(filters, ("tagged", []))
        )
        untagged, untagged_params = _where(on_matches, "tag")
        tags_sql, tags_params = _tags(
            (
                f"(SELECT unnest(tag_ids) AS tag_id, 1 AS n FROM m WHERE {untagged}) AS u",
                untagged_params,
            )
        )
        parts += [f"({groups_sql})", f"({tags_sql})"]
        params += [*groups_params, *tags_params]
    else:
        parts += ["NULL", "NULL"]
    sql = f"""
        WITH f AS MATERIALIZED ({f_sql}), t AS MATERIALIZED ({t_sql}),
        m AS (SELECT * FROM f UNION ALL SELECT * FROM t)
        SELECT {", ".join(parts)}
    """
    return Statement(sql, params)


# --- Without words: the library's counts --------------------------------------------


def counts_statement(scope: VisibilityScope, filters: Mapping[str, str]) -> Statement:
    """The total and facets of what the scope sees, from ResourceCount (and the person's
    own hidden resources, which it cannot hold). The page is read apart (an index serves
    each sort)."""
    counted = ResourceCount.objects.filter(scope.condition(with_authorship=False), n__gt=0)
    counted_sql, counted_params = _sql(
        counted.values("community_id", "kind", "language", "tag_id", "n")
    )
    columns = "community_id, kind, language, tag_id, n"
    own_sql, own_params = "", []
    if not (scope.is_admin or scope.user_id is None):
        # Read once (planned once), added to both sums.
        ids_sql, ids_params = _sql(Resource.objects.seen_as_author(scope).order_by().values("pk"))
        own_sql = f"""WITH mine AS MATERIALIZED (
                SELECT * FROM resources_countedresource WHERE resource_id IN ({ids_sql})
            ), own AS MATERIALIZED ({CONTRIBUTIONS.format(rows="mine", sign=1)})"""
        own_params = list(ids_params)

    def rows(where: str, params: list) -> tuple[str, list]:
        """The visible counts, and the person's own, on the rows `where` says."""
        found = f"SELECT {columns} FROM ({counted_sql}) AS counted WHERE {where}"
        if not own_sql:
            return f"({found})", [*counted_params, *params]
        mine = f"SELECT {columns} FROM own WHERE {where}"
        return f"({found} UNION ALL {mine})", [*counted_params, *params, *params]

    found = conditions(filters)
    if filters.get("tag"):
        # Resources carrying the tag, per kind and language.
        grain = "tag_id = (SELECT id FROM taggit_tag WHERE slug = %s) AND kind <> ''"
        grain_params = [filters["tag"]]
    else:
        grain, grain_params = "tag_id IS NULL", []
    groups_rows, groups_rows_params = rows(grain, grain_params)
    groups_sql, groups_params = _groups((f"{groups_rows} AS src", groups_rows_params), found)
    # The tag cloud: whatever the kind and language ("") unless one of them is chosen.
    tag_grain = "kind <> ''" if "kind" in found or "language" in found else "kind = ''"
    where, where_params = _where(found)
    tag_rows, tag_rows_params = rows(
        f"tag_id IS NOT NULL AND {tag_grain} AND {where}", where_params
    )
    tags_sql, tags_params = _tags(
        (f"(SELECT tag_id, n FROM {tag_rows} AS src) AS u", tag_rows_params)
    )
    sql = f"{own_sql} SELECT NULL, ({groups_sql}), ({tags_sql})"
    return Statement(sql, [*own_params, *groups_params, *tags_params])


def parse_counts(groups: list | None, tags: list | None) -> tuple:
    """(total, [(kind, n)], [(language, n)], [(slug, name, n)], [(slug, name, n)]) from the
    JSON of a statement; tags sorted by name (the tag cloud), zero counts left out."""
    total, kinds, languages, communities = 0, [], [], []
    for g_kind, g_language, g_community, kind, language, slug, name, *counts in groups or []:
        n_kind, n_language, n_community, n_all = counts
        if g_kind and g_language and g_community:
            total = n_all
        elif not g_kind and n_kind:
            kinds.append((kind, n_kind))
        elif not g_language and n_language:
            languages.append((language, n_language))
        elif not g_community and n_community:
            communities.append((slug or INSTITUTION_WIDE, name, n_community))
    tag_counts = sorted((tuple(tag) for tag in tags or []), key=lambda t: t[1])
    return total, kinds, languages, communities, tag_counts
