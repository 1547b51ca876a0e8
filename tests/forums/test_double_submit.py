"""A form sent twice (the person resubmitted after a timeout, or clicked twice) writes
one post: the form's one-time submission token finds the post of the first sending."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpResponse
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


@dataclass(frozen=True)
class SentTwice:
    """A form sent twice: where its token is read, where it is sent, what it writes."""

    page: Callable[[Topic], str]
    action: Callable[[Topic], str]
    data: dict[str, str]
    written: Callable[[], QuerySet]
    # What the answer's address and the counters say once the single object is written.
    check_written: Callable[[Topic, HttpResponse, Post | Topic], None]


def _reply_url(topic: Topic) -> str:
    return reverse("forums:reply", args=[topic.pk])


def _new_topic_url(topic: Topic) -> str:
    return reverse("forums:topic_new", args=[topic.forum.community.slug, topic.forum.slug])


def _one_reply_counted(topic: Topic, answer: HttpResponse, post: Post) -> None:
    assert answer["Location"].endswith(f"#post-{post.pk}")
    topic.refresh_from_db()
    assert topic.post_count == 2 and topic.reply_count == 1


def _one_topic_counted(topic: Topic, answer: HttpResponse, new_topic: Topic) -> None:
    assert answer["Location"] == new_topic.get_absolute_url()
    forum = topic.forum
    forum.refresh_from_db()
    assert forum.topic_count == 2


THE_SAME_REPLY = SentTwice(
    page=Topic.get_absolute_url,
    action=_reply_url,
    data={"body": "Ma réponse envoyée deux fois"},
    written=lambda: Post.objects.filter(body="Ma réponse envoyée deux fois"),
    check_written=_one_reply_counted,
)
THE_SAME_NEW_TOPIC = SentTwice(
    page=_new_topic_url,
    action=_new_topic_url,
    data={"title": "Un sujet envoyé deux fois", "body": "Texte"},
    written=lambda: Topic.objects.filter(title="Un sujet envoyé deux fois"),
    check_written=_one_topic_counted,
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "form",
    [THE_SAME_REPLY, THE_SAME_NEW_TOPIC],
    ids=["reply-posted-once", "new-topic-opened-once"],
)
def test_the_same_form_sent_twice_writes_once(client, topic_and_member, form):
    topic, member = topic_and_member
    client.force_login(member)
    token = _token_in(client.get(form.page(topic)).content.decode())
    data = {**form.data, "submission_token": token}
    first = client.post(form.action(topic), data)
    second = client.post(form.action(topic), data)
    written = form.written()
    assert written.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    form.check_written(topic, second, written.get())


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
@pytest.mark.parametrize(
    "rate_limit",
    # Without a posting limit there is no advisory lock: the constraint alone decides.
    ["", "10/10m"],
    ids=["without-posting-limit", "under-the-posting-limit"],
)
def test_two_identical_replies_at_once_write_one_post(topic_and_member, settings, rate_limit):
    settings.PORTAL_POST_RATE_LIMIT = rate_limit
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
