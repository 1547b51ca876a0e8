"""E-mail the portal sends to people: rendered from templates, in French then English,
as plain text and, for messages that have one, an HTML version of both languages."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from cdp_portal.outbox.services import queue_messages


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def render_bilingual(template_base: str, context: dict) -> tuple[str, str]:
    """Subject and body of `<template_base>_subject.txt` / `_body.txt`, French first."""
    subjects, bodies = [], []
    for language in ("fr", "en"):
        with translation.override(language):
            subjects.append(render_to_string(f"{template_base}_subject.txt", context).strip())
            bodies.append(render_to_string(f"{template_base}_body.txt", context).strip())
    subject = subjects[0] if subjects[0] == subjects[1] else " / ".join(subjects)
    return subject, f"{bodies[0]}\n\n— English version —\n\n{bodies[1]}\n"


def render_bilingual_html(template_base: str, context: dict, *, subject: str) -> str:
    """`<template_base>_body.html` in French then English, in one HTML document
    (`email/bilingual.html`), each language's part marked with its `lang`."""
    parts = []
    for language in ("fr", "en"):
        with translation.override(language):
            parts.append((language, render_to_string(f"{template_base}_body.html", context)))
    return render_to_string("email/bilingual.html", {"parts": parts, "subject": subject})


def bilingual_message(
    template_base: str,
    context: dict,
    address: str,
    *,
    html: bool = False,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """One person's message, not stored yet (`queue_messages` stores a batch of them):
    plain text, and with `html` an HTML alternative from `<template_base>_body.html`;
    `headers` such as List-Unsubscribe."""
    context = {**context, "base_url": settings.PORTAL_BASE_URL}
    subject, body = render_bilingual(template_base, context)
    message = EmailMultiAlternatives(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [address],
        headers=headers or {},
    )
    if html:
        message.attach_alternative(
            render_bilingual_html(template_base, context, subject=subject), "text/html"
        )
    return message


def send_to_people(template_base: str, context: dict, recipients: list[str]) -> None:
    """One message per address, stored in the outbox within the caller's transaction.

    A rollback sends nothing; after the commit the background queue sends them and retries
    while the mail server is down, so the request never waits for or fails on it.
    """
    recipients = [address for address in recipients if address]
    if not recipients:
        return
    subject, body = render_bilingual(
        template_base, {**context, "base_url": settings.PORTAL_BASE_URL}
    )
    queue_messages(
        EmailMessage(
            settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [address],
        )
        for address in recipients
    )
