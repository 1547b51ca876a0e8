"""A real SAML 2.0 identity provider for the single sign-on tests: pysaml2's IdP
(`saml2.server.Server`, signing with Debian's xmlsec1), served over HTTP on a loopback
port with a login page of its own, as a Shibboleth IdP would be (tests/idp/README.md).

    python tests/idp/saml_idp.py CONFIG.json

CONFIG: {"port", "base_url", "key_file", "cert_file", "rogue_key_file",
"rogue_cert_file", "users_file", "sp_metadata_url"}. The service provider's metadata is
read from the portal itself (`sp_metadata_url`) at each authentication request, as an IdP
administrator registers an SP from its metadata. USERS_FILE, read again at every sign-in
so that a test may change what the IdP asserts: {"<login>": {"password", "attributes":
{"mail": [...], "givenName": [...], ...} (pysaml2's friendly names, sent as urn:oid
names), "authn_context": "<AuthnContextClassRef>", "rogue": true (signs with a key that
is not the one in the metadata)}}. The login page's "Annuler" answers the SP with the
status AuthnFailed, as Shibboleth does when a person cancels.
"""

from __future__ import annotations

import html
import json
import secrets
import sys
import urllib.request
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.s_utils import UnknownPrincipal, UnsupportedBinding
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.samlp import STATUS_AUTHN_FAILED
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

PASSWORD_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def idp_config(settings: dict, key_file: str, cert_file: str) -> IdPConfig:
    base = settings["base_url"]
    config = IdPConfig()
    config.load(
        {
            "entityid": f"{base}/metadata",
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "key_file": key_file,
            "cert_file": cert_file,
            "service": {
                "idp": {
                    "name": "IdP SAML de test",
                    "endpoints": {
                        "single_sign_on_service": [
                            (f"{base}/sso/redirect", BINDING_HTTP_REDIRECT),
                            (f"{base}/sso/post", BINDING_HTTP_POST),
                        ]
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "want_authn_requests_signed": False,
                    "sign_response": True,
                    "sign_assertion": True,
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 15},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                }
            },
            "metadata": {},
        }
    )
    return config


class IdentityProvider:
    def __init__(self, settings: dict) -> None:
        self.settings = settings
        self.server = Server(
            config=idp_config(settings, settings["key_file"], settings["cert_file"])
        )
        # Same entity, another key: its signatures do not hold against the metadata's.
        self.rogue = Server(
            config=idp_config(settings, settings["rogue_key_file"], settings["rogue_cert_file"])
        )
        self.pending: dict[str, tuple[object, str]] = {}

    # --- WSGI -------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        try:
            if path == "/metadata":
                return self.metadata(start_response)
            if path == "/sso/redirect":
                params = parse_qs(environ.get("QUERY_STRING", ""))
                return self.authn_request(start_response, params, BINDING_HTTP_REDIRECT)
            if path == "/sso/post" and method == "POST":
                return self.authn_request(start_response, self._form(environ), BINDING_HTTP_POST)
            if path == "/login" and method == "POST":
                return self.login(start_response, self._form(environ))
        except (UnknownPrincipal, UnsupportedBinding, ValueError, KeyError) as error:
            detail = html.escape(repr(error))
            return self._page(start_response, "400 Bad Request", f"<p>{detail}</p>")
        return self._page(start_response, "404 Not Found", "<p>Not found</p>")

    @staticmethod
    def _form(environ) -> dict[str, list[str]]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return parse_qs(environ["wsgi.input"].read(length).decode())

    @staticmethod
    def _page(start_response, status: str, body: str):
        document = (
            '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            f"<title>IdP SAML de test</title></head><body><main>{body}</main></body></html>"
        )
        start_response(status, [("Content-Type", "text/html; charset=utf-8")])
        return [document.encode()]

    # --- Endpoints --------------------------------------------------------------------
    def metadata(self, start_response):
        xml = create_metadata_string(None, config=self.server.config, sign=False)
        start_response("200 OK", [("Content-Type", "application/samlmetadata+xml")])
        return [xml]

    def _register_service_provider(self) -> None:
        with urllib.request.urlopen(self.settings["sp_metadata_url"], timeout=10) as answer:
            xml = answer.read().decode()
        for server in (self.server, self.rogue):
            server.metadata.load("inline", xml)

    def authn_request(self, start_response, params: dict, binding: str):
        self._register_service_provider()
        request = self.server.parse_authn_request(params["SAMLRequest"][0], binding)
        key = secrets.token_urlsafe(16)
        self.pending[key] = (request.message, params.get("RelayState", [""])[0])
        return self._login_page(start_response, key, "")

    def _login_page(self, start_response, key: str, error: str):
        alert = f'<p role="alert">{html.escape(error)}</p>' if error else ""
        return self._page(
            start_response,
            "200 OK",
            f"""<h1>Connexion à l'établissement (SAML)</h1>{alert}
<form method="post" action="/login"><input type="hidden" name="key" value="{key}">
<p><label for="username">Identifiant</label> <input id="username" name="username"></p>
<p><label for="password">Mot de passe</label>
<input id="password" name="password" type="password"></p>
<p><button type="submit" name="action" value="login">Se connecter</button>
<button type="submit" name="action" value="cancel">Annuler</button></p></form>""",
        )

    def login(self, start_response, form: dict):
        key = form["key"][0]
        request, relay_state = self.pending[key]
        sp_entity_id = request.issuer.text
        acs = self.server.metadata.assertion_consumer_service(sp_entity_id, BINDING_HTTP_POST)[0]
        destination = request.assertion_consumer_service_url or acs["location"]
        if form.get("action", ["login"])[0] == "cancel":
            del self.pending[key]
            response = self.server.create_error_response(
                request.id,
                destination,
                (STATUS_AUTHN_FAILED, "The user cancelled"),
                sign=True,
                sign_alg=SIG_RSA_SHA256,
                digest_alg=DIGEST_SHA256,
            )
            return self._post_back(start_response, str(response), destination, relay_state)
        username = form.get("username", [""])[0]
        user = json.loads(Path(self.settings["users_file"]).read_text()).get(username)
        if user is None or user.get("password") != form.get("password", [""])[0]:
            return self._login_page(start_response, key, "Identifiant ou mot de passe incorrect.")
        del self.pending[key]
        server = self.rogue if user.get("rogue") else self.server
        response = server.create_authn_response(
            identity=user["attributes"],
            in_response_to=request.id,
            destination=destination,
            sp_entity_id=sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"persistent-{username}"),
            authn={
                "class_ref": user.get("authn_context") or PASSWORD_PROTECTED,
                "authn_auth": server.config.entityid,
            },
            sign_response=True,
            sign_assertion=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        return self._post_back(start_response, str(response), destination, relay_state)

    def _post_back(self, start_response, response: str, destination: str, relay_state: str):
        """The HTTP-POST binding: a form the browser posts to the SP's ACS (a script
        submits it; without one, the person presses the button)."""
        info = self.server.apply_binding(
            BINDING_HTTP_POST, response, destination, relay_state, response=True
        )
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [info["data"].encode() if isinstance(info["data"], str) else info["data"]]


class ThreadingServer(ThreadingMixIn, WSGIServer):
    # The portal asks for this IdP's metadata while the IdP waits for the portal's.
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write("saml-idp: " + format % args + "\n")


def main() -> None:
    settings = json.loads(Path(sys.argv[1]).read_text())
    app = IdentityProvider(settings)
    server = make_server(
        "127.0.0.1", settings["port"], app, server_class=ThreadingServer, handler_class=QuietHandler
    )
    print(f"saml-idp listening on {settings['base_url']}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
