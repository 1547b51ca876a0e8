"""Full-text search of forum posts (PostgreSQL): the expressions, shared by the write path
(`forums.services`), the bulk paths and the queries (`PostQuerySet.matching`).

A post's `search_vector` holds the lexemes of its Markdown text in both of the library's
text search configurations (`cdp_fr` and `cdp_en`: French and English stemming after
`unaccent`, see `resources.search`), since a post says nothing of its language; a query
is parsed in both and OR-ed, so "resultat encourageant" finds "résultat encourageant"
and "workshops" finds "workshop". The GIN index `forums_post_search` serves the match.

Measured at 500,000 posts (bench/README.md): the vector of both configurations doubles
the index (19 MB, against 10 MB for French alone) for the English stemming; a trigram
index on the folded text was 76 MB, needed 1.2 s to find a common word (every match is
rechecked through `cdp_unaccent`) and knows no stemming ("groupes" missed "groupe").

Kept current by the services (`topic_create`, `post_create`, `post_edit` compute it in
the statement that writes the text) and, for rows written in bulk, by
`forums.services.posts_reindex` (scale data, `index_posts`) or `post_search_vector` in
their INSERT (the peer data set).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db.models import F
from django.db.models.expressions import CombinedExpression
from django.urls import reverse

from resources.search import ENGLISH_CONFIG, FRENCH_CONFIG, marked_headline, search_query

# A common word matches a large share of the posts: ranking every match would read them
# all (a quarter of the table for "groupe"). The best post of each topic is chosen among
# this many of the most recent matches, found through the recency index.
POST_WINDOW = 1000


def post_search_vector(body) -> CombinedExpression:
    """The search column of a post whose text is `body`: an expression (`F("body")`
    for rows already written, `Value(text)` in the INSERT or UPDATE that writes it)."""
    return SearchVector(body, config=FRENCH_CONFIG) + SearchVector(body, config=ENGLISH_CONFIG)


def post_search_query(text: str) -> SearchQuery:
    """What was typed (web search syntax: "exact phrase", -excluded, or), in French and
    in English."""
    return search_query(text)


def post_rank(text: str) -> SearchRank:
    return SearchRank(F("search_vector"), post_search_query(text))


def post_headline(text: str) -> SearchHeadline:
    """An extract of the post with the matched words marked (`safe_headline` renders it),
    parsed in French, the language of most posts: the words of the English query still
    match whenever the English stem is the French one."""
    return marked_headline(F("body"), post_search_query(text), config=FRENCH_CONFIG)


@dataclass(slots=True)
class PostHit:
    """A post holding the words: what choosing it, linking to it and showing its extract
    need (a model instance per match cost 40 ms for a window of 1,000)."""

    pk: int
    topic_id: int
    position: int
    created_at: datetime
    rank: float
    snippet: str = ""

    def get_absolute_url(self) -> str:
        return reverse("forums:post", kwargs={"pk": self.pk})


def best_of_each_topic(rows: Iterable[tuple]) -> list[PostHit]:
    """Of `rows` (newest first: `PostQuerySet.recent_matches`), the best post of each
    topic, best first: highest rank, then the most recent."""
    best: dict[int, PostHit] = {}
    for row in rows:
        hit = PostHit(*row)
        kept = best.get(hit.topic_id)
        if kept is None or hit.rank > kept.rank:
            best[hit.topic_id] = hit
    return sorted(best.values(), key=lambda hit: (-hit.rank, -hit.created_at.timestamp(), -hit.pk))
