"""Background work of the communities: the e-mail that follows a membership decision.

Like the forums' notification e-mail (`forums.tasks`), `communities.services` enqueues it
once the decision has committed; the task renders the message and stores it in the
outbox, which sends it and retries while the mail server is down. A decision never waits
for its e-mail, and nothing that goes wrong with the e-mail undoes it. Run at once or by
`manage.py db_worker`, as `settings.TASKS` says.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from cdp_portal.outbox.mailing import absolute_url, send_to_people

from .models import Membership, Role

# What happened to the membership, hence who is told and with which template.
REQUESTED = "requested"  # the community's animators: someone asks to join
APPROVED = "approved"  # the person: their request is accepted
REFUSED = "refused"  # the person: their request is refused
INVITED = "invited"  # the person: an animator invites them (or says yes to their request)
EVENTS = (REQUESTED, APPROVED, REFUSED, INVITED)


def _animator_emails(membership: Membership) -> list[str]:
    return list(
        Membership.objects.active()
        .with_role(Role.ANIMATOR)
        .filter(community=membership.community_id)
        .values_list("user__email", flat=True)
    )


@task()
@transaction.atomic
def send_membership_email(
    event: str,
    membership_id: int,
    *,
    by_id: int | None = None,
    reason: str = "",
    new_account: bool = False,
) -> int:
    """Render the e-mail `event` calls for and queue it in the outbox. Returns to how many
    addresses (none when the membership is gone: its account was deleted meanwhile).

    `by_id` is who invited, `reason` why a request was refused and `new_account` whether
    the invitation opened the account (it then carries a link to choose a password).
    """
    if event not in EVENTS:
        raise ValueError(f"Unknown membership e-mail: {event!r}")
    membership = (
        Membership.objects.select_related("community", "user").filter(pk=membership_id).first()
    )
    if membership is None:
        return 0
    community, person = membership.community, membership.user
    community_url = absolute_url(community.get_absolute_url())
    if event == REQUESTED:
        requests_path = reverse("communities:requests", kwargs={"slug": community.slug})
        context = {
            "community": community,
            "requester": person,
            "message": membership.request_message,
            "requests_url": absolute_url(requests_path),
        }
        recipients = _animator_emails(membership)
    elif event == APPROVED:
        context = {"community": community, "url": community_url}
        recipients = [person.email]
    elif event == REFUSED:
        context = {"community": community, "reason": reason}
        recipients = [person.email]
    else:
        from .services import set_password_url  # services enqueues this task: no cycle

        context = {
            "community": community,
            "invited_by": get_user_model().objects.filter(pk=by_id).first(),
            "new_account": new_account,
            "url": community_url,
            "set_password_url": set_password_url(person) if new_account else "",
        }
        recipients = [person.email]
    send_to_people(f"communities/email/membership_{event}", context, recipients)
    return len([address for address in recipients if address])
