"""Lookups compiled once per kind of person (cdp_portal.accounts.prepared): every one of
them answers exactly what its ordinary queryset answers, for every kind of visitor, and a
lookup whose SQL depends on more than the person's kind and id is built afresh instead."""

import logging

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver
from django.utils import timezone
from django.utils.module_loading import import_string

from cdp_portal.accounts import prepared as prepared_module
from cdp_portal.accounts.models import User
from cdp_portal.accounts.prepared import PreparedLookup, every_prepared_query, stand_in_user
from communities.models import ADMINISTRATORS_GROUP
from forums.models import Forum, Topic
from tests.factories import UserFactory
from tests.worlds import ForumWorld

PEOPLE = [
    "outsider",
    "open_member",
    "closed_member",
    "private_member",
    "closed_animator",
    "private_animator",
    "admin",
]


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch):
    """The lookups these tests make leave the project's list with them."""
    monkeypatch.setattr(prepared_module, "_EVERY", dict(prepared_module._EVERY))


def _comparable(obj, depth: int = 0) -> dict:
    """An object's loaded values and those of the related objects it brought along."""
    values = {key: value for key, value in vars(obj).items() if key != "_state"}
    if depth < 3:
        for name, related in obj._state.fields_cache.items():
            values[f"related:{name}"] = (
                _comparable(related, depth + 1) if related is not None else None
            )
    return values


def _people(world: ForumWorld) -> list:
    group_admin = UserFactory(email="groupe-admin@example.org")
    Group.objects.get_or_create(name=ADMINISTRATORS_GROUP)[0].user_set.add(group_admin)
    staff = UserFactory(email="equipe@example.org", is_staff=True)
    people = [*(world.visitor(name) for name in PEOPLE), staff]
    # As every page gets them: loaded by the session's backend, with their facts.
    return [
        *(User.objects.get(pk=person.pk) for person in people),
        User.objects.get(pk=group_admin.pk),
    ]


def _inputs(query, world: ForumWorld) -> list[tuple[tuple, dict]]:
    """The (shape, values) each prepared query of the project is asked with: every object
    of a lookup's model by its key (and an unknown one), a forum by its address, every
    forum's list of topics, first page and a narrower one."""
    if query.name == "forums.forum_topics":
        forums = Forum.objects.values_list("pk", flat=True)
        shapes = ((0, 25), (1, 2), (50, 75))
        return [(shape, {"forum_id": pk}) for pk in forums for shape in shapes]
    assert isinstance(query, PreparedLookup), f"{query.name}: say here how it is asked"
    model = query.build(stand_in_user(is_admin=False)).model
    inputs = [((), {"pk": pk}) for pk in [*model.objects.values_list("pk", flat=True), -1]]
    if model is Forum:
        addresses = Forum.objects.values_list("community__slug", "slug")
        inputs += [((), {"community__slug": c, "slug": f}) for c, f in addresses]
        inputs.append(((), {"community__slug": "cdp-open", "slug": "inconnu"}))
    return inputs


@pytest.mark.django_db
def test_every_prepared_query_answers_what_its_queryset_answers(forum_world, monkeypatch):
    # Every module holding prepared queries imported: the views (through the URLs), the
    # backends.
    assert get_resolver().url_patterns
    import_string(settings.AUTHENTICATION_BACKENDS[0])
    queries = every_prepared_query()
    assert {
        "forums.topic",
        "forums.topic_page",
        "forums.forum",
        "forums.forum_page",
        "forums.forum_topics",
        "accounts.signed_in_person",
    } <= {query.name for query in queries}
    # A hidden topic, and one hidden but written by the person who reads it.
    hidden = forum_world.topic_in("closed")
    Topic.objects.filter(pk=hidden.pk).update(is_hidden=True)
    people = _people(forum_world)
    for query in queries:
        monkeypatch.setattr(query, "_prepared", {})  # checked anew against these people
        for shape, values in _inputs(query, forum_world):
            for person in people:
                ordinary = list(query.queryset(person, shape, values))
                prepared = query.rows(person, *shape, **values)
                assert [_comparable(o) for o in prepared] == [_comparable(o) for o in ordinary], (
                    query.name,
                    person,
                    values,
                )
        assert None not in query._prepared.values(), f"{query.name} fell back"


@pytest.mark.django_db
def test_a_prepared_lookup_runs_one_statement_and_builds_nothing(forum_world):
    member = User.objects.get(pk=forum_world.open_member.pk)
    topic = forum_world.topic_in("open")
    lookup = PreparedLookup("test.topics", lambda user: Topic.objects.readable_by(user))
    assert lookup.get_or_404(member, pk=topic.pk) == topic  # prepared and checked

    def refuse(user):
        raise AssertionError("built again")

    lookup.build = refuse
    with CaptureQueriesContext(connection) as captured:
        assert lookup.get_or_404(member, pk=topic.pk) == topic
    assert len(captured) == 1
    with pytest.raises(Http404):
        lookup.get_or_404(member, pk=forum_world.topic_in("private").pk)


@pytest.mark.django_db
def test_a_lookup_that_depends_on_more_than_the_kind_is_built_for_each_person(forum_world, caplog):
    first = User.objects.get(pk=forum_world.open_member.pk)
    second = User.objects.get(pk=forum_world.closed_member.pk)
    # Depends on the person's address, not only on their id: the stand-in's would differ.
    lookup = PreparedLookup("test.by_address", lambda user: User.objects.filter(email=user.email))
    with caplog.at_level(logging.WARNING, logger="cdp_portal.accounts.prepared"):
        assert lookup.find(first, pk=first.pk) == [first]
    assert "test.by_address" in caplog.text
    assert lookup.find(second, pk=second.pk) == [second]
    assert lookup.find(second, pk=first.pk) == []


@pytest.mark.django_db
def test_a_lookup_that_depends_on_the_time_is_built_for_each_request(forum_world, caplog):
    member = User.objects.get(pk=forum_world.open_member.pk)
    lookup = PreparedLookup(
        "test.before_now", lambda user: Topic.objects.filter(created_at__lte=timezone.now())
    )
    topic = forum_world.topic_in("open")
    with caplog.at_level(logging.WARNING, logger="cdp_portal.accounts.prepared"):
        assert lookup.find(member, pk=topic.pk) == [topic]
    assert "test.before_now" in caplog.text
    assert lookup._prepared[((True, False, False, False), ("pk",), ())] is None


@pytest.mark.django_db
def test_values_and_prefetches_are_built_as_usual(forum_world):
    member = User.objects.get(pk=forum_world.open_member.pk)
    topic = forum_world.topic_in("open")
    values = PreparedLookup("test.values", lambda user: Topic.objects.values("pk", "title"))
    assert values.find(member, pk=topic.pk) == [{"pk": topic.pk, "title": topic.title}]
    prefetching = PreparedLookup(
        "test.prefetch", lambda user: Topic.objects.prefetch_related("posts")
    )
    (found,) = prefetching.find(member, pk=topic.pk)
    assert "posts" in found._prefetched_objects_cache
    assert set(values._prepared.values()) == {None} == set(prefetching._prepared.values())
