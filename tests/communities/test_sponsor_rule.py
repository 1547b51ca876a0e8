"""Only administrators, or the current sponsor handing over, give the sponsor role: the
sponsor records the launch decision, so an animator must not be able to make themselves
one, on the site or in the admin."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from communities import services
from communities.models import Community, Membership
from readiness.models import ReadinessDecision
from tests.factories import make_member
from tests.shared_worlds import shared_world

pytestmark = pytest.mark.django_db


def membership(user, community) -> Membership:
    return Membership.objects.get(user=user, community=community)


def roles_url(m: Membership) -> str:
    return reverse("communities:roles", kwargs={"slug": m.community.slug, "membership_id": m.pk})


def admin_change_url(m: Membership) -> str:
    return f"/admin/communities/membership/{m.pk}/change/"


@shared_world
def deciding(community_world):
    community = community_world.open
    Community.objects.filter(pk=community.pk).update(phase="deciding")
    community.refresh_from_db()
    return community


def test_an_animator_cannot_make_themselves_sponsor_on_the_site(client, community_world, deciding):
    animator = community_world.open_animator
    own = membership(animator, deciding)
    client.force_login(animator)
    response = client.post(roles_url(own), {"roles": ["animator", "sponsor"]}, follow=True)
    assert response.status_code == 200
    assert "donnent le rôle de marraine ou parrain" in response.content.decode()
    own.refresh_from_db()
    deciding.refresh_from_db()
    assert "sponsor" not in own.roles and deciding.sponsor is None
    # Nor can they then record the launch decision.
    response = client.post(
        reverse("readiness:decision", kwargs={"slug": deciding.slug}),
        {"outcome": "go", "rationale": "Je décide seul."},
    )
    assert response.status_code == 403
    assert not ReadinessDecision.objects.exists()
    deciding.refresh_from_db()
    assert deciding.phase == "deciding"


def test_an_animator_cannot_give_the_sponsor_role_to_a_member_or_invite_one(
    client, community_world, deciding
):
    client.force_login(community_world.open_animator)
    target = membership(community_world.open_member, deciding)
    client.post(roles_url(target), {"roles": ["member", "sponsor"]})
    target.refresh_from_db()
    assert "sponsor" not in target.roles
    response = client.post(
        reverse("communities:invite", kwargs={"slug": deciding.slug}),
        {"email": "nouvelle@example.org", "roles": ["sponsor"], "display_name": "Nouvelle"},
    )
    assert response.status_code == 400
    assert "donnent le rôle de marraine ou parrain" in response.content.decode()
    assert not Membership.objects.filter(user__email="nouvelle@example.org").exists()


def test_an_animator_cannot_make_themselves_sponsor_in_the_admin(client, community_world, deciding):
    animator = community_world.open_animator
    own = membership(animator, deciding)
    client.force_login(animator)
    response = client.post(admin_change_url(own), {"roles": ["animator", "sponsor"]})
    assert response.status_code == 200  # the form again, with the refusal next to the field
    assert "roles" in response.context["adminform"].form.errors
    own.refresh_from_db()
    deciding.refresh_from_db()
    assert own.roles == ["animator"] and deciding.sponsor is None


def test_an_administrator_gives_the_sponsor_role_on_the_site_and_in_the_admin(
    client, community_world, deciding
):
    client.force_login(community_world.admin)
    target = membership(community_world.open_member, deciding)
    client.post(roles_url(target), {"roles": ["member", "sponsor"]})
    target.refresh_from_db()
    deciding.refresh_from_db()
    assert "sponsor" in target.roles and deciding.sponsor == community_world.open_member
    animator = membership(community_world.open_animator, deciding)
    response = client.post(admin_change_url(animator), {"roles": ["animator", "sponsor"]})
    assert response.status_code == 302
    animator.refresh_from_db()
    assert "sponsor" in animator.roles


def test_the_current_sponsor_hands_over_to_another_member(client, community_world, deciding):
    # The current sponsor also animates here, so they reach the role page.
    sponsor = make_member(deciding, roles=("animator", "sponsor"))
    Community.objects.filter(pk=deciding.pk).update(sponsor=sponsor)
    successor = community_world.open_member
    client.force_login(sponsor)
    response = client.post(roles_url(membership(successor, deciding)), {"roles": ["sponsor"]})
    assert response.status_code == 302
    assert "sponsor" in membership(successor, deciding).roles
    # Then hands the role over entirely.
    client.post(roles_url(membership(sponsor, deciding)), {"roles": ["animator"]})
    assert "sponsor" not in membership(sponsor, deciding).roles


def test_the_service_checks_who_gives_the_sponsor_role(community_world, deciding):
    animator = community_world.open_animator
    with pytest.raises(PermissionDenied):
        services.membership_set_roles(
            membership=membership(animator, deciding), roles=["animator", "sponsor"], by=animator
        )
    with pytest.raises(PermissionDenied):
        services.membership_add(
            community=community_world.closed,
            user=animator,
            roles=["sponsor"],
            by=community_world.closed_animator,
        )
    # A sponsor named on the community (not holding the role) may hand over too.
    Community.objects.filter(pk=deciding.pk).update(sponsor=community_world.open_member)
    deciding.refresh_from_db()
    target = membership(animator, deciding)
    target.community = deciding
    services.membership_set_roles(
        membership=target, roles=["animator", "sponsor"], by=community_world.open_member
    )
    assert "sponsor" in membership(animator, deciding).roles
