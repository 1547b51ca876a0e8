"""Demo and scale data for the forums: consistent counters, idempotent demo seed."""

import pytest
from django.db.models import Count, Max, Q

from forums.demo_data import seed_demo_forums
from forums.models import Flag, Forum, Post, Topic
from forums.scale_data import generate_forums
from tests.factories import CommunityFactory, make_member

pytestmark = pytest.mark.django_db


def assert_counters_consistent():
    for topic in Topic.objects.annotate(
        posts_n=Count("posts"),
        replies_n=Count("posts", filter=Q(posts__is_hidden=False, posts__position__gt=1)),
        last=Max("posts__created_at", filter=Q(posts__is_hidden=False)),
        top=Max("posts__position"),
    ):
        assert topic.post_count == topic.posts_n == topic.top, topic
        assert topic.reply_count == topic.replies_n, topic
        assert topic.last_activity_at == topic.last, topic
    for forum in Forum.objects.annotate(n=Count("topics")):
        assert forum.topic_count == forum.n, forum


def small_institution():
    communities = [CommunityFactory(visibility=v) for v in ("open", "closed", "private")]
    for community in communities:
        make_member(community, roles=("animator",))
        for _ in range(4):
            make_member(community)
    return communities


def test_demo_forums_are_seeded_once_with_calls_a_hidden_post_and_a_flag():
    small_institution()
    written = seed_demo_forums()
    assert written > 0
    assert Topic.objects.filter(is_call_for_help=True, solved_at__isnull=False).exists()
    assert Topic.objects.filter(is_call_for_help=True, solved_at__isnull=True).exists()
    assert Post.objects.filter(is_hidden=True).exists()
    assert Flag.objects.filter(status="open").exists()
    assert Topic.objects.filter(is_pinned=True).exists()
    assert_counters_consistent()
    # Written through the services: every post is searchable.
    assert not Post.objects.filter(search_vector__isnull=True).exists()
    before = (Topic.objects.count(), Post.objects.count())
    assert seed_demo_forums() == 0
    assert (Topic.objects.count(), Post.objects.count()) == before


def test_scale_data_is_deterministic_with_hot_topics_and_consistent_counters():
    small_institution()
    generate_forums(posts=1500, seed=3)
    assert Post.objects.count() == 1500
    assert_counters_consistent()
    hottest = Topic.objects.order_by("-post_count").first()
    assert hottest.post_count >= 200  # a hot topic among ordinary ones
    assert Topic.objects.filter(post_count__lte=16).count() > 30
    first_run = list(Topic.objects.order_by("pk").values_list("title", "post_count"))
    Post.objects.all().delete()
    Topic.objects.all().delete()
    Forum.objects.update(topic_count=0, last_activity_at=None)
    generate_forums(posts=1500, seed=3)
    assert list(Topic.objects.order_by("pk").values_list("title", "post_count")) == first_run
    assert "<script" not in "".join(Post.objects.values_list("body_html", flat=True))
