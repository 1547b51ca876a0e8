"""Benchmark of `manage.py send_digests --frequency weekly` at institutional scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cdp_digests_bench \
        .venv/bin/python bench/digests.py [--activity] [--people 2500,5000,10000]

Run it against data from `manage.py generate_scale_data` (10,000 people, 100
communities, 50,000 resources and 500,000 posts spread over the past years: last week
holds about 1/100 of the topics and posts, 1/250 of the resources). `--activity` first
adds, once, what the generator leaves out and a digest reads: the watches the services
would have written (every topic's author watches it) and those people choose (one
replier in five watches the topic, one person in seven a forum of their communities),
readiness checklists in the deciding and preparing communities with tasks owned by their
animators and due around now, and open flags on posts and resources.

For each number of people given (the others' digest set to "none" for the run), it
empties the digests' delivery records and the outbox, then times the command, with the
immediate task backend (the command renders, stores and sends every message itself;
e-mail goes to Django's dummy backend): wall time, time per person, SQL queries, messages
stored; before it a dry run (reads and renders nothing, writes nothing), after it a second
run (everything done: nothing to send).
Prints the load average before and after: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdp_portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ["PORTAL_TASKS_BACKEND"] = "immediate"

import django

django.setup()

from datetime import timedelta  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from cdp_portal.outbox import services as outbox_services  # noqa: E402
from cdp_portal.outbox.models import OutgoingEmail  # noqa: E402
from communities.models import Community, Membership, Phase, Profile, Role  # noqa: E402
from digests.models import DigestDelivery  # noqa: E402
from forums.models import DEFAULT_FORUMS, Flag, Forum, Post, Watch  # noqa: E402
from readiness.models import ChecklistItem, ItemStatus  # noqa: E402
from readiness.services import checklist_ensure  # noqa: E402
from resources.models import Resource, ResourceFlag  # noqa: E402

# Where the messages go: sent (claimed, marked sent), not written anywhere.
settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

WATCH_SQL = """
INSERT INTO forums_watch (user_id, topic_id, created_at)
SELECT DISTINCT author_id, topic_id, now() FROM (
    SELECT author_id, id AS topic_id FROM forums_topic WHERE author_id IS NOT NULL
    UNION ALL
    SELECT author_id, topic_id FROM forums_post
    WHERE author_id IS NOT NULL AND position > 1
      AND abs(hashtext(author_id::text || ':' || topic_id::text)) % 5 = 0
) AS watching
ON CONFLICT (topic_id, user_id) WHERE topic_id IS NOT NULL DO NOTHING
"""


def add_activity(seed: int = 7) -> None:
    """What `generate_scale_data` leaves out and a digest reads (see the docstring)."""
    rng = random.Random(seed)
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(WATCH_SQL)
        general = dict(
            Forum.objects.filter(slug=DEFAULT_FORUMS[0][0]).values_list("community_id", "pk")
        )
        memberships = Membership.objects.active().values_list("user_id", "community_id")
        forum_watches = {
            (user_id, general[community_id])
            for user_id, community_id in memberships
            if community_id in general and rng.random() < 0.05
        }
        Watch.objects.bulk_create(
            [Watch(user_id=user_id, forum_id=forum_id) for user_id, forum_id in forum_watches],
            ignore_conflicts=True,
            batch_size=2000,
        )
        _add_tasks(rng)
        _add_flags(rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE forums_watch")
    print(
        f"Activity added in {time.perf_counter() - started:.0f} s: "
        f"{Watch.objects.count()} watches, "
        f"{ChecklistItem.objects.manual().open().exclude(owner=None).count()} open tasks, "
        f"{Flag.objects.open().count()} + {ResourceFlag.objects.open().count()} open flags"
    )


def _add_tasks(rng: random.Random) -> None:
    """Checklists of the communities getting ready, a third of their hand-set items owned
    by an animator and due between three weeks ago and a month from now."""
    today = timezone.localdate()
    animators: dict[int, list[int]] = {}
    for user_id, community_id in (
        Membership.objects.active().with_role(Role.ANIMATOR).values_list("user_id", "community")
    ):
        animators.setdefault(community_id, []).append(user_id)
    getting_ready = Community.objects.filter(
        pk__in=list(animators), phase__in=[Phase.DECIDING, Phase.PREPARING]
    )
    for community in getting_ready:
        people = animators[community.pk]
        checklist = checklist_ensure(community=community)
        items = list(ChecklistItem.objects.manual().filter(checklist=checklist))
        for item in rng.sample(items, len(items) // 3):
            item.owner_id = rng.choice(people)
            item.due_date = today + timedelta(days=rng.randint(-21, 30))
            item.status = rng.choice([ItemStatus.TODO, ItemStatus.IN_PROGRESS, ItemStatus.DONE])
        ChecklistItem.objects.bulk_update(items, ["owner", "due_date", "status"])


def _add_flags(rng: random.Random) -> None:
    reporters = list(Profile.objects.values_list("user_id", flat=True)[:500])
    recent = Post.objects.filter(is_hidden=False).order_by("-pk")
    posts = list(recent.values_list("pk", flat=True)[:5000])
    Flag.objects.bulk_create(
        [Flag(post_id=pk, reporter_id=rng.choice(reporters), reason="Hors sujet")
         for pk in rng.sample(posts, 40)],
        ignore_conflicts=True,
    )  # fmt: skip
    resources = list(Resource.objects.order_by("-pk").values_list("pk", flat=True)[:5000])
    ResourceFlag.objects.bulk_create(
        [ResourceFlag(resource_id=pk, reporter_id=rng.choice(reporters), reason="Lien mort")
         for pk in rng.sample(resources, 20)],
        ignore_conflicts=True,
    )  # fmt: skip


def reset() -> None:
    """No digest sent yet, an empty outbox."""
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE digests_digestdelivery, outbox_outgoingemail")


def only_first(people: int) -> list[int]:
    """Everyone beyond the first `people` (by id) asks for no digest during the run;
    returns their ids to give them back the weekly one."""
    weekly = Profile.objects.filter(digest_frequency="weekly").order_by("user_id")
    others = list(weekly.values_list("user_id", flat=True)[people:])
    Profile.objects.filter(user_id__in=others).update(digest_frequency="none")
    return others


class Meter:
    """SQL statements run, and the time the outbox spent sending (`send_due`)."""

    def __init__(self) -> None:
        self.queries = 0
        self.sending = 0.0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)

    def wrap_sending(self):
        send_due = outbox_services.send_due

        def timed_send_due(*args, **kwargs):
            started = time.perf_counter()
            try:
                return send_due(*args, **kwargs)
            finally:
                self.sending += time.perf_counter() - started

        outbox_services.send_due = timed_send_due
        return lambda: setattr(outbox_services, "send_due", send_due)


def timed(*args: str) -> tuple[float, Meter]:
    meter = Meter()
    restore = meter.wrap_sending()
    try:
        with connection.execute_wrapper(meter):
            started = time.perf_counter()
            call_command(
                "send_digests", "--frequency", "weekly", *args, stdout=StringIO(), stderr=StringIO()
            )
            elapsed = time.perf_counter() - started
    finally:
        restore()
    return elapsed, meter


def measure(people: int) -> None:
    reset()
    others = only_first(people)
    try:
        due = Profile.objects.filter(digest_frequency="weekly").count()
        started_cpu = time.process_time()
        dry, _meter = timed("--dry-run")
        dry_cpu = time.process_time() - started_cpu
        started_cpu = time.process_time()
        elapsed, meter = timed()
        cpu = time.process_time() - started_cpu
        sent = OutgoingEmail.objects.count()
        recorded = DigestDelivery.objects.count()
        again, again_meter = timed()
    finally:
        Profile.objects.filter(user_id__in=others).update(digest_frequency="weekly")
    per_person = elapsed / max(due, 1) * 1000
    print(
        f"{due:>6} people: {elapsed:6.1f} s ({per_person:5.2f} ms/person, CPU {cpu:5.1f} s; "
        f"outbox sending {meter.sending:5.1f} s), {meter.queries} SQL "
        f"({meter.queries / max(due, 1):.1f}/person), {sent} sent, {recorded - sent} empty | "
        f"again {again:4.2f} s ({again_meter.queries} SQL) | dry run {dry:5.1f} s "
        f"(CPU {dry_cpu:5.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activity", action="store_true", help="add watches, tasks, flags")
    parser.add_argument("--people", default="2500,5000,10000", help="comma separated sizes")
    args = parser.parse_args()
    if not Profile.objects.exists():
        sys.exit("No people: run generate_scale_data first (on a throwaway database).")
    if args.activity:
        add_activity()
    print(f"load average before: {os.getloadavg()}")
    for people in (int(n) for n in args.people.split(",")):
        measure(people)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
