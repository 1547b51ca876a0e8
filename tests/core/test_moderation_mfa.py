"""With PORTAL_STAFF_MFA_REQUIRED, staff moderate on the site only with a second factor,
as in /admin/: every moderation view goes through `moderation_action`."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from communities.models import Community, Membership
from forums.models import Post, Topic
from readiness.models import ReadinessDecision
from resources.models import Resource
from tests.forums.factories import general_forum, make_post, make_topic
from tests.resources.factories import make_resource
from tests.shared_worlds import shared_world

pytestmark = pytest.mark.django_db

SETUP = reverse("mfa_activate_totp")


@pytest.fixture(autouse=True)
def mfa_required(settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = True


@shared_world
def scene(community_world):
    community = community_world.open
    animator = community_world.open_animator
    assert animator.is_staff  # the animator role brings admin access, hence the rule
    member = community_world.open_member
    topic = make_topic(general_forum(community), member, notify=False)
    post = make_post(topic, member, notify=False)
    resource = make_resource(author=member, community=community, title="Guide")
    return {
        "community": community,
        "animator": animator,
        "member": member,
        "topic": topic,
        "post": post,
        "resource": resource,
    }


def second_factor(user) -> None:
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})


def hide(client, post):
    return client.post(
        reverse("forums:post_hide", kwargs={"pk": post.pk}), {"reason": "Hors sujet"}
    )


def test_hiding_a_post_without_a_second_factor_sends_to_its_set_up(client, scene):
    client.force_login(scene["animator"])
    response = hide(client, scene["post"])
    assert response.status_code == 302 and response["Location"] == SETUP
    assert not Post.objects.get(pk=scene["post"].pk).is_hidden
    followed = client.get(SETUP, follow=True)
    assert "double authentification" in followed.content.decode()


def test_hiding_a_post_with_an_authenticator_app_works(client, scene):
    second_factor(scene["animator"])
    client.force_login(scene["animator"])
    response = hide(client, scene["post"])
    assert response.status_code == 302 and response["Location"] != SETUP
    assert Post.objects.get(pk=scene["post"].pk).is_hidden


def test_htmx_requests_are_sent_to_the_set_up_page_as_a_whole(client, scene):
    client.force_login(scene["animator"])
    response = client.post(
        reverse("forums:post_hide", kwargs={"pk": scene["post"].pk}),
        {"reason": "Hors sujet"},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Redirect"] == SETUP
    assert not Post.objects.get(pk=scene["post"].pk).is_hidden


def moderation_requests(scene):
    """(method, url, data) of every moderation action, and what must not have changed."""
    community = scene["community"]
    slug = community.slug
    topic, post, resource = scene["topic"], scene["post"], scene["resource"]
    member_ship = Membership.objects.get(user=scene["member"], community=community)
    return [
        ("post", reverse("forums:post_hide", kwargs={"pk": post.pk}), {"reason": "x"}),
        ("get", reverse("forums:post_hide", kwargs={"pk": post.pk}), None),
        ("post", reverse("forums:post_unhide", kwargs={"pk": post.pk}), {}),
        ("post", reverse("forums:moderate", kwargs={"pk": topic.pk}), {"action": "lock"}),
        ("post", reverse("forums:moderate", kwargs={"pk": topic.pk}), {"action": "pin"}),
        ("get", reverse("forums:move", kwargs={"pk": topic.pk}), None),
        ("get", reverse("forums:flags", kwargs={"community_slug": slug}), None),
        (
            "post",
            reverse("forums:flag_resolve", kwargs={"community_slug": slug, "pk": 1}),
            {},
        ),
        ("get", reverse("forums:log", kwargs={"community_slug": slug}), None),
        ("post", reverse("resources:moderate", kwargs={"pk": resource.pk}), {"action": "hide"}),
        ("post", reverse("resources:feature", kwargs={"pk": resource.pk}), {}),
        ("get", reverse("resources:flags"), None),
        ("post", reverse("resources:flag_resolve", kwargs={"pk": 1}), {}),
        ("get", reverse("communities:requests", kwargs={"slug": slug}), None),
        ("get", reverse("communities:invite", kwargs={"slug": slug}), None),
        (
            "post",
            reverse("communities:invite", kwargs={"slug": slug}),
            {"email": "x@example.org", "roles": ["member"]},
        ),
        (
            "post",
            reverse("communities:invitation_cancel", kwargs={"slug": slug, "membership_id": 1}),
            {},
        ),
        (
            "post",
            reverse("communities:roles", kwargs={"slug": slug, "membership_id": member_ship.pk}),
            {"roles": ["member", "coach"]},
        ),
        ("post", reverse("readiness:start", kwargs={"slug": slug}), {}),
        (
            "post",
            reverse("readiness:decision", kwargs={"slug": slug}),
            {"outcome": "go", "rationale": "Prêts."},
        ),
    ]


@pytest.mark.parametrize("kind", ["animator", "admin"])
def test_every_moderation_action_asks_for_the_second_factor(client, community_world, scene, kind):
    Community.objects.filter(pk=scene["community"].pk).update(phase="deciding")
    person = scene["animator"] if kind == "animator" else community_world.admin
    client.force_login(person)
    for method, url, data in moderation_requests(scene):
        response = getattr(client, method)(url, data) if data is not None else client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == SETUP, url
    assert not Post.objects.filter(is_hidden=True).exists()
    assert not Topic.objects.filter(is_locked=True).exists()
    assert not Resource.objects.filter(is_hidden=True).exists()
    assert Membership.objects.get(user=scene["member"]).roles == ["member"]
    assert not Membership.objects.filter(user__email="x@example.org").exists()
    assert not ReadinessDecision.objects.exists()


def test_members_moderating_nothing_are_not_concerned(client, scene):
    client.force_login(scene["member"])
    # Not staff: the view's own permission check answers, not the two-factor rule.
    assert hide(client, scene["post"]).status_code in (403, 404)
    assert client.get(reverse("resources:list")).status_code == 200


def test_the_rule_is_off_by_default_when_debugging(client, scene, settings):
    settings.PORTAL_STAFF_MFA_REQUIRED = False
    client.force_login(scene["animator"])
    hide(client, scene["post"])
    assert Post.objects.get(pk=scene["post"].pk).is_hidden


def test_editing_a_readiness_item_asks_for_it_but_reading_a_row_does_not(client, scene):
    from readiness import services as readiness

    community = scene["community"]
    Community.objects.filter(pk=community.pk).update(phase="deciding")
    community.refresh_from_db()
    item = readiness.checklist_ensure(community=community).items.filter(template_item__rule="")[0]
    url = reverse("readiness:item", kwargs={"slug": community.slug, "item_id": item.pk})
    client.force_login(scene["animator"])
    assert client.get(url, {"view": "row"}).status_code == 200
    assert client.get(url)["Location"] == SETUP
    response = client.post(url, {"status": "done"})
    assert response["Location"] == SETUP
    item.refresh_from_db()
    assert item.status != "done"
