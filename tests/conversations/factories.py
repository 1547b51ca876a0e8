"""Conversation test data, written through the services as the site would."""

from __future__ import annotations

from conversations import services


def start(by, *recipients, subject="Une question", body="Bonjour, une question rapide."):
    return services.conversation_start(
        by=by, recipients=list(recipients), subject=subject, body=body, rate_limited=False
    )


def reply(conversation, author, body="Avec plaisir."):
    return services.message_send(
        conversation=conversation, author=author, body=body, rate_limited=False
    )
