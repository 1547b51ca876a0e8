"""Single sign-on through the institution's identity provider (README, "Single sign-on").

allauth's own SAML 2.0 and OpenID Connect providers do the protocols; the settings build
their configuration from the environment only (`SOCIALACCOUNT_PROVIDERS`, never the
database's `SocialApp`). What this module adds to them:

- the provider subclasses read, besides the e-mail address and names allauth maps, the
  profile's unit, campus and job title and whether the identity provider asserted a
  second factor (SAML `AuthnContextClassRef`, OIDC `amr`/`acr`), into the social
  account's `extra_data[SSO_DATA]`; they also carry over from the stored account the
  values the provider sent at the last sign-in, which allauth overwrites before any hook
  sees them. `communities` refreshes the profile from both on every sign-in
  (`communities.signals`), so a field the person edited on the portal is left alone;
- the adapter: only verified addresses link an identity to an existing account, the
  institution's domains apply, an identity without an address or whose address belongs
  to an unverified account is refused with a page saying why;
- the second-factor stage: a sign-in whose provider asserted one is not asked the
  portal's own code again, and the session then counts as two-factor for the staff
  rule (`cdp_portal.core.middleware.IDP_SECOND_FACTOR_SESSION_KEY`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from allauth.account.internal.flows.email_verification import (
    send_verification_email_to_address,
)
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.stages import AuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter, _build_apps_from_settings
from allauth.socialaccount.models import SocialAccount, SocialLogin
from allauth.socialaccount.providers.base.constants import AuthProcess
from allauth.socialaccount.providers.openid_connect.provider import (
    OpenIDConnectProvider,
    _pick_data,
)
from allauth.socialaccount.providers.saml.provider import SAMLProvider
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

logger = logging.getLogger(__name__)

# The portal's part of a social account's extra_data (allauth's keys are the provider's
# attributes or claims, which never take this name).
SSO_DATA = "cdp_portal"
# The profile fields an identity provider may fill, and refreshes at each sign-in.
PROFILE_FIELDS = ("job_title", "unit", "campus")


# --- What the identity provider said ------------------------------------------------------


def _first_value(values: Any) -> str:
    """A SAML attribute is a list of values, a claim a value or a list: the first, as text."""
    if isinstance(values, list | tuple):
        values = next((value for value in values if value not in (None, "")), "")
    if values is None or isinstance(values, dict):
        return ""
    return str(values).strip()


def _profile_values(mapping: dict[str, list[str]], found: dict[str, Any]) -> dict[str, str]:
    """For each profile field, the first of its configured names that `found` holds; a
    field none of whose names came is absent (not ""), so that it is left as it is."""
    values = {}
    for field in PROFILE_FIELDS:
        for name in mapping.get(field) or []:
            if name in found:
                values[field] = _first_value(found[name])
                break
    return values


class PortalProviderMixin:
    """What both providers record about a sign-in, in `extra_data[SSO_DATA]`: `email`
    (as asserted), `mfa` (bool), `profile` (the fields sent this time) and
    `profile_synced` (those sent at the last sign-in, as the profile was last refreshed
    from them; None at the first)."""

    app: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = self.app.name or _("Compte de l'établissement")

    def asserted_second_factor(self, response: Any) -> bool:
        raise NotImplementedError

    def profile_from_response(self, response: Any) -> dict[str, str]:
        raise NotImplementedError

    def sociallogin_from_response(self, request: HttpRequest, response: Any) -> SocialLogin:
        login = super().sociallogin_from_response(request, response)  # type: ignore[misc]
        account = login.account
        stored = (
            SocialAccount.objects.filter(provider=account.provider, uid=account.uid)
            .values_list("extra_data", flat=True)
            .first()
        )
        previous = stored.get(SSO_DATA) if isinstance(stored, dict) else None
        account.extra_data[SSO_DATA] = {
            # As asserted: allauth drops an address the portal's rules refuse (its
            # domain), and the refusal must name it.
            "email": _first_value(self.extract_common_fields(response).get("email")),  # type: ignore[attr-defined]
            "mfa": self.asserted_second_factor(response),
            "profile": self.profile_from_response(response),
            "profile_synced": (previous or {}).get("profile_synced"),
        }
        return login


class PortalSAMLProvider(PortalProviderMixin, SAMLProvider):
    """`response` is python3-saml's processed `OneLogin_Saml2_Auth`."""

    # allauth finds a provider's URLs and templates by its package.
    package = "allauth.socialaccount.providers.saml"

    def asserted_second_factor(self, response: Any) -> bool:
        accepted = set(self.app.settings.get("mfa_contexts") or [])
        return bool(accepted & set(response.get_last_authn_contexts() or []))

    def profile_from_response(self, response: Any) -> dict[str, str]:
        return _profile_values(
            self.app.settings.get("profile_mapping", {}), response.get_attributes()
        )


