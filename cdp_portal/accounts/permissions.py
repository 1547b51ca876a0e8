"""Who administers the portal: a fact about the account alone, which every app asks."""

from __future__ import annotations

ADMINISTRATORS_GROUP = "Administrateurs"


def is_portal_admin(user) -> bool:
    """Superusers and members of the "Administrateurs" group may do everything."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_portal_admin_cache", None)
    if cached is None:
        cached = user.groups.filter(name=ADMINISTRATORS_GROUP).exists()
        user._portal_admin_cache = cached
    return cached
