"""Full-text and typo-tolerant search over the library (PostgreSQL).

The migration `resources/0001_initial` creates two text search configurations, `cdp_fr`
and `cdp_en` (French and English stemming after `unaccent`), and `cdp_unaccent(text)`, an
IMMUTABLE wrapper around `unaccent` usable in an index. A resource's `search_vector`
holds the lexemes of both configurations, weighted title A > summary B > tags C > body D;
a query is parsed in both configurations and OR-ed, so "pedagogies actives" finds
"Pédagogie active" and "workshops" finds "workshop". Typos are tolerated twice over:
each query word the library has never used is replaced by its nearest known word
(`resources_searchterm`, trigram `%`) among the words of the resources the person may
read, the corrected query being OR-ed with what was typed ("forom webct" finds "forum
WebCT"); and when the words find less than a page of results, titles are matched by
trigram word similarity too (`%>`, GIN trigram index on `title_folded`, the stored
`cdp_unaccent(lower(title))`). Both run on the visible resources only, so neither typo
tolerance tells of private content.
"""

from __future__ import annotations

import re

import nh3
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connections
from django.db.models import Case, Exists, F, Func, Q, TextField, Value, When
from django.db.models.functions import Concat, Lower, Substr
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cdp_portal.core.search_text import ENGLISH_CONFIG, FRENCH_CONFIG, Unaccent, fold

# The community facet's value for resources that belong to no community. slugify() never
# produces a leading underscore, so no community slug can collide with it.
INSTITUTION_WIDE = "_institution"
# Only this much of a body is indexed (tsvector has a 1 MB limit; a summary matters more).
INDEXED_BODY_CHARS = 100_000

# Markers ts_headline puts around matches; escaped output then turns them into <mark>.
_START, _STOP = "\x01", "\x02"
_MARKDOWN_NOISE = re.compile(r"(^|\s)(#{1,6}|[-*+>]|\d+\.)\s+|[*_`]{1,3}|\[|\]\([^)]*\)")


_WORD = re.compile(r"\w+")
MIN_CORRECTED_LENGTH = 4
# Titles close to the words typed (typo tolerance by trigram) are searched only when the
# words, as typed and corrected, find fewer resources than this, a page of results. When
# they find more, a near title would only add noise after them (or among them, sorted by
# date), and checking the trigram index's candidates was the dearest part of a search:
# 29 of 53 ms for "pédagogie" at 50,000 resources.
CLOSE_TITLES_BELOW = 20
# How many of the nearest known words are tried, nearest first, for each query word.
CORRECTION_CANDIDATES = 8
# For each query word: the nearest known word (itself when known) used by a resource the
# person may read, so that a word found only in private content is never suggested (it
# would tell that the content exists). A stop word (an empty tsquery in either language)
# is left as typed: it is in no search vector, yet is no typo.
_CORRECTION_SQL = """
SELECT q.w, CASE
    WHEN numnode(plainto_tsquery('cdp_fr', q.w)) = 0
      OR numnode(plainto_tsquery('cdp_en', q.w)) = 0 THEN q.w
    ELSE (
        SELECT c.word FROM (
            SELECT t.word, similarity(t.word, q.w) AS s FROM resources_searchterm t
            WHERE t.word %% q.w ORDER BY s DESC, t.word LIMIT {candidates}
        ) AS c
        WHERE EXISTS ({readable_with_word})
        -- No ORDER BY here: the candidates come nearest first, and without a new sort
        -- PostgreSQL checks them one by one and stops at the first readable one.
        LIMIT 1
    )
END
FROM unnest(%s::text[]) AS q(w)
"""
_USES_CANDIDATE_WORD = (
    "resources_resource.search_vector @@ "
    "(plainto_tsquery('cdp_fr', c.word) || plainto_tsquery('cdp_en', c.word))"
)


def corrected_query(text: str, *, within) -> str:
    """The query with its unknown words replaced by the nearest known ones; "" when
    nothing needed correcting (or nothing could be). `within` is the resources whose
    words may be suggested: those the person may read (`Resource.objects.visible_to`).
    One query."""
    words = _WORD.findall(fold(text))
    candidates = sorted({w for w in words if MIN_CORRECTED_LENGTH <= len(w) <= 60})
    if not candidates:
        return ""
    # The readable resources using the candidate word `c.word`, in one scan of the
    # table (search index, then the visibility filter row by row, stopping at the first):
    # joining the visibility subquery to the matches instead hashed every match.
    readable_with_word = within.order_by().extra(where=[_USES_CANDIDATE_WORD]).values("pk")[:1]
    within_sql, within_params = readable_with_word.query.sql_with_params()
    sql = _CORRECTION_SQL.format(candidates=CORRECTION_CANDIDATES, readable_with_word=within_sql)
    # Where `within` reads (the read replica in a reading request).
    with connections[within.db].cursor() as cursor:
        cursor.execute(sql, [*within_params, candidates])
        best = {word: match for word, match in cursor.fetchall() if match}
    if not best or all(best.get(word, word) == word for word in words):
        return ""
    # Each word replaced where it stands, so that the query keeps its web search syntax:
    # "-capsule" corrected stays an exclusion, a phrase stays a phrase.
    return _WORD.sub(lambda match: best.get(match.group(), match.group()), fold(text))


# An excluded word or phrase of the web search syntax: "-mot", '-"deux mots"'.
_EXCLUDED = re.compile(r'(?:^|(?<=\s))-(?:"[^"]*"?|\S+)')


def wanted_words(text: str) -> str:
    """What was typed without what it excludes: what a title may be close to."""
    return _EXCLUDED.sub(" ", text).strip()