class PortalOpenIDConnectProvider(PortalProviderMixin, OpenIDConnectProvider):
    """`response` is {"userinfo": claims, "id_token": claims} (either may be missing)."""

    package = "allauth.socialaccount.providers.openid_connect"

    def _claims(self, response: dict) -> dict[str, Any]:
        return {**(response.get("id_token") or {}), **_pick_data(response)}

    def asserted_second_factor(self, response: Any) -> bool:
        id_token = response.get("id_token") or {}
        methods = id_token.get("amr") or []
        if isinstance(methods, str):
            methods = [methods]
        accepted_methods = set(self.app.settings.get("mfa_amr") or [])
        accepted_classes = set(self.app.settings.get("mfa_acr") or [])
        return bool(accepted_methods & set(methods)) or id_token.get("acr") in accepted_classes

    def profile_from_response(self, response: Any) -> dict[str, str]:
        return _profile_values(self.app.settings.get("profile_mapping", {}), self._claims(response))

    def _mapped(self, data: dict) -> dict[str, str]:
        claims = {**(data.get("id_token") or {}), **_pick_data(data)}
        mapping = self.app.settings.get("claim_mapping", {})
        return {
            field: _first_value(claims.get(mapping.get(field) or default))
            for field, default in (
                ("email", "email"),
                ("first_name", "given_name"),
                ("last_name", "family_name"),
            )
        }

    def extract_common_fields(self, data: dict) -> dict:
        fields = super().extract_common_fields(data)
        fields.update(self._mapped(data))
        return fields

    def extract_email_addresses(self, data: dict) -> list:
        email = self._mapped(data)["email"]
        # Verified or not, the adapter's `is_email_verified` (the app's "verified_email")
        # decides: the institution's provider vouches for its people's addresses.
        return [EmailAddress(email=email, verified=False, primary=True)] if email else []


def idp_asserted_second_factor(sociallogin: SocialLogin | None) -> bool:
    if sociallogin is None:
        return False
    data = (sociallogin.account.extra_data or {}).get(SSO_DATA) or {}
    return bool(data.get("mfa"))


def idp_profile(sociallogin: SocialLogin) -> tuple[dict[str, str], dict[str, str] | None]:
    """(what the identity provider sent this time, what it had sent when the profile was
    last refreshed: None before the first refresh)."""
    data = (sociallogin.account.extra_data or {}).get(SSO_DATA) or {}
    return dict(data.get("profile") or {}), data.get("profile_synced")


def remember_profile_synced(sociallogin: SocialLogin, synced: dict[str, str]) -> None:
    """Keep, on the social account, the values the profile was just refreshed from."""
    account = sociallogin.account
    if account.pk is None:
        return
    account.extra_data.setdefault(SSO_DATA, {})["profile_synced"] = synced
    SocialAccount.objects.filter(pk=account.pk).update(extra_data=account.extra_data)


# --- The login page's buttons ---------------------------------------------------------------


@dataclass(frozen=True)
class SignInButton:
    name: str
    url: str


def sign_in_buttons(request: HttpRequest) -> list[SignInButton]:
    """One button per configured identity provider, read from the settings (no query)."""
    adapter = PortalSocialAccountAdapter(request)
    return [
        SignInButton(name=str(provider.name), url=provider.get_login_url(request))
        for provider in adapter.list_providers(request)
    ]


def single_sign_on_configured() -> bool:
    return bool(getattr(settings, "SOCIALACCOUNT_PROVIDERS", None))


# --- The adapter ----------------------------------------------------------------------------

