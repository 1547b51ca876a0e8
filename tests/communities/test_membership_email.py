"""The e-mail of a membership decision (a request, an approval, a refusal, an invitation)
goes through the task queue as notifications do: the decision's transaction neither
renders nor stores it, nothing that goes wrong with it undoes the decision, and the task
still sends it."""

import io
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from cdp_portal.outbox.models import OutgoingEmail
from communities import services
from communities.models import Membership
from tests.factories import UserFactory, make_member
from tests.worlds import CommunityWorld

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
DECISIONS = ["request", "approve", "refuse", "invite", "invite-by-the-portal"]


def prepare(world: CommunityWorld, decision: str) -> tuple[Callable[[], Membership], list[str]]:
    """The decision, ready to be taken, and the addresses its e-mail goes to."""
    closed, animator = world.closed, world.closed_animator
    if decision == "request":
        asking = UserFactory()
        return (
            lambda: services.membership_join(community=closed, user=asking, message="Bonjour"),
            [animator.email],
        )
    if decision.startswith("invite"):
        by = None if decision == "invite-by-the-portal" else animator
        return (
            lambda: services.membership_invite(
                community=closed, email="nouvelle@example.org", by=by
            ),
            ["nouvelle@example.org"],
        )
    pending = Membership.objects.get(user=make_member(closed, status="requested"), community=closed)
    if decision == "approve":
        return (
            lambda: services.membership_approve(membership=pending, by=animator),
            [pending.user.email],
        )
    return (
        lambda: services.membership_refuse(membership=pending, by=animator, reason="Complet"),
        [pending.user.email],
    )


def approve_on_the_site(client, world: CommunityWorld, asking) -> None:
    community = world.closed
    client.force_login(world.closed_animator)
    response = client.post(
        reverse("communities:requests", kwargs={"slug": community.slug}),
        {
            "membership": Membership.objects.get(user=asking, community=community).pk,
            "decision": "approve",
        },
    )
    assert response.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("decision", DECISIONS)
def test_the_decision_commits_without_its_email_which_the_task_then_sends(
    community_world, django_capture_on_commit_callbacks, decision
):
    decide, recipients = prepare(community_world, decision)
    with django_capture_on_commit_callbacks() as after_commit:
        decide()
    # Nothing rendered nor stored with the decision: only a task to enqueue once it commits.
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        for callback in after_commit:
            callback()
    assert [message.to for message in mail.outbox] == [recipients]
    assert OutgoingEmail.objects.get().status == "sent"


@pytest.mark.django_db
def test_a_failing_email_step_leaves_the_decision_standing(
    client, community_world, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("the e-mail step broke")

    monkeypatch.setattr("communities.tasks.send_to_people", broken)
    asking = make_member(community_world.closed, status="requested")
    with django_capture_on_commit_callbacks(execute=True):
        approve_on_the_site(client, community_world, asking)
    membership = Membership.objects.get(user=asking, community=community_world.closed)
    assert membership.is_active
    assert membership.decided_by == community_world.closed_animator
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_the_decision_only_enqueues_and_the_worker_sends(
    client, community_world, settings
):
    settings.TASKS = DATABASE_TASKS
    asking = make_member(community_world.closed, status="requested")
    approve_on_the_site(client, community_world, asking)
    assert Membership.objects.get(user=asking, community=community_world.closed).is_active
    # The request answered before anything was rendered, stored or sent.
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []
    [queued] = DBTaskResult.objects.ready()
    assert queued.task_path == "communities.tasks.send_membership_email"

    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
    assert [message.to for message in mail.outbox] == [[asking.email]]
    assert "Communauté closed" in mail.outbox[0].body
    assert OutgoingEmail.objects.get().status == "sent"
