"""Pages deep in a long list cost what the first page costs."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet, Subquery


class KeysFirstPaginator(Paginator):
    """A paginator over a queryset whose page is read in one query, keys first: the
    page's primary keys are taken from the ordering's index (the OFFSET walks index
    entries only), then the rows, their joins and their annotations are built for those
    keys alone. With a plain slice, PostgreSQL builds every skipped row's joins and
    subqueries before throwing them away, so page 80 cost twice page 1."""

    object_list: QuerySet

    def __init__(self, object_list, per_page, *, count: int | None = None, **options) -> None:
        """`count`: the number of rows when the caller knows it already (a counter the
        services keep, a figure of the same page), so no COUNT query is run."""
        super().__init__(object_list, per_page, **options)
        if count is not None:
            self.__dict__["count"] = count  # what the cached_property would have cached

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = self.object_list.values("pk")[bottom:top]
        rows = self.object_list.filter(pk__in=Subquery(keys))
        return self._get_page(rows, number, self)
