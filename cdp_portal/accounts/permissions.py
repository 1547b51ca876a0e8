"""Who administers the portal: a fact about the account alone, which every app asks."""

from __future__ import annotations

from .types import AnyUser, is_signed_in

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
