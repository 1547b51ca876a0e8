"""The identity providers the single sign-on tests start: real processes on free loopback
ports speaking SAML 2.0 and OpenID Connect over HTTP, stopped by their PID.

- `SamlIdentityProvider`: pysaml2's IdP (tests/idp/saml_idp.py), signing with xmlsec1;
- `OidcIdentityProvider`: panva's oidc-provider under Node (tests/idp/oidc_provider.mjs),
  installed by `npm ci` in tests/idp (`make idp-tools`).

Each one has a users file that the tests rewrite (`set_users`): the providers read it at
every sign-in. `environment()` gives the PORTAL_* variables that point the portal at it,
which the tests turn into settings with the same function as settings.py
(`cdp_portal.core.sso_settings.single_sign_on_providers`).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

IDP_DIR = Path(__file__).resolve().parent
SLUG = "univ"
OIDC_CLIENT_ID = "cdp-portal"
OIDC_CLIENT_SECRET = "cdp-portal-test-secret"
REFEDS_MFA = "https://refeds.org/profile/mfa"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    """A key and its self-signed certificate, as PEM files: (key, certificate)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class IdentityProviderProcess:
    name = ""
    ready_path = ""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.users_file = directory / "users.json"
        self.log_path = directory / f"{self.name}.log"
        self.process: subprocess.Popen | None = None
        self.set_users({})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        raise NotImplementedError

    def set_users(self, users: dict) -> None:
        self.users_file.write_text(json.dumps(users))

    def start(self, timeout: float = 30) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=IDP_DIR
            )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start on {self.url}:\n{self.log()}")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + self.ready_path, timeout=1):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, 15)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, 9)
            self.process.wait()


class SamlIdentityProvider(IdentityProviderProcess):
    name = "saml-idp"
    ready_path = "/metadata"

    def __init__(self, directory: Path, portal_url: str) -> None:
        super().__init__(directory)
        self.portal_url = portal_url
        self.key_file, self.cert_file = self_signed(directory, "idp")
        self.rogue_key_file, self.rogue_cert_file = self_signed(directory, "rogue")
        self.config_file = directory / "saml-idp.json"
        self.config_file.write_text(
            json.dumps(
                {
                    "port": self.port,
                    "base_url": self.url,
                    "key_file": str(self.key_file),
                    "cert_file": str(self.cert_file),
                    "rogue_key_file": str(self.rogue_key_file),
                    "rogue_cert_file": str(self.rogue_cert_file),
                    "users_file": str(self.users_file),
                    # The portal's own SP metadata view.
                    "sp_metadata_url": f"{portal_url}/accounts/saml/{SLUG}/metadata/",
                }
            )
        )

    def command(self) -> list[str]:
        if not shutil.which("xmlsec1"):
            raise RuntimeError("the SAML IdP signs with xmlsec1: apt-get install xmlsec1")
        return [sys.executable, str(IDP_DIR / "saml_idp.py"), str(self.config_file)]

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/metadata"

    def environment(self, **extra: str) -> dict[str, str]:
        return {
            "PORTAL_SAML_IDP_METADATA_URL": self.metadata_url,
            "PORTAL_SAML_SLUG": SLUG,
            "PORTAL_SAML_LABEL": "Université (SAML)",
            **extra,
        }

    @staticmethod
    def user(
        login: str,
        *,
        email: str,
        first_name: str = "Camille",
        last_name: str = "Roy",
        unit: str | None = "Faculté des sciences",
        campus: str | None = "Campus principal",
        job_title: str | None = "Conseillère pédagogique",
        mfa: bool = False,
        rogue: bool = False,
        password: str = "idp-password",
    ) -> dict:
        """A person of the IdP, in pysaml2's friendly attribute names (sent as urn:oid)."""
        attributes = {
            "eduPersonPrincipalName": [f"{login}@univ.example"],
            "mail": [email],
            "givenName": [first_name],
            "sn": [last_name],
        }
        for name, value in (("ou", unit), ("l", campus), ("title", job_title)):
            if value is not None:
                attributes[name] = [value]
        return {
            login: {
                "password": password,
                "attributes": attributes,
                "authn_context": REFEDS_MFA if mfa else "",
                "rogue": rogue,
            }
        }


class OidcIdentityProvider(IdentityProviderProcess):
    name = "oidc-provider"
    ready_path = "/.well-known/openid-configuration"

    def __init__(self, directory: Path, portal_url: str) -> None:
        super().__init__(directory)
        self.config_file = directory / "oidc-provider.json"
        self.config_file.write_text(
            json.dumps(
                {
                    "port": self.port,
                    "issuer": self.url,
                    "users_file": str(self.users_file),
                    "client": {
                        "client_id": OIDC_CLIENT_ID,
                        "client_secret": OIDC_CLIENT_SECRET,
                        "redirect_uris": [f"{portal_url}/accounts/oidc/{SLUG}/login/callback/"],
                    },
                }
            )
        )

    def command(self) -> list[str]:
        node = shutil.which("node")
        if not node or not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError("the OIDC provider needs Node and `npm ci` in tests/idp")
        return [node, str(IDP_DIR / "oidc_provider.mjs"), str(self.config_file)]

    def environment(self, **extra: str) -> dict[str, str]:
        return {
            "PORTAL_OIDC_SERVER_URL": self.url,
            "PORTAL_OIDC_CLIENT_ID": OIDC_CLIENT_ID,
            "PORTAL_OIDC_CLIENT_SECRET": OIDC_CLIENT_SECRET,
            "PORTAL_OIDC_SLUG": SLUG,
            "PORTAL_OIDC_LABEL": "Université (OIDC)",
            "PORTAL_OIDC_CLAIM_UNIT": "department",
            "PORTAL_OIDC_CLAIM_CAMPUS": "campus",
            "PORTAL_OIDC_CLAIM_JOB_TITLE": "title",
            **extra,
        }

    @staticmethod
    def user(
        login: str,
        *,
        email: str,
        first_name: str = "Camille",
        last_name: str = "Roy",
        unit: str | None = "Faculté des sciences",
        campus: str | None = "Campus principal",
        job_title: str | None = "Conseillère pédagogique",
        mfa: bool = False,
        rogue: bool = False,
        password: str = "idp-password",
    ) -> dict:
        claims = {
            "email": email,
            "email_verified": True,
            "given_name": first_name,
            "family_name": last_name,
            "name": f"{first_name} {last_name}",
        }
        for name, value in (("department", unit), ("campus", campus), ("title", job_title)):
            if value is not None:
                claims[name] = value
        return {
            login: {
                "password": password,
                "claims": claims,
                "amr": ["pwd", "otp"] if mfa else ["pwd"],
            }
        }


def saml_metadata_file(directory: Path, entity_id: str = "https://idp.univ.example/idp") -> Path:
    """A SAML IdP's metadata as a file (PORTAL_SAML_IDP_METADATA_FILE), for tests that need
    the portal's SAML pages without an IdP to talk to: its SSO address answers nothing."""
    _key, cert_path = self_signed(directory, "metadata-idp")
    certificate = "".join(
        line for line in cert_path.read_text().splitlines() if "CERTIFICATE" not in line
    )
    path = directory / "idp-metadata.xml"
    path.write_text(
        f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{certificate}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="https://idp.univ.example/idp/profile/SAML2/Redirect/SSO"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""
    )
    return path
