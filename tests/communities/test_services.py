import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from cdp_portal.accounts.models import User
from communities import services
from communities.models import ANIMATORS_GROUP, Membership, Profile, Role
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


def test_joining_an_open_community_is_immediate(user):
    community = CommunityFactory(visibility="open")
    membership = services.membership_join(community=community, user=user)
    assert membership.status == Membership.Status.ACTIVE
    assert membership.roles == [Role.MEMBER]
    assert membership.joined_at is not None
    assert Profile.objects.filter(user=user).exists()


def test_joining_a_closed_community_asks_the_animators(user, django_capture_on_commit_callbacks):
    community = CommunityFactory(visibility="closed")
    animator = make_member(community, roles=("animator",))
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_join(community=community, user=user, message="Bonjour")
    assert membership.status == Membership.Status.REQUESTED
    assert membership.request_message == "Bonjour"
    assert [m.to for m in mail.outbox] == [[animator.email]]
    assert f"/communities/{community.slug}/requests/" in mail.outbox[0].body


def test_asking_twice_keeps_one_request(user):
    community = CommunityFactory(visibility="closed")
    services.membership_join(community=community, user=user)
    services.membership_join(community=community, user=user)
    assert Membership.objects.filter(community=community, user=user).count() == 1


def test_private_communities_are_by_invitation_only(user):
    community = CommunityFactory(visibility="private")
    with pytest.raises(PermissionDenied):
        services.membership_join(community=community, user=user)
    assert not Membership.objects.exists()


def test_approving_and_refusing_requests(django_capture_on_commit_callbacks):
    community = CommunityFactory(visibility="closed")
    animator = make_member(community, roles=("animator",))
    asking, refused = UserFactory(), UserFactory()
    first = services.membership_join(community=community, user=asking)
    second = services.membership_join(community=community, user=refused)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_approve(membership=first, by=animator)
        services.membership_refuse(membership=second, by=animator, reason="Hors sujet")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Membership.Status.ACTIVE and first.decided_by == animator
    assert second.status == Membership.Status.REFUSED
    assert {tuple(m.to) for m in mail.outbox} == {(asking.email,), (refused.email,)}
    assert any("Hors sujet" in m.body for m in mail.outbox)
    with pytest.raises(ValidationError):
        services.membership_approve(membership=first, by=animator)


def test_inviting_a_new_person_creates_a_verified_account_and_sends_one_email(
    django_capture_on_commit_callbacks,
):
    community = CommunityFactory(visibility="private")
    animator = make_member(community, roles=("animator",))
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_invite(
            community=community, email="Nouvelle@Example.org", by=animator, roles=["coach"]
        )
    invited = User.objects.get(email="nouvelle@example.org")
    assert not invited.has_usable_password()
    assert invited.emailaddress_set.get().verified
    assert membership.status == Membership.Status.INVITED
    assert membership.roles == ["coach"]
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert community.get_absolute_url() in mail.outbox[0].body

    services.membership_accept_invitation(membership=membership)
    membership.refresh_from_db()
    assert membership.is_active


def test_inviting_someone_who_asked_accepts_the_request():
    community = CommunityFactory(visibility="closed")
    animator = make_member(community, roles=("animator",))
    asking = UserFactory()
    services.membership_join(community=community, user=asking)
    membership = services.membership_invite(community=community, email=asking.email, by=animator)
    assert membership.status == Membership.Status.ACTIVE


def test_joining_when_invited_as_animator_brings_the_admin_access():
    community = CommunityFactory(visibility="closed")
    animator = make_member(community, roles=("animator",))
    invited = UserFactory()
    services.membership_invite(
        community=community, email=invited.email, by=animator, roles=["animator"]
    )
    membership = services.membership_join(community=community, user=invited)
    invited.refresh_from_db()
    assert membership.is_active and membership.roles == ["animator"]
    assert invited.is_staff
    assert invited.groups.filter(name=ANIMATORS_GROUP).exists()


def test_withdrawing_a_request_and_asking_again():
    community = CommunityFactory(visibility="closed")
    asking = UserFactory()
    membership = services.membership_join(community=community, user=asking)
    services.membership_withdraw_request(membership=membership)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.LEFT
    assert not Membership.objects.filter(community=community, status="requested").exists()
    with pytest.raises(ValidationError):
        services.membership_withdraw_request(membership=membership)
    again = services.membership_join(community=community, user=asking)
    assert again.pk == membership.pk and again.status == Membership.Status.REQUESTED


def test_declining_an_invitation():
    community = CommunityFactory(visibility="private")
    animator = make_member(community, roles=("animator",))
    membership = services.membership_invite(community=community, email="x@example.org", by=animator)
    services.membership_decline_invitation(membership=membership)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.LEFT


