"""The one visibility rule, as the querysets and permission checks state it."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from communities import permissions
from communities.models import ADMINISTRATORS_GROUP, Community, Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def slugs(queryset):
    return set(queryset.values_list("slug", flat=True))


def test_anonymous_sees_no_community(community_world):
    assert not Community.objects.visible_to(AnonymousUser()).exists()
    assert not Community.objects.content_visible_to(AnonymousUser()).exists()


def test_non_member_sees_open_and_closed_but_reads_only_open(community_world):
    outsider = community_world.outsider
    assert slugs(Community.objects.visible_to(outsider)) == {"cdp-open", "cdp-closed"}
    assert slugs(Community.objects.content_visible_to(outsider)) == {"cdp-open"}
    assert not permissions.can_see_community(outsider, community_world.private)
    assert permissions.can_see_community(outsider, community_world.closed)
    assert not permissions.can_see_content(outsider, community_world.closed)


def test_private_member_sees_their_private_community(community_world):
    member = community_world.private_member
    assert "cdp-private" in slugs(Community.objects.visible_to(member))
    assert "cdp-private" in slugs(Community.objects.content_visible_to(member))
    assert permissions.can_see_content(member, community_world.private)
    assert not permissions.can_moderate(member, community_world.private)


def test_a_pending_request_or_invitation_grants_no_access(community_world):
    community = community_world.private
    invited = UserFactory()
    Membership.objects.create(user=invited, community=community, status="invited")
    assert "cdp-private" not in slugs(Community.objects.visible_to(invited))


def test_animators_moderate_their_communities_only(community_world):
    animator = community_world.closed_animator
    assert slugs(Community.objects.moderated_by(animator)) == {"cdp-closed"}
    assert permissions.can_moderate(animator, community_world.closed)
    assert not permissions.can_moderate(animator, community_world.open)


def test_administrators_see_and_moderate_everything(community_world):
    group_admin = UserFactory()
    group_admin.groups.add(Group.objects.get(name=ADMINISTRATORS_GROUP))
    for admin in (community_world.admin, group_admin):
        assert Community.objects.visible_to(admin).count() == 3
        assert Community.objects.moderated_by(admin).count() == 3
        assert permissions.can_moderate(admin, community_world.private)
    assert group_admin.has_perm("communities.delete_community")


def test_member_counts_count_active_members_only(community_world):
    counts = dict(Community.objects.with_member_count().values_list("slug", "member_count"))
    assert counts == {"cdp-open": 2, "cdp-closed": 2, "cdp-private": 2}


def test_membership_visibility_hides_private_communities(community_world):
    outsider = community_world.outsider
    visible = Membership.objects.visible_to(outsider)
    assert not visible.filter(community=community_world.private).exists()
    # The animators of a closed community are public; its plain members are not.
    closed = visible.filter(community=community_world.closed)
    assert set(closed.values_list("user", flat=True)) == {community_world.closed_animator.pk}


def test_membership_checks_reuse_one_query_per_community(
    community_world, django_assert_num_queries
):
    member = community_world.closed_member
    community = community_world.closed
    # One for the membership, one for the Administrateurs group (a person not loaded by the
    # authentication backend, which brings that fact along); both cached afterwards.
    with django_assert_num_queries(2):
        permissions.can_see_content(member, community)
        permissions.can_moderate(member, community)
        permissions.can_manage_members(member, community)
    with django_assert_num_queries(0):
        permissions.can_moderate(member, community)
