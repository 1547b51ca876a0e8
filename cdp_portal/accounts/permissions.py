"""Who administers the portal: a fact about the account alone, which every app asks."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, QuerySet

from .types import AnyUser, User, is_signed_in

ADMINISTRATORS_GROUP = "Administrateurs"


def is_portal_admin(user: AnyUser) -> bool:
    """Superusers and members of the "Administrateurs" group may do everything."""
    if not is_signed_in(user) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_portal_admin_cache", None)
    if cached is None:
        cached = user.groups.filter(name=ADMINISTRATORS_GROUP).exists()
        user._portal_admin_cache = cached  # type: ignore[attr-defined]  # a per-request memo
    return cached


def with_portal_admin_fact(users: QuerySet[User]) -> QuerySet[User]:
    """These people loaded with whether they are in the administrators' group, in the
    same query, which `is_portal_admin` then reads instead of asking: the signed-in
    person on every page, the people a command handles by the thousand."""
    administrators = Group.objects.filter(user=OuterRef("pk"), name=ADMINISTRATORS_GROUP)
    return users.annotate(_portal_admin_cache=Exists(administrators))
