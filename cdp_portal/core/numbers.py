"""Numbers shown to people, in the style of the language of the page."""

from __future__ import annotations

from django.utils.formats import get_format, number_format


def format_percent(value: float | int) -> str:
    """`82` as "82 %" in French (narrow no-break space) and "82%" in English: the
    `PERCENT_FORMAT` of the active language's format module (cdp_portal/formats/)."""
    return get_format("PERCENT_FORMAT") % {"value": number_format(value)}