def test_the_animator_role_grants_and_its_removal_takes_away_admin_access():
    community = CommunityFactory()
    make_member(community, roles=("animator",))  # so that the person below is not the last
    person = make_member(community)
    membership = Membership.objects.get(user=person, community=community)

    services.membership_set_roles(membership=membership, roles=["member", "animator"])
    person.refresh_from_db()
    assert person.is_staff
    assert person.groups.filter(name=ANIMATORS_GROUP).exists()
    group = Group.objects.get(name=ANIMATORS_GROUP)
    assert group.permissions.filter(codename="change_membership").exists()

    services.membership_set_roles(membership=membership, roles=["member"])
    person.refresh_from_db()
    assert not person.is_staff
    assert not person.groups.filter(name=ANIMATORS_GROUP).exists()


def test_deleting_a_membership_or_community_in_the_admin_takes_access_away(
    django_capture_on_commit_callbacks,
):
    first, second = CommunityFactory(), CommunityFactory()
    person = make_member(first, roles=("animator",))
    make_member(second, user=person, roles=("animator",))
    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.filter(community=first, user=person).delete()
    person.refresh_from_db()
    assert person.is_staff  # still animates the second community
    with django_capture_on_commit_callbacks(execute=True):
        second.delete()
    person.refresh_from_db()
    assert not person.is_staff
    assert not person.groups.filter(name=ANIMATORS_GROUP).exists()


def test_the_administrators_group_exists_and_membership_of_it_gives_the_admin():
    from communities.models import ADMINISTRATORS_GROUP, is_portal_admin

    group = Group.objects.get(name=ADMINISTRATORS_GROUP)  # created by a migration
    person = UserFactory()
    person.groups.add(group)
    person.refresh_from_db()
    assert person.is_staff and is_portal_admin(person)
    person.groups.remove(group)
    person.refresh_from_db()
    assert not person.is_staff
    group.user_set.add(person)
    person.refresh_from_db()
    assert person.is_staff


def test_leaving_the_administrators_group_keeps_an_animators_access():
    from communities.models import ADMINISTRATORS_GROUP

    community = CommunityFactory()
    animator = make_member(community, roles=("animator",))
    group = Group.objects.get(name=ADMINISTRATORS_GROUP)
    animator.groups.add(group)
    animator.groups.remove(group)
    animator.refresh_from_db()
    assert animator.is_staff


def test_animating_another_community_keeps_admin_access():
    first, second = CommunityFactory(), CommunityFactory()
    make_member(first, roles=("animator",))
    person = make_member(first, roles=("animator",))
    make_member(second, roles=("animator",), user=person)
    services.membership_set_roles(
        membership=Membership.objects.get(user=person, community=first), roles=["member"]
    )
    person.refresh_from_db()
    assert person.is_staff


def test_superusers_keep_staff_when_they_stop_animating(admin_user):
    community = CommunityFactory()
    make_member(community, roles=("animator",))
    make_member(community, roles=("animator",), user=admin_user)
    services.membership_set_roles(
        membership=Membership.objects.get(user=admin_user, community=community), roles=["member"]
    )
    admin_user.refresh_from_db()
    assert admin_user.is_staff


def test_the_last_animator_can_neither_leave_nor_drop_the_role():
    community = CommunityFactory()
    animator = make_member(community, roles=("animator",))
    membership = Membership.objects.get(user=animator, community=community)
    with pytest.raises(ValidationError):
        services.membership_leave(membership=membership)
    with pytest.raises(ValidationError):
        services.membership_set_roles(membership=membership, roles=["member"])
    membership.refresh_from_db()
    assert membership.is_active and Role.ANIMATOR in membership.roles


def test_leaving_keeps_the_membership_as_history():
    community = CommunityFactory()
    member = make_member(community)
    membership = Membership.objects.get(user=member, community=community)
    services.membership_leave(membership=membership)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.LEFT and membership.left_at
    # Joining again reactivates the same row.
    services.membership_join(community=community, user=member)
    assert Membership.objects.get(user=member, community=community).is_active


def test_unknown_roles_are_refused():
    community = CommunityFactory()
    member = make_member(community)
    with pytest.raises(ValidationError):
        services.membership_set_roles(
            membership=Membership.objects.get(user=member), roles=["overlord"]
        )


def test_giving_the_sponsor_role_names_the_sponsor_when_there_is_none():
    community = CommunityFactory()
    person = make_member(community)
    services.membership_set_roles(
        membership=Membership.objects.get(user=person, community=community),
        roles=["member", "sponsor"],
    )
    community.refresh_from_db()
    assert community.sponsor == person


def test_profile_handles_are_unique_slugs():
    first = UserFactory(display_name="Hélène Côté")
    second = UserFactory(display_name="Hélène Côté")
    assert services.profile_ensure(user=first).handle == "helene-cote"
    assert services.profile_ensure(user=second).handle == "helene-cote-2"
    assert services.profile_ensure(user=first).handle == "helene-cote"
