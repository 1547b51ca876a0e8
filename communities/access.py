"""The one answer to "may this person know it exists, may they read it" for a page.

A thing the person may not know exists is a 404 (a private community's forum must not
be confirmed by a 403); a thing they may know but not read is a 403. Views and feeds
fetch through `readable_or_404` / `community_or_404`, so the rule is written here once.
A closed community's "members only" page is raised as `MembersOnly` and rendered by
`MembersOnlyMiddleware`, so a view never returns a response from a lookup helper.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from cdp_portal.accounts.prepared import PreparedLookup

from .models import Community, fetched_reader_membership, with_reader_membership
from .permissions import can_see_content, remember_membership
from .responses import members_only

__all__ = ["MembersOnly", "MembersOnlyMiddleware", "community_or_404", "readable_or_404"]

T = TypeVar("T", bound=Model)


class MembersOnly(PermissionDenied):
    """A 403 that shows how to ask to join; `template` extends
    communities/members_forbidden.html and says what is reserved."""

    def __init__(self, community: Community, template: str) -> None:
        super().__init__()
        self.community = community
        self.template = template


def readable_or_404(
    user: Any,
    queryset: QuerySet[T] | PreparedLookup[T],
    *,
    community: Callable[[T], Community] | None = None,
    readable: Callable[[Any, Community], bool] | None = can_see_content,
    members_only: str | None = None,
    **lookup: Any,
) -> T:
    """The object of `queryset` (already limited to what `user` may know exists) matching
    `lookup`, or Http404; then PermissionDenied when `readable(user, its community)` is
    false: `MembersOnly` when a `members_only` template is given. `community` finds the
    object's community (the object itself by default); `readable=None` checks nothing
    more than existence. The person's membership, when the queryset fetched it with the
    object (`communities.models.with_reader_membership`), is handed to the permission
    functions, which then ask for none. A `PreparedLookup` finds it with a statement
    compiled once per kind of person (`cdp_portal.accounts.prepared`)."""
    if isinstance(queryset, PreparedLookup):
        found = queryset.get_or_404(user, **lookup)
    else:
        found = get_object_or_404(queryset, **lookup)
    owner = community(found) if community is not None else found
    fetched, membership = fetched_reader_membership(found)
    if fetched and owner is not None:
        remember_membership(user, owner, membership)
    if readable is None:
        return found
    if not readable(user, owner):
        if members_only is not None:
            raise MembersOnly(owner, members_only)
        raise PermissionDenied
    return found


def community_or_404(
    user: Any,
    slug: str,
    *,
    queryset: QuerySet[Community] | None = None,
    readable: Callable[[Any, Community], bool] | None = can_see_content,
    members_only: str | None = None,
) -> Community:
    """The community with this slug among those `user` may know (`visible_to` unless
    `queryset` says otherwise: invited, sponsored…), else 404; 403 when not `readable`."""
    if queryset is None:
        queryset = Community.objects.visible_to(user)
    queryset = with_reader_membership(queryset, user)
    return readable_or_404(user, queryset, readable=readable, members_only=members_only, slug=slug)


class MembersOnlyMiddleware:
    """Renders a raised `MembersOnly` as the community's "members only" page (403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, MembersOnly):
            return None
        return members_only(request, exception.community, exception.template)
