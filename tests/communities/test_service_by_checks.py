"""Every communities service that takes `by` checks it with the one permission rule
(`permissions.can_manage_members`): a member who does not animate the community is
refused, its animators and the portal's administrators pass, and `by` None is the portal
itself (commands, seed files, imports)."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from communities import services
from communities.models import ADMINISTRATORS_GROUP, Membership, Role
from tests.factories import CommunityFactory, SuperUserFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def _requested(community):
    return services.membership_join(community=community, user=UserFactory())


def _invited(community):
    user = make_member(community, status=Membership.Status.INVITED)
    return Membership.objects.get(user=user, community=community)


def _approve(community, by):
    return services.membership_approve(membership=_requested(community), by=by)


def _refuse(community, by):
    return services.membership_refuse(membership=_requested(community), by=by, reason="")


def _invite(community, by):
    return services.membership_invite(community=community, email="new@example.org", by=by)


def _cancel(community, by):
    return services.membership_cancel_invitation(membership=_invited(community), by=by)


def _set_roles(community, by):
    membership = Membership.objects.get(user=make_member(community), community=community)
    return services.membership_set_roles(
        membership=membership, roles=[Role.MEMBER, Role.ANIMATOR], by=by
    )


def _add(community, by):
    return services.membership_add(community=community, user=UserFactory(), by=by)


SERVICES = {
    "approve": _approve,
    "refuse": _refuse,
    "invite": _invite,
    "cancel_invitation": _cancel,
    "set_roles": _set_roles,
    "add": _add,
}


def _portal_admin():
    admin = UserFactory()
    admin.groups.add(Group.objects.get(name=ADMINISTRATORS_GROUP))
    return admin


@pytest.fixture
def community():
    community = CommunityFactory(visibility="closed")
    make_member(community, roles=(Role.MEMBER, Role.ANIMATOR))
    return community


@pytest.mark.parametrize("service", SERVICES.values(), ids=SERVICES.keys())
@pytest.mark.parametrize(
    "who", ["member", "other_community_animator", "outsider", "inactive_superuser"]
)
def test_a_person_who_does_not_animate_the_community_is_refused(community, service, who):
    if who == "member":
        by = make_member(community)
    elif who == "other_community_animator":
        by = make_member(CommunityFactory(), roles=(Role.ANIMATOR,))
    elif who == "outsider":
        by = UserFactory()
    else:
        by = SuperUserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        service(community, by)


@pytest.mark.parametrize("service", SERVICES.values(), ids=SERVICES.keys())
@pytest.mark.parametrize("who", ["animator", "portal_admin", "superuser", "portal"])
def test_animators_administrators_and_the_portal_pass(community, service, who):
    by = {
        "animator": lambda: make_member(community, roles=(Role.ANIMATOR,)),
        "portal_admin": _portal_admin,
        "superuser": SuperUserFactory,
        "portal": lambda: None,
    }[who]()
    assert isinstance(service(community, by), Membership)


def test_the_roles_check_refuses_a_non_animator_as_a_form_error(community):
    membership = Membership.objects.get(user=make_member(community), community=community)
    with pytest.raises(ValidationError):
        services.membership_roles_check(
            membership=membership, roles=[Role.MEMBER], by=make_member(community)
        )
    assert services.membership_roles_check(
        membership=membership, roles=[Role.MEMBER], by=_portal_admin()
    ) == [Role.MEMBER]


def test_the_named_sponsor_hands_over_without_animating_but_changes_nothing_else(community):
    sponsor = make_member(community)
    community.sponsor = sponsor
    community.save(update_fields=["sponsor"])
    successor = Membership.objects.get(user=make_member(community), community=community)
    services.membership_set_roles(
        membership=successor, roles=[Role.MEMBER, Role.SPONSOR], by=sponsor
    )
    assert Role.SPONSOR in successor.roles
    with pytest.raises(PermissionDenied):
        services.membership_set_roles(
            membership=successor, roles=[Role.MEMBER, Role.SPONSOR, Role.ANIMATOR], by=sponsor
        )
    with pytest.raises(PermissionDenied):
        services.membership_set_roles(membership=successor, roles=[Role.MEMBER], by=sponsor)
