"""System checks for settings that Django's own `check --deploy` cannot know about."""

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
