"""The links of the library's facets and tag cloud (`{% facet_links %}`), written here
rather than by a template loop: a page lists about a hundred (every community with
results, twenty tags), each keeping the page's other parameters, and as template loops
they were more than half of the page's rendering once its resources came from the
fragment cache. Every value that comes from the data is escaped."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from cdp_portal.core.querystrings import changed_query

from .library import FacetValue


def facet_links(
    request: HttpRequest, name: str, values: Iterable[FacetValue], *, cloud: bool = False
) -> SafeString:
    """One `<li>` per value of facet `name`: a link choosing it, or removing it when it
    is chosen (marked `aria-current`, and said to screen readers). `cloud`: the tag
    cloud's items, sized by the value's weight."""
    # The catalogue's own words, trusted as `{% translate %}` trusts them.
    removes = gettext("Retirer le filtre :")
    institution_wide = gettext("Toute l'institution")
    items = []
    for value in values:
        label = escape(value.label) if value.label else institution_wide
        count = f'<span class="library-facet__count">({escape(localize(value.count))})</span>'
        if value.selected:
            href = escape(changed_query(request, **{name: None, "page": None}))
            link = (
                f'<a href="{href}" aria-current="true"><span class="visually-hidden">'
                f"{removes} </span>{label} {count}</a>"
            )
        else:
            href = escape(changed_query(request, **{name: value.value, "page": None}))
            link = f'<a href="{href}">{label} {count}</a>'
        if cloud:
            weight = int(value.weight)
            item = f'<li class="library-tag-cloud__item library-tag-cloud__item--{weight}">'
        else:
            item = "<li>"
        items.append(f"{item}{link}</li>")
    return mark_safe("\n".join(items))  # the data's values escaped above
