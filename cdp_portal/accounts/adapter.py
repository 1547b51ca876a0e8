from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings
from django.utils.translation import gettext as _

from cdp_portal.redirects import is_safe_next_url


class PortalAccountAdapter(DefaultAccountAdapter):
    """Keeps sign-up to the institution's e-mail domains when they are configured."""

    def is_safe_url(self, url: str) -> bool:
        # allauth's `next` after login, logout, sign-up… follows the portal's one rule.
        return is_safe_next_url(self.request, url)

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
