"""Search input and accent-blind matching, shared by every search of the portal (the
library, forum titles, the global search).

`cdp_unaccent(text)` is created by the migration `resources/0001_initial`.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib.postgres.search import SearchConfig
from django.db.models import Func, TextField

MAX_QUERY_LENGTH = 200
# The text search configurations (resources 0001): French and English stemming after
# `unaccent`.
FRENCH_CONFIG = "cdp_fr"
ENGLISH_CONFIG = "cdp_en"
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class Unaccent(Func):
    """`cdp_unaccent(text)`: IMMUTABLE (unlike `unaccent`), so it can back an index."""

    function = "cdp_unaccent"
    output_field = TextField()


class Stem(Func):
    """`cdp_stem(config, word)` (communities 0011): the word's one stem in a text search
    configuration (`cdp_fr`, `cdp_en`), or NULL."""

    function = "cdp_stem"
    output_field = TextField()

    def __init__(self, config: str, word, **extra) -> None:
        super().__init__(SearchConfig(config), word, **extra)


class SearchText(str):
    """What a person typed, trimmed and bounded; falsy when there is nothing to search."""

    def __new__(cls, raw: str | None) -> SearchText:
        text = " ".join(_CONTROL_CHARS.sub(" ", raw or "").split())
        return super().__new__(cls, text[:MAX_QUERY_LENGTH])


def fold(text: str) -> str:
    """Lower case without accents, as `cdp_unaccent(lower(...))` does."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
