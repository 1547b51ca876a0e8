"""Search input and accent-blind matching, shared by every search of the portal (the
library, forum titles, the global search).

`cdp_unaccent(text)` is created by the migration `resources/0001_initial`.
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Func, TextField

MAX_QUERY_LENGTH = 200
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class Unaccent(Func):
    """`cdp_unaccent(text)`: IMMUTABLE (unlike `unaccent`), so it can back an index."""

    function = "cdp_unaccent"
    output_field = TextField()


class SearchText(str):
    """What a person typed, trimmed and bounded; falsy when there is nothing to search."""

    def __new__(cls, raw: str | None) -> SearchText:
        text = " ".join(_CONTROL_CHARS.sub(" ", raw or "").split())
        return super().__new__(cls, text[:MAX_QUERY_LENGTH])


def fold(text: str) -> str:
    """Lower case without accents, as `cdp_unaccent(lower(...))` does."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
