"""A person's browser without JavaScript, for the single sign-on tests: one `requests`
session (one cookie jar) going from the portal's live server to the identity provider and
back, following redirects and submitting the forms each page shows, as a person pressing
their buttons would (the SAML IdP's auto-posting form included)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests

TIMEOUT = 20


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # name, value, text


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._button: list | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), (a.get("method") or "get").lower())
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            if a.get("type", "text") not in ("submit", "checkbox", "radio"):
                self._form.fields[a["name"]] = a.get("value", "")
        elif self._form is not None and tag == "button":
            self._button = [a.get("name", ""), a.get("value", ""), ""]

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None and self._form is not None:
            name, value, text = self._button
            self._form.buttons.append((name, value, " ".join(text.split())))
            self._button = None
        elif tag == "form":
            self._form = None


def forms(response: requests.Response) -> list[Form]:
    parser = _Forms()
    parser.feed(response.text)
    return parser.forms


class Agent:
    def __init__(self, portal_url: str) -> None:
        self.portal_url = portal_url
        self.session = requests.Session()

    def get(self, path_or_url: str) -> requests.Response:
        return self.session.get(urljoin(self.portal_url, path_or_url), timeout=TIMEOUT)

    def submit(
        self, response: requests.Response, *, button: str = "", action_contains: str = "", **data
    ) -> requests.Response:
        """Submit the page's form whose button reads `button` (or whose action holds
        `action_contains`; else the only form), with `data` typed into its fields."""
        candidates = forms(response)
        if button:
            candidates = [f for f in candidates if any(button in b[2] for b in f.buttons)]
        if action_contains:
            candidates = [f for f in candidates if action_contains in f.action]
        assert len(candidates) == 1, (
            f"{len(candidates)} forms match on {response.url}:\n{response.text[:3000]}"
        )
        form = candidates[0]
        payload = {**form.fields, **data}
        for name, value, text in form.buttons:
            if name and (not button or button in text):
                payload[name] = value
                break
        url = urljoin(response.url, form.action or response.url)
        if form.method == "post":
            return self.session.post(url, data=payload, timeout=TIMEOUT)
        return self.session.get(url, params=payload, timeout=TIMEOUT)

    def sign_in(
        self,
        provider_label: str,
        username: str,
        password: str = "idp-password",
        *,
        next_path: str = "",
    ) -> requests.Response:
        """From the portal's login page, through the identity provider's login page, back
        to the portal: the last page the person sees."""
        login_page = self.get("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
        idp_page = self.submit(login_page, button=provider_label)
        assert idp_page.ok, idp_page.text[:2000]
        answer = self.submit(idp_page, button="Se connecter", username=username, password=password)
        return self.follow_post_binding(answer)

    def follow_post_binding(self, response: requests.Response) -> requests.Response:
        """The SAML IdP answers with a form that a script posts to the portal: post it."""
        if "SAMLResponse" in response.text:
            return self.submit(response, action_contains="/acs/")
        return response
