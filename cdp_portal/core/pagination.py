"""Pages deep in a long list cost what the first page costs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet, Subquery


class KeysFirstPaginator(Paginator):
    """A paginator over a queryset whose page is read in one query, keys first: the
    page's primary keys are taken from the ordering's index (the OFFSET walks index
    entries only), then the rows, their joins and their annotations are built for those
    keys alone. With a plain slice, PostgreSQL builds every skipped row's joins and
    subqueries before throwing them away, so page 80 cost twice page 1."""

    object_list: QuerySet

    def __init__(
        self,
        object_list,
        per_page,
        *,
        count: int | None = None,
        rows: Callable[[int, int], Sequence] | None = None,
        **options,
    ) -> None:
        """`count`: the number of rows when the caller knows it already (a counter the
        services keep, a figure of the same page), so no COUNT query is run. `rows`: how
        a page's rows are read from its bounds (`rows_between` of the same queryset,
        prepared: cdp_portal.accounts.prepared) instead of from `object_list`."""
        super().__init__(object_list, per_page, **options)
        if count is not None:
            self.__dict__["count"] = count  # what the cached_property would have cached
        self.rows = rows

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self.rows is not None:
            # An empty list's only page asks nothing.
            return self._get_page(self.rows(bottom, top) if top > bottom else [], number, self)
        return self._get_page(rows_between(self.object_list, bottom, top), number, self)


def rows_between(queryset: QuerySet, bottom: int, top: int) -> QuerySet:
    """The rows of `queryset` from `bottom` to `top` (excluded), keys first."""
    keys = queryset.values("pk")[bottom:top]
    return queryset.filter(pk__in=Subquery(keys))
