"""Every view that sends someone back to `next=` goes through `safe_next_url`: a value
that is not a path on this site (a view-like word, a foreign host, a scheme, control
characters) falls back to the view's own page, never a 500 nor a foreign redirect."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from cdp_portal.core.redirects import safe_next_url
from communities.models import Membership
from forums.models import Notification
from tests.factories import TEST_PASSWORD
from tests.forums.factories import general_forum, make_post, make_topic
from tests.resources.factories import ResourceFactory

HOSTILE = [
    "NaN",
    "été",
    "javascript:alert(1)",
    "//evil.example/",
    "\\\\evil.example",
    "/\\evil.example",
    "http://evil.example/",
    "/a\r\nLocation: http://evil.example",
    "/a\nb",
    "/tab\there",
    "/ligne\u2028neuve",
    " ",
    "x" * 3000,
]


def _assert_safe(response):
    assert response.status_code < 500
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        assert "evil" not in location and location != "NaN"
        assert location.startswith("/") or location.startswith("http://testserver/")
        assert not location.startswith("//") and "\\" not in location


@pytest.mark.parametrize("candidate", HOSTILE)
def test_helper_falls_back_for_anything_not_a_path_here(candidate):
    request = RequestFactory().get("/")
    assert safe_next_url(request, candidate, "/repli/") == "/repli/"


@pytest.mark.parametrize("candidate", ["/forums/", "/été/?q=1#x", "http://testserver/resources/"])
def test_helper_keeps_paths_and_urls_of_this_host(candidate):
    request = RequestFactory().get("/")
    assert safe_next_url(request, candidate, "/repli/") == candidate


@pytest.mark.parametrize("candidate", HOSTILE)
def test_admin_login(client, db, candidate):
    response = client.get(reverse("admin:login"), {"next": candidate})
    _assert_safe(response)


@pytest.mark.parametrize("candidate", HOSTILE)
def test_language_switcher(client, db, candidate):
    response = client.post(reverse("set_language"), {"language": "en", "next": candidate})
    _assert_safe(response)
    response = client.get(reverse("set_language"), {"next": candidate})
    _assert_safe(response)


@pytest.mark.parametrize("candidate", HOSTILE)
def test_allauth_login(client, user, candidate):
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": TEST_PASSWORD, "next": candidate},
    )
    _assert_safe(response)


@pytest.mark.parametrize("candidate", HOSTILE)
def test_resource_feature_and_moderate(client, community_world, candidate):
    w = community_world
    resource = ResourceFactory(community=w.open, author=w.open_member)
    client.force_login(w.admin)
    for name in ("feature", "moderate", "bookmark"):
        response = client.post(
            reverse(f"resources:{name}", args=[resource.pk]), {"on": "1", "next": candidate}
        )
        _assert_safe(response)


@pytest.mark.parametrize("candidate", HOSTILE)
def test_forum_moderation_and_notifications(client, community_world, candidate):
    w = community_world
    topic = make_topic(general_forum(w.open), w.open_member)
    post = make_post(topic, w.open_member, notify=False)
    client.force_login(w.open_animator)
    _assert_safe(
        client.post(
            reverse("forums:post_hide", args=[post.pk]), {"reason": "Hors sujet", "next": candidate}
        )
    )
    _assert_safe(client.post(reverse("forums:post_unhide", args=[post.pk]), {"next": candidate}))
    notification = Notification.objects.create(
        recipient=w.open_animator, kind="reply", actor=w.open_member, topic=topic, post=post
    )
    _assert_safe(
        client.post(
            reverse("forums:notification_open", args=[notification.pk]), {"next": candidate}
        )
    )


@pytest.mark.parametrize("candidate", HOSTILE)
def test_member_roles(client, community_world, candidate):
    w = community_world
    membership = Membership.objects.get(user=w.open_member, community=w.open)
    client.force_login(w.open_animator)
    url = reverse("communities:roles", kwargs={"slug": w.open.slug, "membership_id": membership.pk})
    _assert_safe(client.post(url, {"roles": ["member"], "next": candidate}))
