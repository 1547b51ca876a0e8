"""The background send of stored e-mail (see `services`)."""

from __future__ import annotations

from cdp_portal.core.tasks import traced_task

from . import services


@traced_task()
def send_outgoing_email(message_ids: list[int]) -> dict[str, list[int]]:
    """Send these outbox messages if they are still due; a failure schedules a retry.

    Safe to run twice or late: each message is claimed before it is sent.
    """
    return services.send_due(ids=message_ids, limit=max(len(message_ids), 1)).as_dict()
