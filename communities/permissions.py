"""Who may do what in a community. Views, templates, the admin and services ask here.

Each check is answered from the person's membership, fetched once per request and
community (`membership_for`), so templates can call several checks without new queries.
"""

from __future__ import annotations

from cdp_portal.accounts.types import AnyUser, is_signed_in

from .models import Community, Membership, Profile, Role, Visibility, is_portal_admin

__all__ = [
    "accepts_new_members",
    "can_manage_members",
    "can_moderate",
    "can_offer_contact",
    "can_see_community",
    "can_see_content",
    "is_portal_admin",
    "is_read_only",
    "membership_for",
]


def membership_for(user: AnyUser, community: Community) -> Membership | None:
    """The person's membership in the community (any status), cached on the user object."""
    if not is_signed_in(user):
        return None
    cache = user.__dict__.setdefault("_membership_cache", {})
    if community.pk not in cache:
        cache[community.pk] = Membership.objects.filter(user=user, community=community).first()
    return cache[community.pk]


def remember_membership(user: AnyUser, community: Community, membership: Membership | None) -> None:
    """Give `membership_for` the membership fetched with the page's object
    (`communities.models.with_reader_membership`), so that it asks for none."""
    if is_signed_in(user):
        user.__dict__.setdefault("_membership_cache", {})[community.pk] = membership


def forget_membership(user: AnyUser, community: Community) -> None:
    """Drop the cached membership after a service changed it."""
    user.__dict__.get("_membership_cache", {}).pop(community.pk, None)


def _is_active_member(user: AnyUser, community: Community) -> bool:
    membership = membership_for(user, community)
    return membership is not None and membership.is_active


def can_see_community(user: AnyUser, community: Community) -> bool:
    if not is_signed_in(user):
        return False
    if community.visibility != Visibility.PRIVATE or is_portal_admin(user):
        return True
    return _is_active_member(user, community)


def can_see_content(user: AnyUser, community: Community) -> bool:
    if not is_signed_in(user):
        return False
    if community.visibility == Visibility.OPEN or is_portal_admin(user):
        return True
    return _is_active_member(user, community)


def has_role(user: AnyUser, community: Community, role: str) -> bool:
    membership = membership_for(user, community)
    return membership is not None and membership.is_active and role in membership.roles


def can_moderate(user: AnyUser, community: Community) -> bool:
    return is_portal_admin(user) or has_role(user, community, Role.ANIMATOR)


def can_manage_members(user: AnyUser, community: Community) -> bool:
    """Approve or refuse requests, invite, change roles: the animators' job."""
    return can_moderate(user, community)


def is_read_only(community: Community | None) -> bool:
    """An archived community: what it holds stays readable by those who could read it,
    and nothing new is written in it (topics, replies, resources, members). The forums,
    the library and the membership services all ask here."""
    return community is not None and community.archived_at is not None


def accepts_new_members(community: Community) -> bool:
    """Joining, asking to join, inviting, accepting an invitation or a request: not into
    an archived community."""
    return not is_read_only(community)


def can_grant_sponsor(user: AnyUser | None, community: Community) -> bool:
    """The sponsor records the launch decision: only administrators, or the current
    sponsor handing over, make someone a sponsor (an animator may not make themselves one).
    `user` None is the portal itself (seed files, imports run by an administrator)."""
    if user is None or is_portal_admin(user):
        return True
    if not is_signed_in(user):
        return False
    return community.sponsor_id == user.pk or has_role(user, community, Role.SPONSOR)


def can_offer_contact(viewer: AnyUser, profile: Profile) -> bool:
    """Whether a profile's page offers to write to its person: someone signed in, about
    an active account other than their own that accepts private messages. What the
    person alone says; `conversations.permissions` adds what is between two people
    (a block) before anything is sent."""
    if not is_signed_in(viewer) or not viewer.is_active:
        return False
    person = profile.user
    return person.is_active and person.pk != viewer.pk and profile.accepts_messages
