"""System checks for settings that Django's own `check --deploy` cannot know about."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_MAIL_BACKEND = "cdp_portal.core.mail.OneFilePerMessageBackend"


@register(Tags.security, deploy=True)
def mail_leaves_the_server(app_configs, **kwargs):
    """Sign-up needs its verification e-mail: files under var/mail/ reach nobody."""
    if settings.EMAIL_BACKEND != LOCAL_MAIL_BACKEND:
        return []
    return [
        Warning(
            "E-mail is written to files under EMAIL_FILE_PATH instead of being sent, so "
            "nobody receives the sign-up verification or password-reset messages.",
            hint="Set EMAIL_URL (smtp+tls://user:password@host:587) or EMAIL_HOST.",
            id="cdp_portal.W001",
        )
    ]


# --- Deployment (deploy/) -------------------------------------------------------------
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


@register(Tags.security, deploy=True)
def base_url_is_public(app_configs, **kwargs):
    """E-mail links (invitations, notifications, password resets) start with
    PORTAL_BASE_URL: left at its default, every one points to the sender's own machine."""
    base_url = settings.PORTAL_BASE_URL
    host = (urlsplit(base_url).hostname or "").lower()
    if base_url.rstrip("/") != DEFAULT_BASE_URL and host not in LOCAL_HOSTS:
        return []
    return [
        Warning(
            f"PORTAL_BASE_URL is {base_url!r}: the links in the portal's e-mail would point "
            "to this machine, not to the site people use.",
            hint="Set PORTAL_BASE_URL to the public address, e.g. https://cdp.univ.example.",
            id="cdp_portal.W002",
        )
    ]


def server_processes() -> int | None:
    """How many processes serve the portal, as far as the settings tell: gunicorn's
    WEB_CONCURRENCY workers (None: deploy/gunicorn.conf.py's default, two per core plus
    one, so several), plus the db_worker that PORTAL_TASKS_BACKEND=database needs."""
    if settings.WEB_CONCURRENCY is None:
        return None
    worker = 1 if settings.PORTAL_TASKS_BACKEND == "database" else 0
    return settings.WEB_CONCURRENCY + worker


@register(Tags.caches, deploy=True)
def several_processes_share_redis(app_configs, **kwargs):
    """Without REDIS_URL the cache is per process: each process counts failed sign-ins on
    its own (N processes let N times the limit through) and keeps its own cached library
    counts. Only a single process (WEB_CONCURRENCY=1 and tasks run in the request) may do
    without Redis."""
    if settings.REDIS_URL:
        return []
    processes = server_processes()
    if processes == 1:
        return []
    described = "several processes" if processes is None else f"{processes} processes"
    return [
        Warning(
            f"The portal would run as {described} (WEB_CONCURRENCY="
            f"{settings.WEB_CONCURRENCY or 'unset: 2 per core + 1'}, PORTAL_TASKS_BACKEND="
            f"{settings.PORTAL_TASKS_BACKEND}) without REDIS_URL: sign-in limits and cached "
            "counts would not be shared between them.",
            hint="Set REDIS_URL (redis://HOST:6379/0), or WEB_CONCURRENCY=1 with "
            "PORTAL_TASKS_BACKEND=immediate for a single-process site.",
            id="cdp_portal.W003",
        )
    ]
