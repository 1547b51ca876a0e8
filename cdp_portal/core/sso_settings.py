"""allauth's `SOCIALACCOUNT_PROVIDERS` built from the environment (README, "Single sign-on").

One function of the environment, so that settings.py and the tests build the very same
configuration from the same variables. Each identity provider is on when its first
variable is set: PORTAL_SAML_IDP_METADATA_URL (or _FILE) for SAML 2.0,
PORTAL_OIDC_SERVER_URL for OpenID Connect; `cdp_portal/core/config.py` checks them at
start. The provider classes are named even when nothing is configured: allauth's registry
reads them once, when the apps load.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REFEDS_MFA = "https://refeds.org/profile/mfa"
DEFAULT_SLUG = "institution"
SAML_PROVIDER_CLASS = "cdp_portal.accounts.sso.PortalSAMLProvider"
OIDC_PROVIDER_CLASS = "cdp_portal.accounts.sso.PortalOpenIDConnectProvider"
# Shibboleth's usual attributes (urn:oid names): subject-id or eduPersonPrincipalName as
# the identity (else the NameID), mail, givenName, sn, ou, l (locality), title.
SAML_DEFAULT_ATTRIBUTES = {
    "UID": "urn:oasis:names:tc:SAML:attribute:subject-id urn:oid:1.3.6.1.4.1.5923.1.1.1.6",
    "EMAIL": "urn:oid:0.9.2342.19200300.100.1.3",
    "FIRST_NAME": "urn:oid:2.5.4.42",
    "LAST_NAME": "urn:oid:2.5.4.4",
    "UNIT": "urn:oid:2.5.4.11",
    "CAMPUS": "urn:oid:2.5.4.7",
    "JOB_TITLE": "urn:oid:2.5.4.12",
}


def _names(environment: Mapping[str, str], variable: str, default: str = "") -> list[str]:
    """A comma- or space-separated list of attribute, claim or scope names."""
    value = environment.get(variable, default)
    return value.replace(",", " ").split()


def _text(environment: Mapping[str, str], variable: str, default: str = "") -> str:
    return environment.get(variable, "").strip() or default


def _file_text(environment: Mapping[str, str], variable: str) -> str:
    path = _text(environment, variable)
    return Path(path).read_text() if path else ""


def saml_metadata_address(environment: Mapping[str, str]) -> str:
    """The IdP's metadata address: a file is read through a file:// address, which
    python3-saml opens like a remote one (and allauth caches alike)."""
    url = _text(environment, "PORTAL_SAML_IDP_METADATA_URL")
    path = _text(environment, "PORTAL_SAML_IDP_METADATA_FILE")
    return url or (Path(path).resolve().as_uri() if path else "")


def saml_app(environment: Mapping[str, str]) -> dict[str, Any]:
    def attributes(name: str) -> list[str]:
        return _names(environment, f"PORTAL_SAML_ATTRIBUTE_{name}", SAML_DEFAULT_ATTRIBUTES[name])

    sp_cert = _file_text(environment, "PORTAL_SAML_SP_CERT_FILE")
    signing = (
        {
            "x509cert": sp_cert,
            "private_key": _file_text(environment, "PORTAL_SAML_SP_KEY_FILE"),
            "authn_request_signed": True,
        }
        if sp_cert
        else {}
    )
    return {
        # The slug in the addresses: /accounts/saml/<slug>/acs/, …/metadata/.
        "client_id": _text(environment, "PORTAL_SAML_SLUG", DEFAULT_SLUG),
        "name": _text(environment, "PORTAL_SAML_LABEL"),
        "settings": {
            "idp": {
                # None: the metadata's only identity provider.
                "entity_id": _text(environment, "PORTAL_SAML_IDP_ENTITY_ID") or None,
                "metadata_url": saml_metadata_address(environment),
                "metadata_cache_timeout": int(
                    _text(environment, "PORTAL_SAML_METADATA_CACHE_SECONDS", str(4 * 3600))
                ),
            },
            # Empty: the portal's metadata address (/accounts/saml/<slug>/metadata/).
            "sp": {"entity_id": _text(environment, "PORTAL_SAML_SP_ENTITY_ID")},
            # For each field, the first of its attributes that the assertion carries.
            "attribute_mapping": {
                "uid": attributes("UID"),
                "email": attributes("EMAIL"),
                "first_name": attributes("FIRST_NAME"),
                "last_name": attributes("LAST_NAME"),
            },
            "profile_mapping": {
                "unit": attributes("UNIT"),
                "campus": attributes("CAMPUS"),
                "job_title": attributes("JOB_TITLE"),
            },
            # AuthnContextClassRef values that mean a second factor was used.
            "mfa_contexts": _names(environment, "PORTAL_SAML_MFA_CONTEXTS", REFEDS_MFA),
            # The institution's identity provider vouches for its people's addresses.
            "verified_email": True,
            "email_authentication": True,
            "advanced": {"strict": True, "want_attribute_statement": True, **signing},
        },
    }


def oidc_app(environment: Mapping[str, str]) -> dict[str, Any]:
    def claims(name: str) -> list[str]:
        return _names(environment, f"PORTAL_OIDC_CLAIM_{name}")

    return {
        # The slug in the addresses: /accounts/oidc/<slug>/login/callback/.
        "provider_id": _text(environment, "PORTAL_OIDC_SLUG", DEFAULT_SLUG),
        "name": _text(environment, "PORTAL_OIDC_LABEL"),
        "client_id": _text(environment, "PORTAL_OIDC_CLIENT_ID"),
        "secret": environment.get("PORTAL_OIDC_CLIENT_SECRET", ""),
        "settings": {
            "server_url": _text(environment, "PORTAL_OIDC_SERVER_URL"),
            "scope": _names(environment, "PORTAL_OIDC_SCOPES", "openid profile email"),
            "uid_field": _text(environment, "PORTAL_OIDC_CLAIM_UID", "sub"),
            "oauth_pkce_enabled": True,
            "claim_mapping": {
                "email": _text(environment, "PORTAL_OIDC_CLAIM_EMAIL", "email"),
                "first_name": _text(environment, "PORTAL_OIDC_CLAIM_FIRST_NAME", "given_name"),
                "last_name": _text(environment, "PORTAL_OIDC_CLAIM_LAST_NAME", "family_name"),
            },
            "profile_mapping": {
                "unit": claims("UNIT"),
                "campus": claims("CAMPUS"),
                "job_title": claims("JOB_TITLE"),
            },
            # A second factor: one of these methods in the ID token's `amr`, or its `acr`.
            "mfa_amr": _names(environment, "PORTAL_OIDC_MFA_AMR", "mfa otp hwk"),
            "mfa_acr": _names(environment, "PORTAL_OIDC_MFA_ACR", REFEDS_MFA),
            "verified_email": True,
            "email_authentication": True,
        },
    }


def single_sign_on_providers(environment: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    providers: dict[str, dict[str, Any]] = {
        "saml": {"provider_class": SAML_PROVIDER_CLASS},
        "openid_connect": {"provider_class": OIDC_PROVIDER_CLASS},
    }
    if saml_metadata_address(environment):
        providers["saml"]["APPS"] = [saml_app(environment)]
    if _text(environment, "PORTAL_OIDC_SERVER_URL"):
        providers["openid_connect"]["APPS"] = [oidc_app(environment)]
    return providers


def single_sign_on_origins(environment: Mapping[str, str]) -> list[str]:
    """Where the sign-in buttons' forms lead (through the portal's redirect): the
    identity providers' origins, which the Content-Security-Policy's form-action must
    allow, or the browser stops at the redirect. The OIDC issuer's, the SAML metadata's,
    and PORTAL_SSO_FORM_ACTION_ORIGINS for a sign-in page served from another host (a
    metadata file, federation metadata)."""
    addresses = [
        _text(environment, "PORTAL_OIDC_SERVER_URL"),
        _text(environment, "PORTAL_SAML_IDP_METADATA_URL"),
        *_names(environment, "PORTAL_SSO_FORM_ACTION_ORIGINS"),
    ]
    origins = []
    for address in addresses:
        parts = urlsplit(address)
        if parts.scheme in ("http", "https") and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return origins
