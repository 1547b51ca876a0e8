"""Who may read and change a community's launch-readiness checklist and decision.

Built on `communities.permissions` (the person's membership is fetched once per request):
- read the checklist and the dossier: whoever may read the community's content, and its
  sponsor;
- change the hand-set items: the animators, the sponsor and administrators;
- record the launch decision: the sponsor and administrators.
"""

from __future__ import annotations

from cdp_portal.accounts.types import AnyUser, is_signed_in
from communities.models import Community, Role
from communities.permissions import can_moderate, can_see_content, has_role, is_portal_admin


def is_sponsor(user: AnyUser, community: Community) -> bool:
    """The community's named sponsor, or an active member holding the sponsor role."""
    if not is_signed_in(user) or not user.is_active:
        return False
    return community.sponsor_id == user.pk or has_role(user, community, Role.SPONSOR)


def can_view_readiness(user: AnyUser, community: Community) -> bool:
    return can_see_content(user, community) or is_sponsor(user, community)


def can_edit_checklist(user: AnyUser, community: Community) -> bool:
    return can_moderate(user, community) or is_sponsor(user, community)


def can_record_decision(user: AnyUser, community: Community) -> bool:
    return is_portal_admin(user) or is_sponsor(user, community)


# Model permissions the "Animateurs" group carries for checklists (appended to
# `communities.services.ANIMATOR_PERMISSIONS` in `CommunitiesConfig.ready()`); the scoped
# admin narrows them to the communities each animator moderates. Decisions are read-only.
ANIMATOR_READINESS_PERMISSIONS = (
    "readiness.view_checklist",
    "readiness.view_checklistitem",
    "readiness.change_checklistitem",
    "readiness.view_readinessdecision",
)
