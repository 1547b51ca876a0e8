"""The header's unread count, stored with the person (forums.unread): always what the one
rule (`NotificationQuerySet.unread_count_for`) counts, whatever changed it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cdp_portal.accounts.models import User
from communities.member_import import MemberRow, import_members
from communities.models import ADMINISTRATORS_GROUP, Membership, Visibility
from communities.services import membership_leave
from forums import services
from forums.models import Notification
from forums.unread import header_unread_count
from tests.factories import make_member
from tests.forums.factories import make_post, make_topic

pytestmark = pytest.mark.django_db


def shown_count(user: User) -> int:
    """What the header shows on the person's next page (counted again if forgotten)."""
    return header_unread_count(User.objects.get(pk=user.pk))


def exact_count(user: User) -> int:
    return Notification.objects.unread_count_for(User.objects.get(pk=user.pk))


def assert_exact(user: User, expected: int) -> None:
    assert exact_count(user) == expected
    assert shown_count(user) == expected


def notify_in(topic, reader: User, times: int = 1) -> None:
    """`reader` watches `topic` and is told of `times` new replies."""
    services.watch_set(user=reader, topic=topic, watching=True)
    for number in range(times):
        make_post(topic, make_member(topic.forum.community), f"Réponse {number}")


def fresh_member(community) -> User:
    """Someone with no notification yet (the world's members have some)."""
    return make_member(community)


def left_after_notified(world) -> User:
    """A member of the private community, told of a reply there, who then left it: the
    notification stays, unread and no longer counted."""
    reader = fresh_member(world.private)
    notify_in(world.private_topic, reader)
    assert_exact(reader, 1)
    membership_leave(membership=Membership.objects.get(user=reader, community=world.private))
    assert_exact(reader, 0)
    return reader


def test_a_new_notification_shows_in_the_count(forum_world):
    reader = fresh_member(forum_world.open)
    assert_exact(reader, 0)
    notify_in(forum_world.open_topic, reader, times=2)
    assert_exact(reader, 2)


def test_the_stored_count_is_read_without_a_query(
    client, login, forum_world, django_assert_num_queries
):
    reader = fresh_member(forum_world.open)
    notify_in(forum_world.closed_topic, make_member(forum_world.closed, user=reader))
    login(reader)
    assert User.objects.get(pk=reader.pk).unread_notification_count == 1  # counted at sign-in
    with django_assert_num_queries(2):  # session, user: nothing else for the header
        response = client.get("/page-absente/")
    assert b"notification-bell__count" in response.content


def test_leaving_a_private_community_takes_its_notifications_out_of_the_count(forum_world):
    left_after_notified(forum_world)


def test_a_community_made_private_takes_its_notifications_out_of_an_outsiders_count(
    forum_world,
):
    reader = forum_world.outsider
    notify_in(forum_world.open_topic, reader)
    assert_exact(reader, 1)
    community = forum_world.open
    community.visibility = Visibility.PRIVATE
    community.save()
    assert_exact(reader, 0)


def test_a_hidden_topic_leaves_the_count_of_its_readers_but_not_of_its_animators(forum_world):
    world = forum_world
    topic = make_topic(world.open_forum, world.open_member, title="Bientôt masqué")
    reader, animator = fresh_member(world.open), world.open_animator
    notify_in(topic, reader)
    services.watch_set(user=animator, topic=topic, watching=True)
    make_post(topic, make_member(world.open), "Une autre")
    assert_exact(reader, 2)
    before = exact_count(animator)
    services.post_set_hidden(post=topic.posts.get(position=1), by=animator, hidden=True, reason="x")
    assert_exact(reader, 0)
    assert_exact(animator, before)


def test_joining_the_administrators_group_counts_every_community(forum_world):
    reader = left_after_notified(forum_world)
    Group.objects.get_or_create(name=ADMINISTRATORS_GROUP)[0].user_set.add(reader)
    assert_exact(reader, 1)


def test_an_import_that_adds_memberships_counts_again(forum_world):
    reader = left_after_notified(forum_world)
    rows = [MemberRow(line=2, email=reader.email)]
    import_members(rows=rows, community=forum_world.private)
    assert_exact(reader, 1)


def test_reading_a_topic_lowers_the_count_by_its_notifications(client, login, forum_world):
    reader = fresh_member(forum_world.open)
    notify_in(forum_world.open_topic, reader, times=2)
    notify_in(forum_world.closed_topic, make_member(forum_world.closed, user=reader))
    login(reader)
    client.get(forum_world.open_topic.get_absolute_url())
    assert User.objects.get(pk=reader.pk).unread_notification_count == 1
    assert_exact(reader, 1)


def test_marking_everything_read_stores_zero(client, login, forum_world):
    reader = fresh_member(forum_world.open)
    notify_in(forum_world.open_topic, reader, times=3)
    login(reader)
    client.post(reverse("forums:notifications_read_all"))
    assert User.objects.get(pk=reader.pk).unread_notification_count == 0
    assert_exact(reader, 0)


def test_the_notification_centre_and_signing_in_put_a_wrong_count_right(client, login, forum_world):
    reader = fresh_member(forum_world.open)
    notify_in(forum_world.open_topic, reader)
    User.objects.filter(pk=reader.pk).update(unread_notification_count=7)  # a missed change
    login(reader)
    assert User.objects.get(pk=reader.pk).unread_notification_count == 1
    User.objects.filter(pk=reader.pk).update(unread_notification_count=7)
    client.get(reverse("forums:notifications"))
    assert User.objects.get(pk=reader.pk).unread_notification_count == 1
