"""Questions prepared once per batch read, for every kind of reader, exactly what the
querysets built for each person read; a question whose SQL depends on more than the
person's id, window and candidates is built for each person instead."""

from __future__ import annotations

import logging

import pytest

from cdp_portal.accounts.models import User
from cdp_portal.accounts.permissions import with_portal_admin_fact
from digests import contents
from digests.leads import find_leads
from digests.periods import Period
from digests.prepared import Person, PreparedQuestion
from forums.models import Watch
from tests.digests.conftest import PEOPLE, DigestWorld, reply_at
from tests.forums.factories import general_forum

pytestmark = pytest.mark.django_db

QUESTIONS = {
    "calls": (contents._calls, "calls"),
    "forum topics": (contents._forum_topics, "forum_topics"),
    "tagged topics": (contents._tagged_topics, "tagged_topics"),
    "replies": (contents._replies, "replies"),
    "tagged resources": (contents._tagged_resources, "resources"),
}


def people(world: DigestWorld) -> list[User]:
    ids = [world.visitor(name).pk for name in PEOPLE]
    return list(with_portal_admin_fact(User.objects.filter(pk__in=ids)).order_by("pk"))


@pytest.mark.parametrize("name", QUESTIONS)
def test_a_prepared_question_reads_what_each_persons_queryset_reads(
    digest_world: DigestWorld, period: Period, name
):
    w = digest_world
    users = people(w)
    # The members read the general forums' topics through their tags, the others as
    # their forums' new topics.
    Watch.objects.filter(user__in=[w.open_member, w.closed_member, w.private_member]).delete()
    for visibility in ("open", "closed", "private"):
        topic = general_forum(w.community(visibility)).topics.get()
        Watch.objects.bulk_create(Watch(user=user, topic=topic) for user in users)
        reply_at(topic, w.writer, period.starts_at + (period.ends_at - period.starts_at) / 3)
    leads = find_leads(users, period.starts_at, period.ends_at, period.end)
    build, part = QUESTIONS[name]
    candidates = getattr(leads, part)
    built = []

    def counting_build(person):
        built.append(person.user.pk)
        return build(person)

    question = PreparedQuestion(name, counting_build)
    read = 0
    for user in users:
        person = Person(user, period.starts_at, period.ends_at, tuple(candidates.get(user.pk, [0])))
        rows = question.rows(person)
        assert rows == list(build(person)), user
        read += len(rows)
    assert read  # something to compare
    # Built twice per kind of person (the stand-in, then the check on a real person), not
    # once per person.
    assert len(built) == 4 and len(users) > 4


def test_a_question_depending_on_more_falls_back_to_each_persons_queryset(
    digest_world: DigestWorld, period: Period, caplog
):
    """A rule reading the person's e-mail address cannot be prepared: it is still obeyed."""

    def by_address(person):
        return User.objects.filter(email=person.user.email).values_list("pk")

    question = PreparedQuestion("by address", by_address)
    users = people(digest_world)
    with caplog.at_level(logging.WARNING, logger="digests.prepared"):
        for user in users:
            person = Person(user, period.starts_at, period.ends_at)
            assert question.rows(person) == [(user.pk,)]
    assert "built for each person instead" in caplog.text
