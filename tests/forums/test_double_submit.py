"""A form sent twice (the person resubmitted after a timeout, or clicked twice) writes
one post: the form's one-time submission token finds the post of the first sending."""

from __future__ import annotations

import re
import threading
import uuid

import pytest
from django.db import connection
from django.urls import reverse

from forums import services
from forums.models import Post, Topic
from tests.factories import CommunityFactory, make_member
from tests.forums.factories import general_forum, make_topic

HTMX = {"HX-Request": "true"}
TOKEN = re.compile(r'name="submission_token" value="([0-9a-f-]{36})"')


@pytest.fixture
def topic_and_member(db):
    community = CommunityFactory(visibility="open")
    animator = make_member(community, roles=("animator",))
    topic = make_topic(general_forum(community), animator, title="Sujet")
    return topic, make_member(community)


def _token_in(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "the form carries no submission token"
    return match.group(1)


@pytest.mark.django_db
def test_the_same_reply_sent_twice_is_posted_once(client, topic_and_member):
    topic, member = topic_and_member
    client.force_login(member)
    token = _token_in(client.get(topic.get_absolute_url()).content.decode())
    url = reverse("forums:reply", args=[topic.pk])
    data = {"body": "Ma réponse envoyée deux fois", "submission_token": token}
    first = client.post(url, data)
    second = client.post(url, data)
    posts = Post.objects.filter(body="Ma réponse envoyée deux fois")
    assert posts.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert second["Location"].endswith(f"#post-{posts.get().pk}")
    topic.refresh_from_db()
    assert topic.post_count == 2 and topic.reply_count == 1


@pytest.mark.django_db
def test_two_replies_from_two_forms_are_both_posted(client, topic_and_member):
    topic, member = topic_and_member
    client.force_login(member)
    url = reverse("forums:reply", args=[topic.pk])
    for text in ("Une", "Deux"):
        token = _token_in(client.get(topic.get_absolute_url()).content.decode())
        client.post(url, {"body": text, "submission_token": token})
    assert Post.objects.filter(author=member).count() == 2


@pytest.mark.django_db
def test_the_same_new_topic_sent_twice_opens_one_topic(client, topic_and_member):
    topic, member = topic_and_member
    client.force_login(member)
    forum = topic.forum
    url = reverse("forums:topic_new", args=[forum.community.slug, forum.slug])
    token = _token_in(client.get(url).content.decode())
    data = {"title": "Un sujet envoyé deux fois", "body": "Texte", "submission_token": token}
    first = client.post(url, data)
    second = client.post(url, data)
    topics = Topic.objects.filter(title="Un sujet envoyé deux fois")
    assert topics.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == topics.get().get_absolute_url()
    forum.refresh_from_db()
    assert forum.topic_count == 2


@pytest.mark.django_db
def test_an_htmx_reply_gives_a_fresh_token_to_the_next_reply(client, topic_and_member):
    topic, member = topic_and_member
    client.force_login(member)
    token = _token_in(client.get(topic.get_absolute_url()).content.decode())
    url = reverse("forums:reply", args=[topic.pk])
    answer = client.post(
        url, {"body": "Première", "page": "1", "submission_token": token}, headers=HTMX
    )
    next_token = _token_in(answer.content.decode())
    assert next_token != token
    client.post(url, {"body": "Seconde", "page": "1", "submission_token": next_token}, headers=HTMX)
    # The first one again (its answer was lost): nothing more is written.
    again = client.post(
        url, {"body": "Première", "page": "1", "submission_token": token}, headers=HTMX
    )
    assert again.status_code == 200
    assert list(Post.objects.filter(author=member).values_list("body", flat=True)) == [
        "Première",
        "Seconde",
    ]


@pytest.mark.django_db
def test_a_refused_reply_keeps_its_token(client, topic_and_member):
    topic, member = topic_and_member
    client.force_login(member)
    token = str(uuid.uuid4())
    url = reverse("forums:reply", args=[topic.pk])
    refused = client.post(url, {"body": "  ", "submission_token": token})
    assert _token_in(refused.content.decode()) == token


@pytest.mark.django_db
def test_a_form_without_or_with_a_broken_token_still_posts(client, topic_and_member):
    topic, member = topic_and_member
    client.force_login(member)
    url = reverse("forums:reply", args=[topic.pk])
    assert client.post(url, {"body": "Sans jeton"}).status_code == 302
    assert client.post(url, {"body": "Jeton abîmé", "submission_token": "x"}).status_code == 302
    assert Post.objects.filter(author=member).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_identical_replies_at_once_write_one_post(topic_and_member, settings):
    settings.PORTAL_POST_RATE_LIMIT = ""  # no advisory lock: the constraint alone decides
    topic, member = topic_and_member
    token = uuid.uuid4()
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def reply(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = services.post_create(
                topic=topic, author=member, body="En double", submission_token=token
            )
        except Exception as error:  # reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=reply, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(r, Post) for r in results), results
    assert results[0].pk == results[1].pk
    assert Post.objects.filter(author=member).count() == 1
    topic.refresh_from_db()
    assert topic.post_count == 2


@pytest.mark.django_db(transaction=True)
def test_two_identical_replies_at_once_under_the_posting_limit(topic_and_member, settings):
    settings.PORTAL_POST_RATE_LIMIT = "10/10m"
    topic, member = topic_and_member
    token = uuid.uuid4()
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def reply(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = services.post_create(
                topic=topic, author=member, body="En double", submission_token=token
            )
        except Exception as error:  # reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=reply, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(r, Post) for r in results), results
    assert Post.objects.filter(author=member).count() == 1


@pytest.mark.django_db
def test_a_token_replayed_on_another_form_never_gives_an_error(client, topic_and_member):
    topic, member = topic_and_member
    client.force_login(member)
    token = str(uuid.uuid4())
    reply_url = reverse("forums:reply", args=[topic.pk])
    assert client.post(reply_url, {"body": "Une", "submission_token": token}).status_code == 302
    forum = topic.forum
    new_url = reverse("forums:topic_new", args=[forum.community.slug, forum.slug])
    replayed = client.post(new_url, {"title": "T", "body": "B", "submission_token": token})
    assert replayed.status_code == 302
    assert Post.objects.filter(author=member).count() == 1
