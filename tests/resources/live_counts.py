"""The library's total and facets counted the slow way, on `Resource.objects.visible_to`
(the rule itself) and `matching` (the search itself): what the library page, which counts
otherwise (`resources.library_sql`), must show."""

from django.core.cache import cache

from resources.library import library_search
from resources.models import Resource

NARROW = {
    "kind": lambda qs, value: qs.filter(kind=value),
    "language": lambda qs, value: qs.filter(language=value),
    "community": lambda qs, value: qs.in_scope(value),
    "tag": lambda qs, value: qs.tagged(value),
}


def shown(user, q: str = "", **filters) -> tuple:
    """(total, {facet: {(value, count)}}) as the library shows them (cache emptied)."""
    cache.clear()
    library = library_search(user, q=q, **filters)
    return library.total, {
        name: {(value.value, value.count) for value in values}
        for name, values in library.facets.items()
    }


def counted_live(user, q: str = "", **filters) -> tuple:
    """The same, counted on the visible matches, each facet filtered by the others."""
    visible = Resource.objects.visible_to(user).matching(q)

    def narrowed(skip: str | None = None):
        qs = visible
        for name, value in filters.items():
            if value and name != skip:
                qs = NARROW[name](qs, value)
        return qs

    return narrowed().count(), {
        "kind": {(v, n) for v, _label, n in narrowed("kind").kind_counts()},
        "language": {(v, n) for v, _label, n in narrowed("language").language_counts()},
        "community": {(v, n) for v, _name, n in narrowed("community").community_counts()},
        "tag": {(slug, n) for slug, _name, n in narrowed("tag").tag_counts(20)},
    }
