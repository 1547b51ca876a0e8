"""Posts and topic rows come from the fragment cache (cdp_portal.core.fragments) under a
key made of what they show: a cached page is always the page rendered afresh, whoever
reads it and whatever changed since it was stored."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import override_settings
from django.urls import reverse

from cdp_portal.core.fragments import SUBMISSION_TOKEN_PLACEHOLDER
from forums import services
from forums.models import Post
from tests.factories import make_member
from tests.forums.factories import make_post, make_topic

pytestmark = pytest.mark.django_db

# Different on every render by design: the masked CSRF token and the reply form's
# one-time submission token.
PER_RENDER = re.compile(rb'(name="(?:csrfmiddlewaretoken|submission_token)" value=")[^"]*"')
# "il y a 2 secondes": a relative date reads differently a second later, cached or not.
RELATIVE_DATE = re.compile(rb'(<time datetime="[^"]*">)(?:il y a|maintenant)[^<]*(</time>)')


def page(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    return RELATIVE_DATE.sub(rb"\1\2", PER_RENDER.sub(rb'\1"', response.content))


def assert_cached_is_fresh(client, url: str) -> None:
    cached = page(client, url)
    with override_settings(FRAGMENT_CACHE=False):
        fresh = page(client, url)
    assert cached == fresh


@pytest.fixture
def busy_topic(forum_world):
    """The open topic with replies by several people, one hidden, one accepted."""
    world = forum_world
    topic = make_topic(
        world.open_forum, world.open_member, title="Appel", tags=["moodle"], is_call_for_help=True
    )
    answers = [make_post(topic, make_member(world.open), f"Réponse {n}") for n in range(3)]
    services.post_set_hidden(post=answers[0], by=world.open_animator, hidden=True, reason="Hors")
    services.topic_mark_solved(topic=topic, by=world.open_member, post=answers[1])
    return topic


@pytest.mark.parametrize("visitor", ["open_member", "open_animator", "outsider", "admin"])
def test_every_reader_gets_the_page_rendered_afresh(
    client, login, forum_world, busy_topic, visitor
):
    login(forum_world.visitor(visitor))
    for url in (busy_topic.get_absolute_url(), forum_world.open_forum.get_absolute_url()):
        page(client, url)  # stored
        assert_cached_is_fresh(client, url)


def edit_body(world, topic):
    post = topic.posts.get(position=2)
    services.post_edit(post=post, editor=post.author, body="Texte corrigé")


def rename_author(world, topic):
    author = topic.posts.get(position=2).author
    author.display_name = "Nouveau Nom"
    author.save()


def hide_reply(world, topic):
    services.post_set_hidden(
        post=topic.posts.get(position=3), by=world.open_animator, hidden=True, reason="Doublon"
    )


def change_profile_handle(world, topic):
    profile = topic.posts.get(position=2).author.profile
    profile.handle = "nouvelle-adresse"
    profile.save()


def delete_author_account(world, topic):
    topic.posts.get(position=3).author.delete()


def update_bypassing_the_services(world, topic):
    # As the admin or a repair script would: no service, no signal, one UPDATE.
    Post.objects.filter(topic=topic, position=3).update(body_html="<p>Réparé en masse</p>")


def rename_tag(world, topic):
    # An administrator renames the tag in the admin: no forum service is involved.
    tag = topic.tags.get()
    tag.name = "Moodle 5"
    tag.save()


def rename_forum_and_community(world, topic):
    topic.forum.name = "Forum renommé"
    topic.forum.save()
    topic.forum.community.name = "Communauté renommée"
    topic.forum.community.save()


def stop_watching(world, topic):
    # The member opened the topic: they watch it; the page's button says so.
    services.watch_set(user=world.open_member, topic=topic, watching=False)


def reply(world, topic):
    make_post(topic, world.open_animator, "Une réponse de plus")


def pin_and_lock(world, topic):
    services.topic_set_pinned(topic=topic, by=world.open_animator, pinned=True)
    services.topic_set_locked(topic=topic, by=world.open_animator, locked=True)


def retag(world, topic):
    services.topic_update_tags(topic=topic, by=world.open_animator, tags=["evaluation"])


@pytest.mark.parametrize(
    "change",
    [
        edit_body,
        rename_author,
        change_profile_handle,
        delete_author_account,
        update_bypassing_the_services,
        hide_reply,
        reply,
        pin_and_lock,
        retag,
        rename_tag,
        rename_forum_and_community,
        stop_watching,
    ],
)
def test_a_change_shows_at_once(client, login, forum_world, busy_topic, change: Callable):
    login(forum_world.open_member)
    urls = (busy_topic.get_absolute_url(), forum_world.open_forum.get_absolute_url())
    before = [page(client, url) for url in urls]
    change(forum_world, busy_topic)
    after = [page(client, url) for url in urls]
    assert after != before
    for url in urls:
        assert_cached_is_fresh(client, url)


def test_the_animation_sees_at_once_the_new_name_of_who_hid_a_post(
    client, login, forum_world, busy_topic
):
    login(forum_world.open_animator)
    url = busy_topic.get_absolute_url()
    before = page(client, url)
    forum_world.open_animator.display_name = "Animatrice renommée"
    forum_world.open_animator.save()
    after = page(client, url)
    assert b"Animatrice renomm" in after and after != before
    assert_cached_is_fresh(client, url)


def test_a_reader_never_gets_the_page_of_another_whose_posts_are_on_it(
    client, login, forum_world, busy_topic
):
    """Two members with the same rights: the page stored for the one who wrote a reply
    (with "Modifier" on it) is not served to the other."""
    world = forum_world
    writer = busy_topic.posts.get(position=3).author
    url = busy_topic.get_absolute_url()
    login(writer)
    assert b"Modifier" in page(client, url)
    client.logout()
    login(make_member(world.open))
    assert_cached_is_fresh(client, url)
    assert page(client, url).count(b"Modifier<span") == 0


def test_each_copy_of_the_reply_box_carries_new_tokens(client, login, forum_world, busy_topic):
    """The empty reply box comes from the cache with a new submission token each time (the
    same reply sent twice is posted once; two page views are two replies)."""
    login(forum_world.open_member)
    url = busy_topic.get_absolute_url()
    tokens = []
    for _ in range(3):
        html = client.get(url).content.decode()
        (token,) = re.findall(r'name="submission_token" value="([^"]+)"', html)
        tokens.append(token)
    assert len(set(tokens)) == 3
    assert SUBMISSION_TOKEN_PLACEHOLDER not in tokens
    response = client.post(
        reverse("forums:reply", args=[busy_topic.pk]),
        {"body": "Réponse envoyée deux fois", "submission_token": tokens[-1], "page": "1"},
    )
    assert response.status_code == 302
    client.post(
        reverse("forums:reply", args=[busy_topic.pk]),
        {"body": "Réponse envoyée deux fois", "submission_token": tokens[-1], "page": "1"},
    )
    assert busy_topic.posts.filter(body="Réponse envoyée deux fois").count() == 1
