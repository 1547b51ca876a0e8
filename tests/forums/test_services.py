"""Forums, topics and posts written through the services: counters, history, rules."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from communities.models import Community
from forums import services
from forums.models import Forum, ModerationLog, Post, Topic, TopicReadState, Watch
from tests.factories import CommunityFactory, UserFactory, make_member
from tests.forums.factories import calls_forum, general_forum, make_post, make_topic

pytestmark = pytest.mark.django_db


def test_a_new_community_gets_general_and_calls_forums():
    community = CommunityFactory()
    assert list(Forum.objects.filter(community=community).values_list("slug", "name")) == [
        ("general", "Général"),
        ("appels-a-tous", "Appels à tous"),
    ]
    # Saving it again creates nothing more.
    community.save()
    assert Forum.objects.filter(community=community).count() == 2


def test_forums_ensure_defaults_is_idempotent_and_fills_gaps():
    community = CommunityFactory()
    Forum.objects.filter(community=community, slug="appels-a-tous").delete()
    services.forums_ensure_defaults(community=community)
    services.forums_ensure_defaults(community=community)
    assert Forum.objects.filter(community=community).count() == 2


def test_reserved_forum_slugs_are_suffixed():
    forum, created = services.forum_ensure(community=CommunityFactory(), name="Flags")
    assert created and forum.slug == "flags-forum"


def test_topic_create_writes_opening_post_counters_and_watch():
    community = CommunityFactory()
    author = make_member(community)
    forum = general_forum(community)
    topic = make_topic(forum, author, tags=["Moodle", "évaluation"])
    topic.refresh_from_db()
    forum.refresh_from_db()
    post = topic.posts.get()
    assert (post.position, topic.post_count, topic.reply_count) == (1, 1, 0)
    assert topic.last_post == post and topic.last_activity_at == post.created_at
    assert sorted(topic.tags.names()) == ["moodle", "évaluation"]
    assert forum.topic_count == 1 and forum.last_activity_at == topic.created_at
    assert Watch.objects.filter(user=author, topic=topic).exists()


def test_replies_number_posts_and_move_counters():
    community = CommunityFactory()
    author, other = make_member(community), make_member(community)
    topic = make_topic(general_forum(community), author)
    own = make_post(topic, author, "Précision de l'auteur")
    topic.refresh_from_db()
    assert topic.first_answer_at is None  # the author's own reply is not an answer
    answer = make_post(topic, other)
    topic.refresh_from_db()
    assert [own.position, answer.position] == [2, 3]
    assert (topic.post_count, topic.reply_count) == (3, 2)
    assert topic.last_post == answer and topic.last_activity_at == answer.created_at
    assert topic.first_answer_at == answer.created_at
    make_post(topic, author, "Merci !")
    topic.refresh_from_db()
    assert topic.first_answer_at == answer.created_at  # set once


def test_markdown_is_rendered_and_sanitised_on_write_and_edit():
    community = CommunityFactory()
    author = make_member(community)
    topic = make_topic(
        general_forum(community),
        author,
        body=(
            "**gras** <script>alert(1)</script> [x](javascript:alert(2)) "
            "<img src=x onerror=alert(3)>"
        ),
    )
    post = topic.posts.get()
    assert "<strong>gras</strong>" in post.body_html
    # Whatever is left is text, not markup: no element, attribute or link scheme survives.
    for dangerous in ("<script", 'href="javascript', "<img"):
        assert dangerous not in post.body_html
    assert "&lt;img src=x onerror=alert(3)&gt;" in post.body_html
    services.post_edit(post=post, editor=author, body="Nouveau *texte* <b onclick=x()>b</b>")
    post.refresh_from_db()
    assert "<em>texte</em>" in post.body_html and "<b " not in post.body_html
    assert post.edited_at is not None
    revision = post.revisions.get()
    assert revision.body.startswith("**gras**") and revision.editor == author


def test_only_the_author_edits_a_post():
    community = CommunityFactory()
    author, other = make_member(community), make_member(community)
    post = make_topic(general_forum(community), author).posts.get()
    with pytest.raises(PermissionDenied):
        services.post_edit(post=post, editor=other, body="Pirate")


def test_non_members_cannot_post_and_locked_topics_only_take_animators():
    community = CommunityFactory(visibility="open")
    member = make_member(community)
    animator = make_member(community, roles=("animator",))
    outsider = UserFactory()
    forum = general_forum(community)
    with pytest.raises(PermissionDenied):
        make_topic(forum, outsider)
    topic = make_topic(forum, member)
    with pytest.raises(PermissionDenied):
        make_post(topic, outsider)
    services.topic_set_locked(topic=topic, by=animator, locked=True)
    with pytest.raises(PermissionDenied):
        make_post(topic, member)
    make_post(topic, animator, "Je verrouille : voici le résumé.")
    topic.refresh_from_db()
    assert topic.reply_count == 1


def test_empty_bodies_and_titles_are_refused():
    community = CommunityFactory()
    member = make_member(community)
    with pytest.raises(ValidationError):
        make_topic(general_forum(community), member, title="   ")
    topic = make_topic(general_forum(community), member)
    with pytest.raises(ValidationError):
        make_post(topic, member, "   ")


def test_hide_and_unhide_keep_counters_consistent_and_are_logged():
    community = CommunityFactory()
    author, other = make_member(community), make_member(community)
    animator = make_member(community, roles=("animator",))
    forum = general_forum(community)
    topic = make_topic(forum, author)
    first = make_post(topic, other, "Première")
    last = make_post(topic, other, "Dernière")
    with pytest.raises(ValidationError):
        services.post_set_hidden(post=last, by=animator, hidden=True, reason="")
    with pytest.raises(PermissionDenied):
        services.post_set_hidden(post=last, by=author, hidden=True, reason="Non")
    services.post_set_hidden(post=last, by=animator, hidden=True, reason="Hors sujet")
    topic.refresh_from_db()
    last.refresh_from_db()
    assert last.is_hidden and last.hidden_by == animator and last.hidden_reason == "Hors sujet"
    assert topic.reply_count == 1
    assert topic.last_post == first and topic.last_activity_at == first.created_at
    assert Post.objects.filter(pk=last.pk).exists()  # nothing deleted
    services.post_set_hidden(post=last, by=animator, hidden=False)
    topic.refresh_from_db()
    assert topic.reply_count == 2 and topic.last_post == last
    assert list(
        ModerationLog.objects.filter(post=last).order_by("pk").values_list("action", "reason")
    ) == [("hide", "Hors sujet"), ("unhide", "")]


def test_move_updates_both_forums_and_stays_in_the_community():
    community = CommunityFactory()
    member = make_member(community)
    animator = make_member(community, roles=("animator",))
    general, calls = general_forum(community), calls_forum(community)
    topic = make_topic(general, member)
    make_topic(general, member, title="Autre")
    services.topic_move(topic=topic, by=animator, forum=calls, reason="C'est un appel")
    general.refresh_from_db()
    calls.refresh_from_db()
    assert (general.topic_count, calls.topic_count) == (1, 1)
    assert Topic.objects.get(pk=topic.pk).forum == calls
    log = ModerationLog.objects.get(action="move")
    assert log.details["from"] == "Général" and log.details["to"] == "Appels à tous"
    with pytest.raises(ValidationError):
        services.topic_move(topic=topic, by=animator, forum=general_forum(CommunityFactory()))


def test_lock_and_pin_are_logged_only_when_they_change():
    community = CommunityFactory()
    animator = make_member(community, roles=("animator",))
    topic = make_topic(general_forum(community), make_member(community))
    services.topic_set_pinned(topic=topic, by=animator, pinned=True, reason="Important")
    services.topic_set_pinned(topic=topic, by=animator, pinned=True)
    services.topic_set_locked(topic=topic, by=animator, locked=True)
    assert list(ModerationLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "pin",
        "lock",
    ]


def test_accepting_an_answer_solves_the_topic():
    community = CommunityFactory()
    author, other, stranger = (make_member(community) for _ in range(3))
    topic = make_topic(general_forum(community), author)
    answer = make_post(topic, other)
    with pytest.raises(PermissionDenied):
        services.topic_mark_solved(topic=topic, by=stranger, post=answer)
    with pytest.raises(ValidationError):
        services.topic_mark_solved(topic=topic, by=author, post=topic.posts.get(position=1))
    services.topic_mark_solved(topic=topic, by=author, post=answer)
    topic.refresh_from_db()
    assert topic.solved_at is not None and topic.accepted_post == answer
    services.topic_reopen(topic=topic, by=author)
    topic.refresh_from_db()
    assert topic.solved_at is None and topic.accepted_post is None


def test_flags_one_open_per_person_and_resolution_is_logged():
    community = CommunityFactory()
    author, reporter = make_member(community), make_member(community)
    animator = make_member(community, roles=("animator",))
    post = make_topic(general_forum(community), author).posts.get()
    with pytest.raises(PermissionDenied):
        services.flag_create(post=post, reporter=author, reason="Moi-même")
    flag = services.flag_create(post=post, reporter=reporter, reason="Propos blessants")
    with pytest.raises(ValidationError):
        services.flag_create(post=post, reporter=reporter, reason="Encore")
    with pytest.raises(PermissionDenied):
        services.flag_resolve(flag=flag, by=reporter)
    services.flag_resolve(flag=flag, by=animator, dismiss=True, note="Rien de grave")
    flag.refresh_from_db()
    assert flag.status == "dismissed" and flag.resolved_by == animator
    assert ModerationLog.objects.get(flag=flag).action == "dismiss_flag"


def test_read_state_never_moves_backwards_and_costs_one_query():
    community = CommunityFactory()
    member = make_member(community)
    topic = make_topic(general_forum(community), member)
    with CaptureQueriesContext(connection) as queries:
        services.topic_mark_read(user=member, topic=topic, position=5)
    assert len(queries) == 1
    services.topic_mark_read(user=member, topic=topic, position=2)
    assert TopicReadState.objects.get(user=member, topic=topic).last_read_position == 5


def test_mentions_are_parsed_without_e_mail_addresses():
    assert services.mentioned_handles("Merci @Marie-Tremblay et @jean_roy, écrivez à a@b.org") == [
        "marie-tremblay",
        "jean_roy",
    ]


def test_mentions_of_existing_profiles_link_to_them_outside_code_and_links():
    community = CommunityFactory()
    author, marie = make_member(community), make_member(community)
    handle = marie.profile.handle
    body = (
        f"Merci @{handle.upper()} ! Et @personne-inconnue, `@{handle}` en code, "
        f"[@{handle}](https://example.org) en lien."
    )
    post = make_post(make_topic(general_forum(community), author), author, body)
    profile_link = f'<a href="{marie.profile.get_absolute_url()}" class="mention"'
    assert post.body_html.count(profile_link) == 1
    assert f'{profile_link} rel="noopener noreferrer nofollow">@{handle.upper()}</a>' in (
        post.body_html
    )
    assert "@personne-inconnue" in post.body_html
    assert f"<code>@{handle}</code>" in post.body_html

    # An edit renders the mentions again.
    services.post_edit(post=post, editor=author, body="Plus personne ici.")
    post.refresh_from_db()
    assert "mention" not in post.body_html


def test_markdown_keeps_no_class_but_the_mention_links():
    from cdp_portal.core.markdown import render_markdown

    html = render_markdown("[x](https://example.org)\n\n@marie", mentions={"marie": "/m/"})
    assert html.count('class="mention"') == 1


def test_deleting_an_empty_community_cascades_to_its_forums():
    community = CommunityFactory()
    general_forum(community)
    Community.objects.filter(pk=community.pk).delete()
    assert not Forum.objects.filter(community_id=community.pk).exists()


def test_the_database_refuses_to_delete_a_community_whose_forums_hold_topics():
    community = CommunityFactory()
    make_topic(general_forum(community), make_member(community))
    with pytest.raises(ProtectedError), transaction.atomic():
        Community.objects.filter(pk=community.pk).delete()
    assert Forum.objects.filter(community_id=community.pk).exists()
