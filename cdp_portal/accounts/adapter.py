from dataclasses import dataclass
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit
from django import forms
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cdp_portal.core.client_ip import client_ip
from cdp_portal.core.middleware import IDP_SECOND_FACTOR_SESSION_KEY
from cdp_portal.core.redirects import is_safe_next_url
from cdp_portal.outbox.services import queue_messages

from .sso import idp_asserted_second_factor

# The account-wide part of the failed sign-in limit (settings.ACCOUNT_RATE_LIMITS).
ACCOUNT_LIMIT = "login_failed_account"
# allauth's "enter your code" stage, and the portal's, which knows what the institution's
# identity provider asserted (cdp_portal.accounts.sso).
ALLAUTH_MFA_STAGE = "allauth.mfa.stages.AuthenticateStage"
PORTAL_MFA_STAGE = "cdp_portal.accounts.sso.IdentityProviderAwareAuthenticateStage"


@dataclass(frozen=True)
class PortalSite:
    """What allauth's e-mails call `current_site` ("Bonjour, c'est {{ name }} !"): without
    django.contrib.sites, Django's stand-in is named after the host, so people were
    greeted by "127.0.0.1:8000"."""

    name: str
    domain: str


class PortalAccountAdapter(DefaultAccountAdapter):
    """Keeps sign-up to the institution's e-mail domains when they are configured, sees
    the client behind the proxies, and counts failed sign-ins per (address, e-mail)."""

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's own reading of X-Forwarded-For raises (500) on a short header.
        return client_ip(request)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # "key" in LOGIN_RATE_LIMIT: this e-mail typed from this client address.
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}|{ratelimit.get_ip(request)}"

    def _get_account_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        return super()._get_login_attempts_cache_key(request, **credentials)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Sign-up with a password; the identity provider's people get their account at
        # their first sign-in (sso.PortalSocialAccountAdapter.is_open_for_signup).
        return settings.PORTAL_PASSWORD_LOGIN

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        if not settings.PORTAL_PASSWORD_LOGIN:
            # The pages say so before (accounts.middleware); this is the last word.
            raise forms.ValidationError(_("La connexion par mot de passe est désactivée."))
        super().pre_authenticate(request, **credentials)
        # Then the whole account, from every address together. Counted into the same
        # usage so that a correct password rolls both back, as allauth does for its own.
        usage = ratelimit.consume(
            request,
            app="allauth.account",
            action=ACCOUNT_LIMIT,
            key=self._get_account_cache_key(request, **credentials),
        )
        if not usage:
            raise self.validation_error("too_many_login_attempts")
        self._login_failed_rl_usage.usage.extend(usage.usage)

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        # After a password reset: the account's count and this address's.
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(
            request,
            app="allauth.account",
            action=ACCOUNT_LIMIT,
            key=self._get_account_cache_key(request, **credentials),
        )

    def get_login_stages(self) -> list[str]:
        stages = super().get_login_stages()
        return [PORTAL_MFA_STAGE if path == ALLAUTH_MFA_STAGE else path for path in stages]

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> Any:
        # Whether this sign-in's second factor was the identity provider's, for the staff
        # rule (cdp_portal.core.middleware.second_factor_refusal); any other sign-in
        # clears it.
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        if idp_asserted_second_factor(sociallogin):
            request.session[IDP_SECOND_FACTOR_SESSION_KEY] = True
        else:
            request.session.pop(IDP_SECOND_FACTOR_SESSION_KEY, None)
        return super().post_login(request, user, **kwargs)

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

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's messages (verification, password reset, codes…) go through the outbox:
        stored with the request's data, sent after it commits, retried if the server is
        down, so sign-up and password reset never fail because mail does."""
        request = allauth_context.request
        site = PortalSite(
            # In the language of the request that sends it, like the rest of the message.
            name=str(settings.PORTAL_NAME),
            domain=get_current_site(request).domain,
        )
        ctx = {"request": request, "email": email, "current_site": site}
        ctx.update(context)
        queue_messages([self.render_mail(template_prefix, email, ctx)])
