"""The one home of "404 if you may not know it exists, 403 if you may not read it"."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cdp_portal.accounts.backends import PortalModelBackend
from cdp_portal.accounts.models import User
from communities.access import MembersOnly, community_or_404, readable_or_404
from communities.models import Community, Membership, fetched_reader_membership
from communities.permissions import can_manage_members, can_moderate, can_see_content
from forums.models import Forum
from tests.worlds import CommunityWorld

VISITORS = ["anonymous", "outsider", "member", "animator", "admin"]
VISIBILITIES = ["open", "closed", "private"]

# What each kind of visitor gets for a community's content, per visibility.
EXPECTED = {
    ("anonymous", "open"): Http404,
    ("anonymous", "closed"): Http404,
    ("anonymous", "private"): Http404,
    ("outsider", "open"): None,
    ("outsider", "closed"): PermissionDenied,
    ("outsider", "private"): Http404,
    ("member", "open"): None,
    ("member", "closed"): None,
    ("member", "private"): None,
    ("animator", "open"): None,
    ("animator", "closed"): None,
    ("animator", "private"): None,
    ("admin", "open"): None,
    ("admin", "closed"): None,
    ("admin", "private"): None,
}


def _visitor(world: CommunityWorld, kind: str, visibility: str) -> User | AnonymousUser:
    if kind == "anonymous":
        return AnonymousUser()
    return world.visitor_for(kind, visibility)


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("kind", VISITORS)
def test_community_or_404_for_every_visitor_and_visibility(community_world, kind, visibility):
    user = _visitor(community_world, kind, visibility)
    slug = community_world.community(visibility).slug
    expected = EXPECTED[(kind, visibility)]
    if expected is None:
        assert community_or_404(user, slug) == community_world.community(visibility)
    else:
        with pytest.raises(expected):
            community_or_404(user, slug)
    # Knowing it exists is the first half of the same rule.
    if expected is Http404:
        with pytest.raises(Http404):
            community_or_404(user, slug, readable=None)
    else:
        assert community_or_404(user, slug, readable=None) == community_world.community(visibility)


@pytest.mark.django_db
def test_members_only_is_a_403_that_names_its_page(community_world):
    outsider = community_world.outsider
    with pytest.raises(MembersOnly) as raised:
        community_or_404(outsider, "cdp-closed", members_only="forums/forbidden.html")
    assert isinstance(raised.value, PermissionDenied)
    assert raised.value.community == community_world.closed
    assert raised.value.template == "forums/forbidden.html"


@pytest.mark.django_db
def test_readable_or_404_asks_the_objects_community(community_world):
    forum = Forum.objects.filter(community=community_world.closed).first() or Forum.objects.create(
        community=community_world.closed, name="Général", slug="general"
    )
    outsider = community_world.outsider
    queryset = Forum.objects.filter(community__in=Community.objects.visible_to(outsider))
    with pytest.raises(PermissionDenied):
        readable_or_404(outsider, queryset, community=lambda f: f.community, pk=forum.pk)
    member = community_world.closed_member
    queryset = Forum.objects.filter(community__in=Community.objects.visible_to(member))
    assert readable_or_404(member, queryset, community=lambda f: f.community, pk=forum.pk) == forum
    # Another rule than reading: a plain 403 for a member who does not manage.
    with pytest.raises(PermissionDenied):
        community_or_404(member, "cdp-closed", readable=can_manage_members)
    assert (
        community_or_404(community_world.closed_animator, "cdp-closed", readable=can_manage_members)
        == community_world.closed
    )


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("kind", ["outsider", "member", "animator", "admin"])
def test_the_membership_fetched_with_the_object_is_the_persons_own(
    community_world, kind, visibility, django_assert_num_queries
):
    """The membership joined into the lookup's statement is the person's own (the outsider
    left the open community: theirs, not active), or None, never another member's; the
    permission functions then ask the database nothing more."""
    user = _visitor(community_world, kind, visibility)
    community = community_world.community(visibility)
    if EXPECTED[(kind, visibility)] is Http404:
        return  # not even known to exist: test_community_or_404_for_every_visitor…
    own = Membership.objects.filter(user=user, community=community).first()
    # As a request has the person (with whether they administer), nothing remembered yet.
    user = PortalModelBackend().get_user(user.pk)
    with django_assert_num_queries(1):
        found = community_or_404(user, community.slug, readable=None)
        moderates = can_moderate(user, found)
        sees = can_see_content(user, found)
    assert fetched_reader_membership(found) == (True, own)
    assert moderates == (kind in ("animator", "admin"))
    assert sees == (EXPECTED[(kind, visibility)] is None)