REFUSALS = {
    "no_email": (
        _lazy("Votre établissement n'a pas transmis d'adresse e-mail"),
        _lazy(
            "Le portail identifie chaque personne par son adresse e-mail. Demandez au service "
            "informatique de votre établissement de la transmettre au portail."
        ),
    ),
    "domain": (
        _lazy("Cette adresse n'est pas acceptée sur le portail"),
        _lazy(
            "Seules les adresses de l'établissement sont acceptées (%(domains)s). Votre "
            "fournisseur d'identité a transmis %(email)s."
        ),
    ),
    "unverified": (
        _lazy("Un compte attend la confirmation de cette adresse"),
        _lazy(
            "Un compte du portail utilise déjà %(email)s, mais cette adresse n'y a jamais été "
            "confirmée : nous ne le relions pas à votre identité sans preuve. Un message de "
            "confirmation vient d'être envoyé à cette adresse ; suivez son lien, puis "
            "reconnectez-vous avec votre établissement."
        ),
    ),
}


def _refuse(request: HttpRequest, reason: str, **details: str) -> ImmediateHttpResponse:
    title, text = REFUSALS[reason]
    logger.info("Single sign-on refused: %s", reason)
    return ImmediateHttpResponse(
        render(
            request,
            "socialaccount/refused.html",
            {"refusal_title": title, "refusal_text": str(text) % details, "reason": reason},
            status=403,
        )
    )


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(
        self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None
    ) -> list:
        # Only the settings' apps: no query for every page that lists the buttons, and no
        # identity provider added behind the environment's back through the admin.
        apps_by_provider = _build_apps_from_settings(provider=provider, client_id=client_id)
        return [app for apps in apps_by_provider.values() for app in apps]

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # The institution's people always get an account (PORTAL_PASSWORD_LOGIN only
        # closes the password sign-up).
        return True

    def authenticate_by_email(self, sociallogin: SocialLogin) -> tuple[Any, str] | None:
        """An existing account is this identity's only through an address verified on the
        portal; allauth would also take an unverified one (and wipe its password)."""
        for address in sociallogin.email_addresses:
            if not address.verified:
                continue
            found = (
                EmailAddress.objects.filter(email__iexact=address.email, verified=True)
                .select_related("user")
                .first()
            )
            if found is not None:
                return found.user, found.email
        return None

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        asserted = (sociallogin.account.extra_data or {}).get(SSO_DATA, {}).get("email", "")
        email = (sociallogin.user.email if sociallogin.user else "") or asserted
        if not email:
            raise _refuse(request, "no_email")
        allowed = settings.PORTAL_ALLOWED_EMAIL_DOMAINS
        if allowed and email.rsplit("@", 1)[-1].lower() not in allowed:
            raise _refuse(
                request,
                "domain",
                email=email,
                domains=", ".join("@" + domain for domain in allowed),
            )
        if sociallogin.is_existing or sociallogin.state.get("process") == AuthProcess.CONNECT:
            return
        # A new identity whose address an account holds without having verified it: not
        # taken over (whoever created it may not own the address), not duplicated either.
        # The address is sent a confirmation link; once followed, the next sign-in links.
        account = get_user_model().objects.filter(email__iexact=email).first()
        if account is not None:
            address, _created = EmailAddress.objects.get_or_create(
                user=account, email__iexact=email, defaults={"email": account.email}
            )
            send_verification_email_to_address(request, address)
            raise _refuse(request, "unverified", email=email)

    def populate_user(self, request: HttpRequest, sociallogin: SocialLogin, data: dict) -> Any:
        user = super().populate_user(request, sociallogin, data)
        user.display_name = f"{user.first_name} {user.last_name}".strip()[:150]
        return user

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        reason = (extra_context or {}).get("saml_last_error_reason") or exception or error
        logger.warning(
            "Single sign-on failed with %s: %s", getattr(provider, "id", provider), reason
        )


# --- The second factor ------------------------------------------------------------------------


class IdentityProviderAwareAuthenticateStage(AuthenticateStage):
    """allauth's "enter your code" step, skipped when the identity provider asserted a
    second factor for this very sign-in."""

    def _should_handle(self, request: HttpRequest) -> bool:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if idp_asserted_second_factor(sociallogin):
            return False
        return super()._should_handle(request)
