"""Which people a community names by their role, and to whom: `Role.shown` and
`Role.public` are the one rule for its home, for `Membership.objects.visible_to` (profiles,
directory) and for the decision dossier. Those who may not read its content see only who
animates and who sponsors it; its readers see every role but plain membership."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from cdp_portal.accounts.models import User
from communities.models import Community, Membership, Role
from tests.factories import make_member
from tests.readiness.factories import readiness_world_fixture  # noqa: F401
from tests.worlds import VISIBILITIES, ReadinessWorld

pytestmark = pytest.mark.django_db

KINDS = ["outsider", "member", "animator", "sponsor", "admin"]


@dataclass(frozen=True, kw_only=True)
class StaffedWorld(ReadinessWorld):
    """Each community also has a coach and a documentalist: roles that are content."""

    open_coach: User
    open_documentalist: User
    closed_coach: User
    closed_documentalist: User
    private_coach: User
    private_documentalist: User


@pytest.fixture
def staffed(readiness_world: ReadinessWorld) -> StaffedWorld:
    staff: dict[str, User] = {}
    for visibility in VISIBILITIES:
        community = readiness_world.community(visibility)
        staff[f"{visibility}_coach"] = make_member(community, roles=(Role.MEMBER, Role.COACH))
        staff[f"{visibility}_documentalist"] = make_member(community, roles=(Role.DOCUMENTALIST,))
    return StaffedWorld.extending(readiness_world, **staff)


def expected_people(world: StaffedWorld, visibility: str, *, reads_content: bool) -> set[User]:
    """Written out rather than derived from `Role`, so that the rule itself is tested."""
    public = {world.visitor_for(kind, visibility) for kind in ("animator", "sponsor")}
    if not reads_content:
        return public
    return public | {world.visitor_for(kind, visibility) for kind in ("coach", "documentalist")}


def named_on(response) -> set[User]:
    return {person for _label, people in response.context["role_holders"] for person in people}


def named_by_the_queryset(viewer: User, community: Community) -> set[User]:
    """The people `Membership.objects.visible_to` lets the viewer see in the community with
    a role beyond plain membership."""
    memberships = Membership.objects.active().visible_to(viewer).filter(community=community)
    return {m.user for m in memberships.select_related("user") if set(m.roles) - {Role.MEMBER}}


def page(client, name: str, community: Community):
    name = name if ":" in name else f"communities:{name}"
    return client.get(reverse(name, kwargs={"slug": community.slug}))


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("kind", KINDS)
def test_home_queryset_and_dossier_name_the_same_people(client, login, staffed, kind, visibility):
    community = staffed.community(visibility)
    viewer = staffed.visitor_for(kind, visibility)
    login(viewer)
    knows_it = kind != "outsider" or visibility != "private"
    reads_content = kind != "outsider" or visibility == "open"
    expected = (
        expected_people(staffed, visibility, reads_content=reads_content) if knows_it else set()
    )

    home = page(client, "detail", community)
    assert home.status_code == (200 if knows_it else 404)
    if knows_it:
        assert named_on(home) == expected
    assert named_by_the_queryset(viewer, community) == expected
    dossier = page(client, "readiness:dossier", community)
    if reads_content:
        assert dossier.status_code == 200
        assert named_on(dossier) == expected
    else:
        assert dossier.status_code == (403 if knows_it else 404)


@pytest.mark.parametrize("visibility", ["closed", "private"])
def test_a_sponsor_named_without_membership_reads_every_role_in_the_dossier_only(
    client, login, staffed, visibility
):
    # Pinned as it is: the dossier lists the roles as to readers for whoever reaches it,
    # and the one who reaches it without reading the content is the sponsor an
    # administrator named without a membership (see `visible_or_sponsored_by`).
    community = staffed.community(visibility)
    sponsor = staffed.outsider
    Community.objects.filter(pk=community.pk).update(sponsor=sponsor)
    login(sponsor)
    public = expected_people(staffed, visibility, reads_content=False)

    home = page(client, "detail", community)
    if visibility == "closed":
        assert named_on(home) == public
        assert named_by_the_queryset(sponsor, community) == public
    else:
        assert home.status_code == 404
        assert named_by_the_queryset(sponsor, community) == set()
    dossier = page(client, "readiness:dossier", community)
    assert dossier.status_code == 200
    assert named_on(dossier) == expected_people(staffed, visibility, reads_content=True)


def test_the_public_roles_are_the_animators_and_sponsors():
    assert Role.public() == [Role.ANIMATOR, Role.SPONSOR]
    assert Role.shown(reads_content=False) == Role.public()
    assert Role.shown(reads_content=True) == [r for r in Role.values if r != Role.MEMBER]
