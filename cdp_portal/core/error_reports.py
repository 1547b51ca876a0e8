"""Optional error reports to Sentry (or any service speaking its protocol), set up by
settings.py when SENTRY_DSN is set.

Reports carry the request id as a tag, so a report leads to the request's log lines and
back. They carry no personal data: no cookies, user or client address
(send_default_pii=False), no request body, no query string (reset and sign-in tokens
travel there) and no local variables of the stack frames, whose values (a request's
repr with its query string, a form's cleaned data, a message body) are too varied to
scrub by name.
"""

from __future__ import annotations

from typing import Any

from .request_id import current_request_id


def init_sentry(
    *, dsn: str, environment: str, release: str | None, traces_sample_rate: float
) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=scrub_and_tag,
        before_send_transaction=scrub_and_tag,
    )


def scrub_and_tag(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Runs in the thread that reports the error, where the request id is bound."""
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("query_string", None)
        request.pop("cookies", None)
        request.pop("data", None)
    return event
