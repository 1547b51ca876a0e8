"""Who may do what with a resource. Views, templates, the admin and services ask here.

Seeing a resource is not decided here but by `Resource.objects.visible_to(user)`: views
fetch through it, so an invisible resource is a 404 before any of these checks run.
Roles come from `communities.permissions` (one membership query per community and
request, cached on the user).
"""

from __future__ import annotations

from cdp_portal.accounts.types import AnyUser, is_signed_in
from communities.models import Community, Role, is_portal_admin
from communities.permissions import can_moderate, has_role, is_read_only, membership_for

from .models import Resource

CURATOR_ROLES = (Role.DOCUMENTALIST, Role.ANIMATOR)


def _signed_in(user: AnyUser) -> bool:
    return is_signed_in(user) and user.is_active


def _curates(user: AnyUser, community: Community | None) -> bool:
    """Documentalists and animators curate their community's library."""
    if community is None:
        return False
    return any(has_role(user, community, role) for role in CURATOR_ROLES)


def can_add_to(user: AnyUser, community: Community | None) -> bool:
    """Active members add to their community; anyone signed in adds institution-wide;
    no one adds to an archived community."""
    if not _signed_in(user) or is_read_only(community):
        return False
    if community is None or is_portal_admin(user):
        return True
    membership = membership_for(user, community)
    return membership is not None and membership.is_active


def can_edit(user: AnyUser, resource: Resource) -> bool:
    """Its author, the community's documentalists and animators, administrators; no one
    while its community is archived (it stays readable)."""
    if not _signed_in(user) or is_read_only(resource.community):
        return False
    if is_portal_admin(user) or (resource.author_id and resource.author_id == user.pk):
        return True
    return _curates(user, resource.community)


def can_feature(user: AnyUser, resource: Resource) -> bool:
    """Put a resource "à la une": the community's curators; administrators for all."""
    if not _signed_in(user):
        return False
    return is_portal_admin(user) or _curates(user, resource.community)


def can_moderate_resource(user: AnyUser, resource: Resource) -> bool:
    """Hide or show again: the community's animators; administrators for all."""
    if not _signed_in(user):
        return False
    if resource.community is None:
        return is_portal_admin(user)
    return can_moderate(user, resource.community)


def can_see_history(user: AnyUser, resource: Resource) -> bool:
    return can_edit(user, resource)


def can_handle_resource_flags(user: AnyUser) -> bool:
    """Open the queue of flagged resources: whoever moderates some library (an animator of
    a community; administrators, who also handle institution-wide resources)."""
    if not _signed_in(user):
        return False
    return is_portal_admin(user) or Community.objects.moderated_by(user).exists()
