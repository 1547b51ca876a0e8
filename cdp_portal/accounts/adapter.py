from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django import forms
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.utils.translation import gettext as _

from cdp_portal.outbox.services import queue_messages


class PortalAccountAdapter(DefaultAccountAdapter):
    """Keeps sign-up to the institution's e-mail domains when they are configured."""

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        allowed = settings.PORTAL_ALLOWED_EMAIL_DOMAINS
        domain = email.rsplit("@", 1)[-1].lower()
        if allowed and domain not in allowed:
            raise forms.ValidationError(
                _("Seules les adresses de l'établissement sont acceptées (%(domains)s).")
                % {"domains": ", ".join("@" + d for d in allowed)}
            )
        return email

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's messages (verification, password reset, codes…) go through the outbox:
        stored with the request's data, sent after it commits, retried if the server is
        down, so sign-up and password reset never fail because mail does."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        queue_messages([self.render_mail(template_prefix, email, ctx)])
