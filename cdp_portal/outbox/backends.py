"""An e-mail backend that puts messages in the outbox instead of sending them.

For code that only knows Django's e-mail API, such as the `mail_admins` logging handler
(see LOGGING in settings). It is never EMAIL_BACKEND itself: the outbox sends through
EMAIL_BACKEND, which stays the real transport.
"""

from __future__ import annotations

import logging

from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError

from . import services

logger = logging.getLogger(__name__)


class OutboxBackend(BaseEmailBackend):
    is_outbox = True

    def send_messages(self, email_messages) -> int:
        messages = list(email_messages)
        try:
            return len(services.queue_messages(messages))
        except DatabaseError:
            # Error reports matter most when the database is the problem: send directly.
            logger.warning("Outbox unavailable, sending %s message(s) directly", len(messages))
            return get_connection(fail_silently=self.fail_silently).send_messages(messages)