def excluded_words(text: str) -> str:
    """What was typed after a minus, as words to find ("-capsule" gives "capsule")."""
    return " ".join(match.group()[1:] for match in _EXCLUDED.finditer(text))


def normalised_title():
    """What `Resource.title_folded` stores (kept by `resources.services.reindex`)."""
    return Unaccent(Lower("title"))


class _Concat(Func):
    """tsvector || tsvector || ..."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = SearchVectorField()


def _head_parts() -> list:
    return [
        SearchVector(field, config=config, weight=weight)
        for field, weight in (("title", "A"), ("summary", "B"), ("tag_names", "C"))
        for config in (FRENCH_CONFIG, ENGLISH_CONFIG)
    ]


def search_vector_expression():
    """What a search matches: title A, summary B, tags C in both configurations, and the
    body D in the resource's own language (used by reindex)."""
    body = Substr("body", 1, INDEXED_BODY_CHARS)
    body_vector = Case(
        When(language="en", then=SearchVector(body, config=ENGLISH_CONFIG, weight="D")),
        default=SearchVector(body, config=FRENCH_CONFIG, weight="D"),
        output_field=SearchVectorField(),
    )
    return _Concat(*_head_parts(), body_vector)


def search_head_expression():
    """What relevance is computed on: title, summary and tags only. Small enough to stay
    in the table row, so ranking thousands of matches never reads the body's lexemes
    (a body-only match ranks by its title's closeness to the query, then by date)."""
    return _Concat(*_head_parts())


def search_query(text: str, correction: str = "") -> SearchQuery:
    """What was typed (web search syntax: "exact phrase", -excluded, or), in French and
    in English, OR the corrected words when there are some."""
    query = SearchQuery(text, config=FRENCH_CONFIG, search_type="websearch") | SearchQuery(
        text, config=ENGLISH_CONFIG, search_type="websearch"
    )
    if correction:
        query = (
            query
            | SearchQuery(correction, config=FRENCH_CONFIG, search_type="websearch")
            | SearchQuery(correction, config=ENGLISH_CONFIG, search_type="websearch")
        )
    return query


def fulltext_condition(text: str, correction: str = "") -> Q:
    """The words, in either language (GIN index on `search_vector`: exact, no recheck)."""
    return Q(search_vector=search_query(text, correction))


def few_word_matches(text: str, correction: str, *, within) -> Exists:
    """Whether fewer than CLOSE_TITLES_BELOW resources of `within` match the words (an
    uncorrelated subquery: PostgreSQL answers it once, reading CLOSE_TITLES_BELOW rows at
    most, and skips what it guards when it is false)."""
    nth = within.order_by().filter(fulltext_condition(text, correction))
    return ~Exists(nth[CLOSE_TITLES_BELOW - 1 : CLOSE_TITLES_BELOW])


def title_condition(text: str, correction: str = "", *, within) -> Q:
    """A title close to what was typed, when the words themselves find fewer than
    CLOSE_TITLES_BELOW resources of `within` (the ones the person may read). GIN trigram
    index on `title_folded`; each candidate is checked again, a word similarity each."""
    close = Q(title_folded__trigram_word_similar=Unaccent(Lower(Value(wanted_words(text)))))
    excluded = excluded_words(text)
    if excluded:
        close &= ~fulltext_condition(excluded)
    return close & Q(few_word_matches(text, correction, within=within))


def search_filter(text: str, correction: str = "", *, within) -> Q:
    """What a search of `within` matches: the full-text words, or a close title when the
    words find little (the close titles through their own subquery, so that PostgreSQL
    skips their index when the words find enough)."""
    close_titles = within.order_by().filter(title_condition(text, correction, within=within))
    return fulltext_condition(text, correction) | Q(pk__in=close_titles.values("pk"))


def rank_expression(text: str, correction: str = ""):
    # ts_rank on the small head vector (title A, summary B, tags C): cheap enough for
    # thousands of matches. A body-only or typo-only match ranks 0 and comes after, by
    # date. (Title trigram similarity would cost ~8 µs a row through cdp_unaccent.)
    return SearchRank(F("search_head"), search_query(text, correction))


def marked_headline(document, query: SearchQuery, *, config: str) -> SearchHeadline:
    """A short extract of `document` around what `query` matches, the matches between
    markers that `safe_headline` turns into <mark> (the library's and the forums')."""
    return SearchHeadline(
        document,
        query,
        config=config,
        start_sel=_START,
        stop_sel=_STOP,
        max_words=30,
        min_words=12,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


def _headline(text: str, correction: str, config: str):
    query = SearchQuery(text, config=config, search_type="websearch")
    if correction:
        query = query | SearchQuery(correction, config=config, search_type="websearch")
    return marked_headline(
        Concat("summary", Value(" — "), Substr("body", 1, 20_000), output_field=TextField()),
        query,
        config=config,
    )


def headline_expression(text: str, correction: str = ""):
    """A short extract with the matched words marked, in the resource's own language."""
    return Case(
        When(language="en", then=_headline(text, correction, ENGLISH_CONFIG)),
        default=_headline(text, correction, FRENCH_CONFIG),
        output_field=TextField(),
    )


def safe_headline(raw: str | None) -> SafeString:
    """The headline as HTML: everything escaped, then the match markers turned into
    <mark> and the result passed through nh3 so a stray marker cannot unbalance tags."""
    if not raw:
        return mark_safe("")
    text = _MARKDOWN_NOISE.sub(lambda m: m.group(1) or "", raw)
    html = escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>")
    return mark_safe(nh3.clean(html, tags={"mark"}, attributes={}))  # sanitised just above
