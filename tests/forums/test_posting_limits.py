"""The posting limit holds under concurrency and without the cache: it is counted in
the database, in the posting transaction, one request of a person after the other."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from forums import ratelimit, services
from forums.models import Post
from tests.factories import CommunityFactory, SuperUserFactory, make_member
from tests.forums.factories import general_forum, make_topic

SIMULTANEOUS = 16
LIMIT = 10


def _run_at_once(count: int, action) -> list[object]:
    """`action(i)` in `count` real threads released together, each with its own
    database connection; returns what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = action(index)
        except Exception as error:  # reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def busy_topic(db):
    community = CommunityFactory(visibility="open")
    animator = make_member(community, roles=("animator",))
    topic = make_topic(general_forum(community), animator, title="Sujet très suivi")
    return topic, make_member(community)


@pytest.mark.django_db(transaction=True)
def test_sixteen_simultaneous_replies_with_a_limit_of_ten_post_exactly_ten(busy_topic, settings):
    settings.PORTAL_POST_RATE_LIMIT = f"{LIMIT}/10m"
    topic, member = busy_topic

    def reply(index: int):
        return services.post_create(topic=topic, author=member, body=f"Réponse {index}")

    results = _run_at_once(SIMULTANEOUS, reply)
    posted = [r for r in results if isinstance(r, Post)]
    refused = [r for r in results if isinstance(r, ratelimit.PostingLimitReached)]
    assert len(posted) == LIMIT, results
    assert len(refused) == SIMULTANEOUS - LIMIT, results
    assert Post.objects.filter(author=member).count() == LIMIT
    topic.refresh_from_db()
    assert topic.post_count == LIMIT + 1
    assert sorted(topic.posts.values_list("position", flat=True)) == list(range(1, LIMIT + 2))


@pytest.mark.django_db(transaction=True)
def test_sixteen_simultaneous_reply_requests_through_the_site(busy_topic, settings, client):
    settings.PORTAL_POST_RATE_LIMIT = f"{LIMIT}/10m"
    topic, member = busy_topic
    client.force_login(member)
    cookies = client.cookies
    url = reverse("forums:reply", args=[topic.pk])

    def reply(index: int):
        from django.test import Client

        own = Client()
        own.cookies = cookies
        return own.post(url, {"body": f"Réponse {index}"}).status_code

    statuses = _run_at_once(SIMULTANEOUS, reply)
    assert sorted(statuses) == [302] * LIMIT + [429] * (SIMULTANEOUS - LIMIT), statuses
    assert Post.objects.filter(author=member).count() == LIMIT


@pytest.mark.django_db
def test_the_limit_holds_whatever_the_cache_keeps(busy_topic, settings):
    # A cache that keeps nothing (as one that is down or was flushed): still limited.
    settings.PORTAL_POST_RATE_LIMIT = "2/10m"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    topic, member = busy_topic
    services.post_create(topic=topic, author=member, body="Un")
    services.post_create(topic=topic, author=member, body="Deux")
    with pytest.raises(ratelimit.PostingLimitReached):
        services.post_create(topic=topic, author=member, body="Trois")
    assert not ratelimit.posting_allowed(member)


@pytest.mark.django_db
def test_opening_a_topic_counts_and_is_limited_too(busy_topic, settings):
    settings.PORTAL_POST_RATE_LIMIT = "2/10m"
    topic, member = busy_topic
    forum = topic.forum
    services.topic_create(forum=forum, author=member, title="Premier", body="Texte")
    services.post_create(topic=topic, author=member, body="Une réponse")
    with pytest.raises(ratelimit.PostingLimitReached):
        services.topic_create(forum=forum, author=member, title="Troisième", body="Texte")


@pytest.mark.django_db
def test_posts_older_than_the_period_do_not_count(busy_topic, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.PORTAL_POST_RATE_LIMIT = "1/10m"
    topic, member = busy_topic
    old = services.post_create(topic=topic, author=member, body="Il y a longtemps")
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    services.post_create(topic=topic, author=member, body="Maintenant")


@pytest.mark.django_db
def test_administrators_are_not_limited(busy_topic, settings):
    settings.PORTAL_POST_RATE_LIMIT = "1/10m"
    topic, _member = busy_topic
    admin = SuperUserFactory()
    for index in range(3):
        services.post_create(topic=topic, author=admin, body=f"Nettoyage {index}")
    assert Post.objects.filter(author=admin).count() == 3


@pytest.mark.django_db
def test_a_new_topic_past_the_limit_comes_back_with_its_text(busy_topic, settings, client):
    settings.PORTAL_POST_RATE_LIMIT = "1/10m"
    topic, member = busy_topic
    services.post_create(topic=topic, author=member, body="Déjà une")
    client.force_login(member)
    forum = topic.forum
    url = reverse("forums:topic_new", args=[forum.community.slug, forum.slug])
    response = client.post(url, {"title": "Titre gardé", "body": "Texte précieux"})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Patientez quelques minutes" in body
    assert "Titre gardé" in body and "Texte précieux" in body
