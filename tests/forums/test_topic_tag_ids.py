"""`Topic.tag_ids` follows the topic's tags whatever writes them (PostgreSQL triggers,
forums migration 0020): the calls for someone's expertise are read through it."""

import pytest
from taggit.models import Tag

from forums.models import TaggedTopic, Topic
from tests.factories import make_member
from tests.forums.factories import calls_forum, make_topic

pytestmark = pytest.mark.django_db


def stored(topic) -> list[int]:
    return Topic.objects.values_list("tag_ids", flat=True).get(pk=topic.pk)


def carried(topic) -> list[int]:
    tagged = TaggedTopic.objects.filter(content_object=topic).order_by("tag_id")
    return list(tagged.values_list("tag_id", flat=True))


def test_tag_ids_follow_every_way_tags_are_written(forum_world):
    w = forum_world
    topic = make_topic(calls_forum(w.open), w.open_member, tags=["moodle", "vidéo"])
    other = make_topic(calls_forum(w.open), w.open_member, tags=["moodle"])
    assert len(stored(topic)) == 2 and stored(topic) == carried(topic)

    topic.tags.add("quiz")  # taggit's manager
    assert len(stored(topic)) == 3 and stored(topic) == carried(topic)
    topic.tags.remove("moodle")
    assert len(stored(topic)) == 2 and stored(topic) == carried(topic)

    # A tag renamed by hand into a new one: its taggings moved onto it.
    video = Tag.objects.get(name="vidéo")
    capture = Tag.objects.create(name="captation", slug="captation")
    TaggedTopic.objects.filter(tag=video).update(tag=capture)
    assert capture.pk in stored(topic) and video.pk not in stored(topic)
    assert stored(topic) == carried(topic)

    Tag.objects.filter(name="moodle").delete()  # cascades to the taggings
    assert stored(other) == [] and carried(other) == []
    topic.tags.clear()
    assert stored(topic) == []


def test_a_topic_written_without_the_orm_gets_empty_tag_ids(forum_world):
    from django.db import connection

    topic = make_topic(calls_forum(forum_world.open), forum_world.open_member)
    columns = [
        f.column
        for f in Topic._meta.concrete_fields
        if f.name not in ("id", "tag_ids") and not f.primary_key
    ]
    with connection.cursor() as cursor:
        # What a node still running the former code inserts during a rolling deploy.
        cursor.execute(
            f"INSERT INTO forums_topic ({', '.join(columns)}) "
            f"SELECT {', '.join(columns)} FROM forums_topic WHERE id = %s RETURNING id",
            [topic.pk],
        )
        copy_id = cursor.fetchone()[0]
    assert Topic.objects.values_list("tag_ids", flat=True).get(pk=copy_id) == []


def test_calls_for_my_expertise_are_read_through_the_tag_ids(forum_world):
    from communities.services import profile_ensure

    w = forum_world
    reader = make_member(w.open)
    profile_ensure(user=reader).expertise.add("vidéo", "quiz")
    forum = calls_forum(w.open)
    matching = make_topic(forum, w.open_member, tags=["vidéo"], is_call_for_help=True)
    make_topic(forum, w.open_member, tags=["moodle"], is_call_for_help=True)
    mine = make_topic(forum, reader, tags=["quiz"], is_call_for_help=True)
    later = make_topic(forum, w.open_member, tags=["moodle"], is_call_for_help=True)
    expertise = Topic.objects.open_calls().for_expertise_of(reader)
    assert set(expertise) == {matching}
    later.tags.add("quiz")
    assert set(expertise.all()) == {matching, later}
    assert mine not in expertise.all()  # their own call is no call for them
