"""Helpers for the launch-readiness tests: a deciding community with its checklist, an
item by its template key, the five kinds of visitor plus the sponsor."""

from __future__ import annotations

from cdp_portal.accounts.models import User
from communities.models import Community
from readiness import services
from readiness.models import Checklist, ChecklistItem
from tests.factories import CommunityFactory, make_member
from tests.shared_worlds import shared_world
from tests.worlds import VISIBILITIES, CommunityWorld, ReadinessWorld


def deciding_community(**fields) -> Community:
    return CommunityFactory(phase=fields.pop("phase", "deciding"), **fields)


def checklist_of(community: Community) -> Checklist:
    return services.checklist_ensure(community=community)


def item_of(community: Community, key: str) -> ChecklistItem:
    return ChecklistItem.objects.select_related("checklist__community", "template_item").get(
        checklist__community=community, template_item__key=key
    )


def set_item(community: Community, key: str, **fields) -> ChecklistItem:
    """Write an item's state directly (the service and its checks are tested elsewhere)."""
    ChecklistItem.objects.filter(checklist__community=community, template_item__key=key).update(
        **fields
    )
    return item_of(community, key)


@shared_world(name="readiness_world")
def readiness_world_fixture(community_world: CommunityWorld) -> ReadinessWorld:
    """`readiness_world`: `community_world` with its three communities in the deciding
    phase, each with a sponsor (role and `Community.sponsor`)."""
    sponsors: dict[str, User] = {}
    for visibility in VISIBILITIES:
        community = community_world.community(visibility)
        sponsor = make_member(community, roles=("sponsor",))
        community.phase = "deciding"
        community.sponsor = sponsor
        community.save(update_fields=["phase", "sponsor"])
        sponsors[f"{visibility}_sponsor"] = sponsor
    return ReadinessWorld.extending(community_world, **sponsors)


VISITORS = ["anonymous", "outsider", "member", "animator", "sponsor", "admin"]


def visitor(world: ReadinessWorld, kind: str, visibility: str) -> User | None:
    """The person of a kind for a community (see `VISITORS`); None is the anonymous one."""
    if kind == "anonymous":
        return None
    return world.visitor_for(kind, visibility)
