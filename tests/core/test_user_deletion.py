"""Deleting a person's account keeps what they wrote, anonymised, and is refused while
they are the only animator of a community (in the admin's delete page, its "delete
selected" action and the service itself)."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError

from cdp_portal.accounts.models import User
from communities.models import Membership, Profile
from communities.services import user_delete
from forums.models import Post, Topic
from resources.models import Resource, ResourceRevision
from tests.factories import CommunityFactory, SuperUserFactory, make_member
from tests.forums.factories import general_forum, make_post, make_topic
from tests.resources.factories import make_resource

USERS = "/admin/accounts/user/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_alone():
    """A private community whose only animator also wrote a topic there."""
    community = CommunityFactory(name="Cercle restreint", visibility="private")
    animator = make_member(community, roles=("animator",))
    member = make_member(community)
    topic = make_topic(general_forum(community), animator, title="Notre charte")
    return {"community": community, "animator": animator, "member": member, "topic": topic}


def _snapshot(user) -> tuple:
    return (
        User.objects.filter(pk=user.pk).exists(),
        Membership.objects.filter(user=user).count(),
        EmailAddress.objects.filter(user=user).count(),
        Topic.objects.filter(author=user).count(),
    )


def test_admin_refuses_to_delete_a_private_communitys_only_animator(admin_client, private_alone):
    animator = private_alone["animator"]
    before = _snapshot(animator)
    page = admin_client.get(f"{USERS}{animator.pk}/delete/")
    assert page.status_code == 200
    assert "seule personne à animer" in page.content.decode()
    response = admin_client.post(f"{USERS}{animator.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200
    assert _snapshot(animator) == before
    action = admin_client.post(
        USERS,
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [str(animator.pk)], "post": "yes"},
    )
    assert action.status_code == 200
    assert _snapshot(animator) == before


def test_the_service_refuses_too(private_alone):
    animator = private_alone["animator"]
    with pytest.raises(ValidationError):
        user_delete(user=animator, by=SuperUserFactory())
    assert User.objects.filter(pk=animator.pk).exists()


def test_with_a_second_animator_the_account_goes_and_its_writing_stays(admin_client, private_alone):
    community, animator = private_alone["community"], private_alone["animator"]
    make_member(community, roles=("animator",))
    reply = make_post(private_alone["topic"], animator, "Ma réponse signée")
    resource = make_resource(
        author=animator, community=community, title="Mon guide", url="https://e.org"
    )
    email = animator.email
    response = admin_client.post(f"{USERS}{animator.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=animator.pk).exists()
    assert not User.objects.filter(email=email).exists()
    assert not EmailAddress.objects.filter(email=email).exists()
    assert not Profile.objects.filter(user_id=animator.pk).exists()
    assert not Membership.objects.filter(user_id=animator.pk).exists()
    # Kept, without an author.
    topic = Topic.objects.get(pk=private_alone["topic"].pk)
    assert topic.author_id is None
    assert Post.objects.get(pk=reply.pk).author_id is None
    assert Resource.objects.get(pk=resource.pk).author_id is None
    assert ResourceRevision.objects.filter(resource=resource).exists()
    # Shown as a former member on the topic's page.
    reader = private_alone["member"]
    admin_client.force_login(reader)
    page = admin_client.get(topic.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ancien membre·e" in html
    assert "Ma réponse signée" in html
    assert email not in html


def test_an_ordinary_member_is_deleted_with_the_list_action(admin_client, private_alone):
    member = private_alone["member"]
    post = make_post(private_alone["topic"], member, "Merci !")
    response = admin_client.post(
        USERS,
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [str(member.pk)], "post": "yes"},
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk=member.pk).exists()
    assert Post.objects.get(pk=post.pk).author_id is None
    topic = Topic.objects.get(pk=private_alone["topic"].pk)
    assert topic.reply_count == 1


def test_admin_refuses_to_delete_the_only_animators_membership(admin_client, private_alone):
    membership = Membership.objects.get(user=private_alone["animator"])
    url = f"/admin/communities/membership/{membership.pk}/delete/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "plus personne à l'animation" in page.content.decode().replace("&#x27;", "'")
    assert admin_client.post(url, {"post": "yes"}).status_code == 200
    assert Membership.objects.filter(pk=membership.pk).exists()
    # A plain member's membership may still be deleted by a superuser.
    other = Membership.objects.get(user=private_alone["member"])
    response = admin_client.post(
        f"/admin/communities/membership/{other.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
