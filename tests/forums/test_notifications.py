"""Who is told about what: watchers, mentions, calls for help, accepted answers; in the
notification centre and by e-mail (sent by the background task once the post commits)."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.services import profile_ensure, profile_update
from forums import services
from forums.context_processors import notifications as notifications_processor
from forums.models import Notification
from tests.factories import CommunityFactory, UserFactory, make_member
from tests.forums.factories import calls_forum, general_forum, make_post, make_topic

pytestmark = pytest.mark.django_db


def recipients(**filters) -> set:
    return set(Notification.objects.filter(**filters).values_list("recipient__email", flat=True))


def set_expertise(user, *tags):
    profile = user.profile
    profile_update(
        profile=profile, user_fields={}, profile_fields={}, expertise=list(tags), interests=[]
    )


def test_replies_notify_watchers_but_not_the_replier():
    community = CommunityFactory()
    author, replier, watcher, bystander = (make_member(community) for _ in range(4))
    topic = make_topic(general_forum(community), author)
    services.watch_set(user=watcher, topic=topic, watching=True)
    make_post(topic, replier)
    assert recipients(kind="reply") == {author.email, watcher.email}
    assert bystander.email not in recipients()


def test_new_topics_notify_forum_watchers():
    community = CommunityFactory()
    watcher, author = make_member(community), make_member(community)
    forum = general_forum(community)
    services.watch_set(user=watcher, forum=forum, watching=True)
    make_topic(forum, author)
    assert recipients(kind="new_topic") == {watcher.email}


def test_mentions_notify_people_who_can_read_and_nobody_else():
    private = CommunityFactory(visibility="private")
    author, mentioned = make_member(private), make_member(private)
    outsider = make_member(CommunityFactory())  # exists, but not in the private community
    body = f"Qu'en pensez-vous @{mentioned.profile.handle} et @{outsider.profile.handle} ?"
    make_topic(general_forum(private), author, body=body)
    assert recipients(kind="mention") == {mentioned.email}
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_a_mention_wins_over_a_watch_one_notification_per_person():
    community = CommunityFactory()
    author, mentioned = make_member(community), make_member(community)
    topic = make_topic(general_forum(community), author)
    services.watch_set(user=mentioned, topic=topic, watching=True)
    make_post(topic, author, f"Merci @{mentioned.profile.handle}")
    assert list(
        Notification.objects.filter(recipient=mentioned).values_list("kind", flat=True)
    ) == ["mention"]


def test_editing_notifies_only_newly_mentioned_people():
    community = CommunityFactory()
    author, first, second = (make_member(community) for _ in range(3))
    topic = make_topic(general_forum(community), author, body=f"@{first.profile.handle}")
    post = topic.posts.get()
    services.post_edit(
        post=post, editor=author, body=f"@{first.profile.handle} et @{second.profile.handle}"
    )
    assert Notification.objects.filter(recipient=first).count() == 1
    assert Notification.objects.filter(recipient=second, kind="mention").count() == 1


def test_calls_for_help_reach_matching_experts_who_can_read_it():
    closed = CommunityFactory(visibility="closed")
    author = make_member(closed)
    expert_member = make_member(closed)
    other_expert_member = make_member(closed)
    expert_outsider = make_member(CommunityFactory())  # cannot read the closed community
    non_expert = make_member(closed)
    set_expertise(expert_member, "moodle")
    set_expertise(other_expert_member, "Évaluation")
    set_expertise(expert_outsider, "moodle")
    set_expertise(non_expert, "chimie")
    set_expertise(author, "moodle")
    make_topic(
        calls_forum(closed),
        author,
        title="Appel : quiz Moodle",
        tags=["moodle", "évaluation"],
        is_call_for_help=True,
    )
    assert recipients(kind="call_for_help") == {expert_member.email, other_expert_member.email}


def test_open_community_calls_reach_experts_across_the_institution():
    community = CommunityFactory(visibility="open")
    author = make_member(community)
    elsewhere = make_member(CommunityFactory())
    set_expertise(elsewhere, "vidéo")
    make_topic(calls_forum(community), author, tags=["vidéo"], is_call_for_help=True)
    assert recipients(kind="call_for_help") == {elsewhere.email}


def test_an_ordinary_topic_with_tags_notifies_no_expert():
    community = CommunityFactory()
    expert = make_member(community)
    set_expertise(expert, "moodle")
    make_topic(general_forum(community), make_member(community), tags=["moodle"])
    assert not Notification.objects.filter(recipient=expert).exists()


def test_accepting_an_answer_notifies_its_author():
    community = CommunityFactory()
    author, helper = make_member(community), make_member(community)
    topic = make_topic(general_forum(community), author)
    answer = make_post(topic, helper)
    services.topic_mark_solved(topic=topic, by=author, post=answer)
    assert recipients(kind="accepted") == {helper.email}


def test_new_topics_notify_who_follows_one_of_their_tags_and_may_read_them(client, login):
    community = CommunityFactory()
    author, follower, other = (make_member(community) for _ in range(3))
    outsider_follower = UserFactory()  # open community: may read it without belonging
    private = CommunityFactory(visibility="private")
    private_author = make_member(private)
    for person in (author, follower, outsider_follower, private_author):
        profile_ensure(user=person).interests.add("podcast")
    other.profile.interests.add("vidéo")
    make_topic(general_forum(community), author, title="Balado", tags=["Podcast"])
    make_topic(general_forum(private), private_author, title="Secret", tags=["podcast"])
    # Everyone following "podcast" may read the open community's topic, but its author;
    # the private topic's only reader following it is its author.
    assert recipients(kind="followed_tag") == {
        follower.email,
        outsider_follower.email,
        private_author.email,
    }
    assert recipients(kind="followed_tag", topic__title="Secret") == set()
    login(follower)
    page = client.get(reverse("forums:notifications")).content.decode()
    assert "sur une étiquette que vous suivez" in page


def test_e_mail_is_sent_after_commit_by_the_task(django_capture_on_commit_callbacks):
    community = CommunityFactory()
    author, watcher = make_member(community), make_member(community)
    topic = make_topic(general_forum(community), author, title="Question <urgente>")
    services.watch_set(user=watcher, topic=topic, watching=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        make_post(topic, watcher, "Voici **ma** réponse & mes idées")
    assert [message.to for message in mail.outbox] == [[author.email]]
    message = mail.outbox[0]
    assert "Question <urgente>" in message.subject  # plain text, not HTML-escaped
    assert "ma** réponse & mes idées" in message.body
    assert "English version" in message.body
    assert f"/posts/{topic.posts.get(position=2).pk}/" in message.body
    assert Notification.objects.get(recipient=author).emailed_at is not None


@pytest.mark.parametrize(
    ("choice", "emailed_kinds"),
    [
        ("all", {"reply", "mention"}),
        ("direct", {"mention"}),
        ("none", set()),
    ],
)
def test_e_mail_follows_the_recipients_choice_and_the_centre_keeps_everything(
    choice, emailed_kinds, django_capture_on_commit_callbacks
):
    community = CommunityFactory()
    author, replier = make_member(community), make_member(community)
    author.profile.notification_email = choice
    author.profile.save()
    topic = make_topic(general_forum(community), author)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        make_post(topic, replier, "Une réponse.")
        make_post(topic, replier, f"Une question pour @{author.profile.handle} ?")
    emailed = set(
        Notification.objects.filter(recipient=author, emailed_at__isnull=False).values_list(
            "kind", flat=True
        )
    )
    assert emailed == emailed_kinds
    assert len(mail.outbox) == len(emailed_kinds)
    assert Notification.objects.filter(recipient=author).count() == 2
    for message in mail.outbox:
        assert "/profile/edit/#notifications" in message.body


def test_no_e_mail_when_the_recipient_lost_access_before_sending(
    django_capture_on_commit_callbacks,
):
    from communities.models import Membership
    from forums.tasks import send_notification_emails

    private = CommunityFactory(visibility="private")
    author, watcher = make_member(private), make_member(private)
    topic = make_topic(general_forum(private), author)
    services.watch_set(user=watcher, topic=topic, watching=True)
    post = make_post(topic, author, notify=False)
    notification = Notification.objects.create(
        recipient=watcher, kind="reply", actor=author, topic=topic, post=post
    )
    Membership.objects.filter(user=watcher).update(status="left")
    mail.outbox.clear()
    send_notification_emails.call([notification.pk])
    assert mail.outbox == []


def test_notification_centre_lists_marks_read_and_hides_lost_communities(client, login):
    private = CommunityFactory(visibility="private")
    author, member = make_member(private), make_member(private)
    topic = make_topic(general_forum(private), author, title="Sujet privé")
    services.watch_set(user=member, topic=topic, watching=True)
    make_post(topic, author)
    make_post(topic, author, "Deuxième")
    login(member)
    page = client.get(reverse("forums:notifications"))
    assert page.status_code == 200 and "Sujet privé" in page.content.decode()
    first = Notification.objects.filter(recipient=member).order_by("pk").first()
    response = client.post(reverse("forums:notification_open", args=[first.pk]), {"open": "1"})
    assert response.status_code == 302 and f"#post-{first.post_id}" in response["Location"]
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("forums:notifications_read_all"))
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    # Someone else's notification: 404.
    other = make_member(private)
    login(other)
    assert client.post(reverse("forums:notification_open", args=[first.pk])).status_code == 404
    # After leaving the private community, its titles vanish from the centre.
    from communities.models import Membership

    Membership.objects.filter(user=member).update(status="left")
    login(member)
    assert "Sujet privé" not in client.get(reverse("forums:notifications")).content.decode()


def test_visiting_the_topic_marks_its_notifications_read(client, login):
    community = CommunityFactory()
    author, watcher = make_member(community), make_member(community)
    topic = make_topic(general_forum(community), author)
    make_post(topic, watcher)
    login(author)
    client.get(topic.get_absolute_url())
    assert Notification.objects.get(recipient=author).read_at is not None


def test_header_count_is_stored_with_the_person_and_skips_anonymous(rf):
    community = CommunityFactory(visibility="closed")
    author, member = make_member(community), make_member(community)
    topic = make_topic(general_forum(community), author)
    services.watch_set(user=member, topic=topic, watching=True)
    make_post(topic, author)
    make_post(topic, author)
    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert notifications_processor(request) == {}
    request.user = type(member).objects.get(pk=member.pk)
    context = notifications_processor(request)
    with CaptureQueriesContext(connection) as queries:
        assert int(str(context["unread_notification_count"])) == 2
    # Counted once (row lock, count, stored: forums.unread), then read with the person.
    assert len([q for q in queries if "SAVEPOINT" not in q["sql"]]) == 3
    request.user = type(member).objects.get(pk=member.pk)
    with CaptureQueriesContext(connection) as queries:
        assert str(notifications_processor(request)["unread_notification_count"]) == "2"
    assert len(queries) == 0
    # Once the member leaves the closed community, the count drops.
    from communities.models import Membership
    from communities.services import membership_leave

    membership_leave(membership=Membership.objects.get(user=member, community=community))
    request.user = type(member).objects.get(pk=member.pk)
    assert str(notifications_processor(request)["unread_notification_count"]) == "0"


def test_header_shows_the_unread_count(client, login):
    community = CommunityFactory()
    author, member = make_member(community), make_member(community)
    topic = make_topic(general_forum(community), author)
    services.watch_set(user=member, topic=topic, watching=True)
    make_post(topic, author)
    login(member)
    body = client.get(reverse("forums:index")).content.decode()
    assert 'class="notification-bell__count">1' in body
    login(UserFactory())
    assert "notification-bell__count" not in client.get(reverse("forums:index")).content.decode()
