"""The digest tests' world: `community_world`'s people (a community of each visibility,
an animator and a member in each, an outsider, an administrator), each watching the three
"Général" forums (as if they had chosen to while they could), following the tag "moodle"
and expert in "évaluation"; and last week, in each community, a topic, a call for help
and a resource by a writer who belongs to all three, a membership request in the closed
one and a checklist task of its animator due in three days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cdp_portal.accounts.models import User
from communities.models import Membership, Profile
from communities.services import profile_ensure
from digests.contents import Digest
from digests.periods import Frequency, Period, previous_period
from digests.services import collect_digests, people_still_due
from forums import services as forum_services
from forums.models import Watch
from readiness.models import ChecklistItem
from tests.factories import UserFactory, make_member
from tests.forums.factories import calls_forum, general_forum
from tests.readiness.factories import checklist_of, set_item
from tests.resources.factories import make_resource
from tests.shared_worlds import shared_world
from tests.worlds import VISIBILITIES, CommunityWorld

PEOPLE = (
    "outsider",
    "open_member",
    "open_animator",
    "closed_member",
    "closed_animator",
    "private_member",
    "private_animator",
    "admin",
)


@shared_world
def period() -> Period:
    """Last week: what `send_digests --frequency weekly` sends today."""
    return previous_period(Frequency.WEEKLY)


def during(period: Period, days: float = 2):
    """A moment inside `period`, `days` after it starts."""
    return period.starts_at + timedelta(days=days)


def digest_for(user: User, period: Period) -> Digest:
    """The person's digest of `period`, read now (nothing written)."""
    (digest,) = collect_digests(period, people_still_due(period, [user.pk]))
    return digest


def titles(digest: Digest) -> list[str]:
    """Every topic and resource the digest lists, in the order of its parts."""
    listings = (
        digest.calls,
        digest.forum_topics,
        digest.replies,
        digest.tagged_topics,
        digest.tagged_resources,
    )
    return [item.title for listing in listings for item in listing.items]


def follow(user: User, *, interests=("moodle",), expertise=("évaluation",)) -> Profile:
    profile = profile_ensure(user=user)
    profile.interests.add(*interests)
    profile.expertise.add(*expertise)
    return profile


@dataclass(frozen=True, kw_only=True)
class DigestWorld(CommunityWorld):
    writer: User
    applicant: User
    task: ChecklistItem


@shared_world
def digest_world(community_world: CommunityWorld, period: Period) -> DigestWorld:
    w = community_world
    writer = make_member(w.open)
    for visibility in ("closed", "private"):
        make_member(w.community(visibility), user=writer)
    forums = [general_forum(w.community(v)) for v in VISIBILITIES]
    people = [w.visitor(name) for name in PEOPLE]
    for person in people:
        follow(person)
        Watch.objects.bulk_create(Watch(user=person, forum=forum) for forum in forums)
    when = during(period)
    for visibility in VISIBILITIES:
        community = w.community(visibility)
        topic_at(general_forum(community), writer, when, title=f"Nouveau sujet {visibility}",
                 tags=["moodle"])  # fmt: skip
        topic_at(calls_forum(community), writer, when, title=f"Appel {visibility}",
                 tags=["évaluation"], is_call_for_help=True)  # fmt: skip
        make_resource(
            author=writer, community=community, title=f"Ressource {visibility}",
            tags=["moodle"], created_at=when,
        )  # fmt: skip
    make_resource(author=writer, title="Ressource institution", tags=["moodle"], created_at=when)
    applicant = UserFactory()
    Membership.objects.create(
        user=applicant, community=w.closed, roles=["member"], status=Membership.Status.REQUESTED
    )
    w.closed.phase = "deciding"
    w.closed.save(update_fields=["phase"])
    checklist_of(w.closed)
    task = set_item(
        w.closed,
        "facilitating-environment",
        owner=w.closed_animator,
        due_date=period.end + timedelta(days=3),
    )
    return DigestWorld.extending(w, writer=writer, applicant=applicant, task=task)


def topic_at(forum, author, when, **fields):
    """A topic opened at `when` (no notification: the digest tests read the outbox)."""
    fields.setdefault("title", "Comment évaluer une activité en ligne ?")
    return forum_services.topic_create(
        forum=forum, author=author, body=fields.pop("body", "Je cherche des idées."),
        created_at=when, notify=False, rate_limited=False, **fields,
    )  # fmt: skip


def reply_at(topic, author, when, body: str = "Une réponse utile."):
    return forum_services.post_create(
        topic=topic, author=author, body=body, created_at=when, notify=False, rate_limited=False
    )
