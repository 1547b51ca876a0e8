"""The fuzz harness: every URL pattern of the portal (its apps, allauth's /accounts/…,
/admin/… with every ModelAdmin's pages and list filters), as each kind of visitor, with
hostile values in path parameters, query parameters and every field of every form the
page renders. Any 5xx, or any exception the test client sees, is a finding.

Used by `tests/fuzz/test_fuzz.py` (a bounded sample, in `make test`) and `bench/fuzz.py`
(≥10,000 requests). Deterministic: the cases come from `random.Random(seed)`, so a
finding reproduces with the same seed and request count; each finding also carries the
exact request (visitor, method, URL, body) to replay it alone.

Every request runs in a savepoint rolled back afterwards: what one request deletes or
locks (an admin deletion, a member leaving) does not change what the next one sees, and
the database is left as it was. The price: `transaction.on_commit` callbacks (mail sent
after commit) never run here.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, quote_from_bytes, urlsplit

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from digests.tokens import unsubscribe_token

from .world import TINY_PDF, VISITORS, World

Value = str | bytes

# --- Hostile values ---------------------------------------------------------------------
# name → value; bytes are sent as they are (invalid UTF-8, lone surrogates).
HOSTILE: dict[str, Value] = {
    "empty": "",
    "whitespace": "  \t  ",
    "long-100k": "x" * 100_000,
    "nul": "a\x00b",
    "crlf": "Titre\r\nBcc: victime@example.org",
    "script": "<script>alert(1)</script>",
    "sql": "'; drop table communities_community; --",
    "traversal": "../../etc/passwd",
    "emoji": "🎓🔥",
    "gt": ">",
    "lone-surrogate": b"\xed\xa0\x80",
    "invalid-utf8": b"\xff\xfe\xc3",
    "bigint": "99999999999999999999",
    "negative": "-1",
    "float": "1e309",
    "nan": "NaN",
    "accented": "été",
    "date": "9999-99-99",
    "brackets-20000": "[" * 20_000,
    "percent": "100%d%Y%%",
    "url": "https://evil.example.org/",
    "scheme": "javascript:alert(1)",
    "zero": "0",
    "true": "true",
    "rtl": "\u202eabc",
}
# Path parameters: what the converters let through, and what they should refuse.
HOSTILE_PATH: dict[str, Value] = {
    "bigint": "99999999999999999999",
    "negative": "-1",
    "zero": "0",
    "not-numeric": "abc",
    "unicode": "été-🎓",
    "nul": "a\x00b",
    "long": "a" * 5_000,
    "traversal": "..%2F..%2Fetc",
    "invalid-utf8": b"\xff\xfe",
    "percent": "%25",
    "dot": ".",
}
GENERIC_QUERY = (
    "page",
    "to",
    "q",
    "sort",
    "kind",
    "community",
    "tag",
    "next",
    "o",
    "p",
    "e",
    "_changelist_filters",
    "language",
    "all",
    "_popup",
    "_to_field",
)
ADMIN_LOOKUPS = ("__exact", "__in", "__contains", "__gte", "__isnull")


# --- Cases and findings -----------------------------------------------------------------
@dataclass
class Case:
    visitor: str
    method: str
    path: str  # already percent-encoded, with its query string
    body: bytes = b""
    content_type: str = ""
    # What is hostile in it: (where, name, payload name), e.g. ("query", "next", "nan").
    target: tuple[str, str, str] = ("", "", "")
    payload: Value = ""
    htmx: bool = False  # sent as htmx would (HX-Request): some views answer a fragment

    def describe(self) -> str:
        where, name, payload = self.target
        body = self.body[:300] + (b"..." if len(self.body) > 300 else b"")
        text = f"{self.visitor} {self.method} {self.path[:400]}"
        if self.htmx:
            text += " (HX-Request)"
        if where:
            text += f"  [{where} {name!r} = {payload}]"
        if self.body:
            text += f"\n    body: {body!r}"
        return text


@dataclass
class Finding:
    case: Case
    status: int
    error: str


@dataclass
class Report:
    requests: int = 0
    seconds: float = 0.0
    by_visitor: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    by_method: Counter = field(default_factory=Counter)
    by_target: Counter = field(default_factory=Counter)  # plain, path, query, form, file
    pages: set = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"{self.requests} requests in {self.seconds:.1f} s "
            f"({self.requests / max(self.seconds, 1e-9):.0f}/s), {len(self.pages)} URL "
            "patterns walked",
            "per visitor: " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_visitor.items())),
            "per method: " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_method.items())),
            "hostile in: " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_target.items())),
            "per status: " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items())),
            f"5xx / exceptions: {len(self.findings)}",
        ]
        for finding in self.findings:
            lines.append(f"  {finding.status} {finding.case.describe()}")
            lines.append(f"    {finding.error}")
        return "\n".join(lines)


# --- URL patterns -----------------------------------------------------------------------
@dataclass(frozen=True)
class Pattern:
    template: str  # "/communities/<slug>/members/<membership_id>/roles/"
    name: str  # "communities:roles", "" when unnamed
    params: tuple[str, ...]


def _template(pattern) -> str:
    text = str(pattern.pattern)
    if pattern.pattern.__class__.__name__ == "RegexPattern":
        text = text.lstrip("^").rstrip("$").replace("\\Z", "")
        text = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", r"<\1>", text)
        text = text.replace("\\", "")
    return re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", text)


def url_patterns() -> list[Pattern]:
    """Every URL pattern of the portal, walked through the resolvers."""
    found: list[Pattern] = []

    def walk(resolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                child = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
                walk(entry, prefix + _template(entry), child)
            elif isinstance(entry, URLPattern):
                template = "/" + prefix + _template(entry)
                name = f"{namespace}:{entry.name}".lstrip(":") if entry.name else ""
                params = tuple(re.findall(r"<(\w+)>", template))
                found.append(Pattern(template, name, params))

    walk(get_resolver(), "", "")
    # A pattern with the same address as an earlier one is never reached (the first match
    # wins: the portal's own "view on site" shadows the admin's), so it is not walked.
    seen: set[str] = set()
    return [p for p in found if not (p.template in seen or seen.add(p.template))]


def fill(template: str, values: dict[str, Value]) -> str:
    def one(match: re.Match) -> str:
        value = values[match.group(1)]
        if isinstance(value, bytes):
            return quote_from_bytes(value, safe="")
        return quote(str(value), safe="%")

    return re.sub(r"<(\w+)>", one, template)


# --- Real values for each path parameter ------------------------------------------------
def _admin_models() -> dict[str, tuple]:
    from django.contrib import admin

    return {
        f"{model._meta.app_label}_{model._meta.model_name}": (model, model_admin)
        for model, model_admin in admin.site._registry.items()
    }


def real_kwargs(pattern: Pattern, world: World) -> list[dict[str, Value]]:
    """Kwargs naming real objects for `pattern`; [] when the harness does not know how."""
    if not pattern.params:
        return [{}]
    by_name = _kwargs_by_name(world)
    if pattern.name in by_name:
        return by_name[pattern.name]
    return _kwargs_by_parameters(pattern, world)


def _kwargs_by_name(world: World) -> dict[str, list[dict[str, Value]]]:
    """The URL names whose parameters say nothing of what they name."""
    return {
        "communities:invitation_cancel": [
            {"slug": m.community.slug, "membership_id": m.pk} for m in world.memberships
        ],
        "communities:roles": [
            {"slug": m.community.slug, "membership_id": m.pk} for m in world.memberships
        ],
        "readiness:item": [
            {"slug": item.checklist.community.slug, "item_id": item.pk}
            for item in world.checklist_items
        ],
        "directory:profile": [{"handle": handle} for handle in world.handles],
        "resources:flag_resolve": [{"pk": flag.pk} for flag in world.resource_flags],
        "resources:feed_tag": [{"slug": slug} for slug in world.tag_slugs],
        "resources:detail_slug": [{"pk": r.pk, "slug": r.slug} for r in world.resources],
        "forums:flag_resolve": [
            {"community_slug": f.post.topic.forum.community.slug, "pk": f.pk}
            for f in world.post_flags
        ],
        "forums:forum": [
            {"community_slug": f.community.slug, "slug": f.slug} for f in world.forums
        ],
        "forums:topic_new": [
            {"community_slug": f.community.slug, "slug": f.slug} for f in world.forums
        ],
        "forums:forum_watch": [
            {"community_slug": f.community.slug, "slug": f.slug} for f in world.forums
        ],
        "forums:forum_feed": [
            {"community_slug": f.community.slug, "slug": f.slug} for f in world.forums
        ],
        "forums:topic_slug": [{"pk": t.pk, "slug": t.slug} for t in world.topics],
        "forums:topic_dash_slug": [{"pk": t.pk, "slug": t.slug} for t in world.topics],
        "forums:notification_open": [{"pk": n.pk} for n in world.notifications],
        "digests:unsubscribe": [
            {"token": unsubscribe_token(world.users[visitor].pk, frequency)}
            for visitor, frequency in (("member", "weekly"), ("animator", "daily"))
        ],
        "conversations:detail": [{"pk": c.pk} for c in world.conversations],
        "conversations:reply": [{"pk": c.pk} for c in world.conversations],
        "conversations:leave": [{"pk": c.pk} for c in world.conversations],
        "conversations:message_flag": [{"pk": m.pk} for m in world.conversation_messages],
        "conversations:flag_resolve": [{"pk": f.pk} for f in world.message_flags],
        "conversations:block": [{"handle": handle} for handle in world.handles],
    }


def _kwargs_by_parameters(pattern: Pattern, world: World) -> list[dict[str, Value]]:
    """Kwargs guessed from the parameters' names and the URL's namespace."""
    name, params = pattern.name, set(pattern.params)
    slugs = [community.slug for community in world.communities]
    namespace = name.split(":")[0]
    if params == {"slug"} and namespace in ("communities", "readiness", "resources"):
        return [{"slug": slug} for slug in slugs]
    if params == {"community_slug"}:
        return [{"community_slug": slug} for slug in slugs]
    if params == {"slug"} and name.startswith("directory:tag"):
        return [{"slug": slug} for slug in world.tag_slugs]
    if params == {"pk"}:
        if name.startswith("forums:post"):
            return [{"pk": post.pk} for post in world.posts]
        if namespace == "forums":
            return [{"pk": topic.pk} for topic in world.topics]
        if namespace == "resources":
            return [{"pk": resource.pk} for resource in world.resources]
    if pattern.template.startswith("/admin/"):
        return _admin_kwargs(pattern)
    # Single sign-on: the identity providers tests/fuzz/test_fuzz.py configures.
    if params == {"organization_slug"}:
        return [{"organization_slug": "univ"}]
    if params == {"provider_id"}:
        return [{"provider_id": "univ"}]
    if name == "account_confirm_email":
        return [{"key": "MTA:1t0000:fuzz"}]
    if name == "account_reset_password_from_key":
        return [{"uidb36": "1", "key": "set-password"}]
    return []


def _admin_kwargs(pattern: Pattern) -> list[dict[str, Value]]:
    from django.contrib import admin
    from django.contrib.contenttypes.models import ContentType

    params = set(pattern.params)
    if params == {"app_label"}:
        labels = sorted({model._meta.app_label for model in admin.site._registry})
        return [{"app_label": label} for label in labels]
    if params == {"content_type_id", "object_id"}:
        rows = []
        for model in admin.site._registry:
            obj = model._default_manager.order_by("pk").first()
            if obj is not None:
                ct = ContentType.objects.get_for_model(model)
                rows.append({"content_type_id": ct.pk, "object_id": obj.pk})
        return rows
    if params == {"url"}:  # the admin's catch-all
        return [{"url": "nowhere/"}]
    match = re.match(r"^/admin/(\w+)/(\w+)/", pattern.template)
    model_and_admin = _admin_models().get(f"{match.group(1)}_{match.group(2)}") if match else None
    if model_and_admin is None or len(params) != 1:
        return []
    param = next(iter(params))  # object_id, or id in an admin's own per-object view
    pks = list(model_and_admin[0]._default_manager.order_by("pk").values_list("pk", flat=True)[:3])
    # A model with no row yet (task results): its pages still answer, with "not found".
    return [{param: pk} for pk in pks or [999_999]]
    return []


def admin_filter_params(path: str) -> list[str]:
    """The query parameters an admin changelist reads from its list_filter."""
    match = re.match(r"^/admin/(\w+)/(\w+)/$", path)
    if not match:
        return []
    entry = _admin_models().get(f"{match.group(1)}_{match.group(2)}")
    if entry is None:
        return []
    model_admin = entry[1]
    names: list[str] = ["_selected_action", "action", "index", "select_across"]
    for item in model_admin.list_filter:
        if isinstance(item, (tuple, list)):
            item = item[0]
        if isinstance(item, str):
            names.extend(f"{item}{lookup}" for lookup in ADMIN_LOOKUPS)
        elif getattr(item, "parameter_name", None):
            names.append(item.parameter_name)
    if model_admin.date_hierarchy:
        names.extend(f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return [name for name in names if name]


# --- HTML forms -------------------------------------------------------------------------
@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    # (name, kind, default values, options); kind: text, hidden, select, checkbox, file…
    fields: list[tuple[str, str, list[str], list[str]]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str], bool] | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._option: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(
                action=a.get("action", ""),
                method=(a.get("method") or "get").lower(),
                multipart="multipart" in a.get("enctype", ""),
            )
            self.forms.append(self._form)
            return
        if tag == "option" and self._select is not None:
            self._option = [a["value"]] if "value" in a else []
            self._option_selected = "selected" in a
            return
        form = self._form
        name = a.get("name", "")
        if form is None or not name:
            if form is not None and tag in ("button", "input") and a.get("type") == "submit":
                form.buttons.append(("", ""))
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "button"):
                form.buttons.append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                checked = [a.get("value", "on")] if "checked" in a else []
                form.fields.append((name, kind, checked, [a.get("value", "on")]))
            else:
                form.fields.append((name, kind, [a.get("value", "")], []))
        elif tag == "button" and a.get("type", "submit") == "submit":
            form.buttons.append((name, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = (name, [])
        elif tag == "select":
            self._select = (name, [], [], "multiple" in a)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)
        if self._option is not None and len(self._option) == 0:
            self._option.append(data.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, parts = self._textarea
            self._form.fields.append((name, "textarea", ["".join(parts)], []))
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value = self._option[0] if self._option else ""
            self._select[2].append(value)
            if self._option_selected:
                self._select[1].append(value)
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, selected, options, _multiple = self._select
            self._form.fields.append((name, "select", selected or options[:1], options))
            self._select = None


def parse_forms(html: str) -> list[Form]:
    parser = FormParser()
    try:
        parser.feed(html)
    except Exception:  # a page the parser cannot read has no forms to fuzz
        return []
    return parser.forms


PLAUSIBLE = {
    "email": "fuzz-new@example.org",
    "number": "1",
    "date": "2026-01-15",
    "datetime-local": "2026-01-15T10:00",
    "time": "10:00",
    "url": "https://example.org/",
    "password": "fuzz-password-1",
}


def default_pairs(form: Form, rng: random.Random) -> list[tuple[str, Value]]:
    """What a person would send: defaults kept, empty text boxes filled plausibly."""
    pairs: list[tuple[str, Value]] = []
    for name, kind, values, _options in form.fields:
        if kind == "file":
            continue
        if kind in ("checkbox", "radio"):
            pairs.extend((name, value) for value in values)
            continue
        value = values[0] if values else ""
        if not value and kind not in ("hidden", "select"):
            value = PLAUSIBLE.get(kind, "Texte du fuzz")
        pairs.append((name, value))
    if form.buttons:
        button = rng.choice(form.buttons)
        if button[0]:
            pairs.append(button)
    return pairs


def _bytes(value: Value) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def urlencoded(pairs: list[tuple[str, Value]]) -> bytes:
    return b"&".join(
        quote_from_bytes(_bytes(name), safe="").encode()
        + b"="
        + quote_from_bytes(_bytes(value), safe="").encode()
        for name, value in pairs
    )


BOUNDARY = "fuzzBoundary7MA4YWxkTrZu0gW"


def multipart(pairs: list[tuple[str, Value]], files: list[tuple[str, Value, bytes]]) -> bytes:
    parts = []
    for name, value in pairs:
        parts.append(
            b"--" + BOUNDARY.encode() + b"\r\n"
            b'Content-Disposition: form-data; name="' + _bytes(name) + b'"\r\n\r\n' + _bytes(value)
        )
    for name, filename, content in files:
        parts.append(
            b"--" + BOUNDARY.encode() + b"\r\n"
            b'Content-Disposition: form-data; name="' + _bytes(name) + b'"; filename="'
            b"" + _bytes(filename) + b'"\r\nContent-Type: application/pdf\r\n\r\n' + content
        )
    return b"\r\n".join(parts) + b"\r\n--" + BOUNDARY.encode() + b"--\r\n"


# --- The fuzzer -------------------------------------------------------------------------
class Fuzzer:
    def __init__(self, world: World, *, seed: int = 1) -> None:
        self.world = world
        self.rng = random.Random(seed)
        self.patterns = url_patterns()
        self.pages: list[tuple[Pattern, str]] = []  # (pattern, real path)
        self.untemplated: list[Pattern] = []
        for pattern in self.patterns:
            kwargs = real_kwargs(pattern, world)
            if not kwargs:
                self.untemplated.append(pattern)
            for values in kwargs:
                self.pages.append((pattern, fill(pattern.template, values)))
        self.clients = {visitor: Client(raise_request_exception=False) for visitor in VISITORS}
        self.forms: dict[tuple[str, str], list[Form]] = {}
        # Pages seen with a form to post, for a visitor: where POST cases go most often.
        self.post_pages: list[tuple[str, Pattern, str]] = []
        self.report = Report()

    # Sending ------------------------------------------------------------------------------
    def _signed_in(self, visitor: str) -> Client:
        client = self.clients[visitor]
        user = self.world.users[visitor]
        # A request may have signed the visitor out (logout, password change): sign in again.
        if user is not None and client.session.get("_auth_user_id") != str(user.pk):
            client.force_login(user)
        return client

    def send(self, case: Case, pattern: Pattern | None = None) -> object | None:
        client = self._signed_in(case.visitor)
        self.report.requests += 1
        self.report.by_visitor[case.visitor] += 1
        self.report.by_method[case.method] += 1
        self.report.by_target[case.target[0] or "plain"] += 1
        if pattern is not None:
            self.report.pages.add(pattern.template)
        extra = {"content_type": case.content_type} if case.method == "POST" else {}
        if case.htmx:
            extra["headers"] = {"HX-Request": "true"}
        response, error = None, ""
        try:
            with transaction.atomic():
                try:
                    response = client.generic(case.method, case.path, case.body, **extra)
                finally:
                    transaction.set_rollback(True)
        except Exception as exc:  # the finding is the exception itself
            error = f"{type(exc).__name__}: {str(exc)[:300]}"
        status = response.status_code if response is not None else 0
        self.report.by_status[f"{status // 100}xx" if status else "exception"] += 1
        if status >= 500 or error:
            exc_info = getattr(response, "exc_info", None)
            if exc_info and not error:
                error = f"{exc_info[0].__name__}: {str(exc_info[1])[:300]}"
            self.report.findings.append(Finding(case, status, error or "(no exception)"))
        return response

    def get_page(self, visitor: str, pattern: Pattern, path: str) -> list[Form]:
        key = (visitor, path)
        if key not in self.forms:
            response = self.send(Case(visitor, "GET", path), pattern)
            forms: list[Form] = []
            if (
                response is not None
                and response.status_code == 200
                and "html" in response.get("Content-Type", "")
                and not response.streaming
            ):
                forms = parse_forms(response.content.decode("utf-8", "replace"))
            self.forms[key] = forms
            if any(form.method == "post" for form in forms):
                self.post_pages.append((visitor, pattern, path))
        return self.forms[key]

    # Cases --------------------------------------------------------------------------------
    def _hostile(self) -> tuple[str, Value]:
        name = self.rng.choice(sorted(HOSTILE))
        return name, HOSTILE[name]

    def hostile_path(self, visitor: str, pattern: Pattern) -> Case | None:
        if not pattern.params:
            return None
        kwargs = self.rng.choice(real_kwargs(pattern, self.world) or [{}])
        values: dict[str, Value] = {p: kwargs.get(p, "x") for p in pattern.params}
        param = self.rng.choice(pattern.params)
        payload = self.rng.choice(sorted(HOSTILE_PATH))
        values[param] = HOSTILE_PATH[payload]
        return Case(
            visitor,
            "GET",
            fill(pattern.template, values),
            target=("path", param, payload),
            payload=HOSTILE_PATH[payload],
        )

    def query_names(self, visitor: str, path: str) -> list[str]:
        names = set(GENERIC_QUERY) | set(admin_filter_params(path))
        seen = [forms for (_visitor, page), forms in self.forms.items() if page == path]
        for form in (form for forms in seen for form in forms):
            if form.method == "get":
                names.update(name for name, *_rest in form.fields)
        return sorted(names)

    def hostile_query(self, visitor: str, pattern: Pattern, path: str) -> Case:
        # The page's own GET forms name its parameters when it was fetched already; no
        # extra request to find out, the generic and admin filter names cover the rest.
        filters = admin_filter_params(path)
        if filters and self.rng.random() < 0.6:  # a changelist: mostly its own filters
            name = self.rng.choice(filters)
        else:
            name = self.rng.choice(self.query_names(visitor, path))
        payload, value = self._hostile()
        pairs: list[tuple[str, Value]] = [(name, value)]
        if self.rng.random() < 0.2:  # a list where a scalar is expected
            pairs.append((name, "2"))
        return Case(
            visitor,
            "GET",
            f"{path}?{urlencoded(pairs).decode()}",
            target=("query", name, payload),
            payload=value,
        )

    def hostile_post(self, visitor: str, pattern: Pattern, path: str) -> Case | None:
        forms = [form for form in self.get_page(visitor, pattern, path) if form.method == "post"]
        if not forms:
            return None
        form = self.rng.choice(forms)
        action = form.action or path
        parts = urlsplit(action)
        if parts.netloc or not parts.path.startswith("/"):
            if parts.netloc or parts.path:
                return None
            action = path + (f"?{parts.query}" if parts.query else "")
        pairs = default_pairs(form, self.rng)
        files = [
            (name, "guide.pdf", TINY_PDF) for name, kind, *_rest in form.fields if kind == "file"
        ]
        names = [name for name, *_rest in form.fields if name != "csrfmiddlewaretoken"]
        choice = self.rng.random()
        if files and choice < 0.25:
            index = self.rng.randrange(len(files))
            payload, value = self._hostile()
            files[index] = (files[index][0], value, TINY_PDF if self.rng.random() < 0.8 else b"")
            target = ("file", files[index][0], payload)
        elif names and choice < 0.35:  # a field left out
            missing = self.rng.choice(names)
            pairs = [pair for pair in pairs if pair[0] != missing]
            payload, value = "missing", ""
            target = ("form", missing, "missing")
        elif names:
            name = self.rng.choice(names)
            payload, value = self._hostile()
            pairs = [pair for pair in pairs if pair[0] != name] + [(name, value)]
            if self.rng.random() < 0.2:
                pairs.append((name, "1"))  # a list where a scalar is expected
            target = ("form", name, payload)
        else:
            payload, value = "as-is", ""
            target = ("form", "", "as-is")
        if form.multipart:
            body = multipart(pairs, files)
            content_type = f"multipart/form-data; boundary={BOUNDARY}"
        else:
            body = urlencoded(pairs)
            content_type = "application/x-www-form-urlencoded"
        return Case(visitor, "POST", action, body, content_type, target, value)

    def cases(self) -> Iterator[tuple[Case | None, Pattern | None, str]]:
        """Endless: pick a visitor, a page and a kind of hostility."""
        while True:
            visitor = self.rng.choice(VISITORS)
            pattern, path = self.rng.choice(self.pages)
            kind = self.rng.choices(("get", "path", "query", "post"), (1, 2, 3, 4))[0]
            htmx = self.rng.random() < 0.15
            case: Case | None = None
            if kind == "path":
                case = self.hostile_path(visitor, pattern)
            elif kind == "query":
                case = self.hostile_query(visitor, pattern, path)
            elif kind == "post":
                if self.post_pages and self.rng.random() < 0.8:
                    visitor, pattern, path = self.rng.choice(self.post_pages)
                case = self.hostile_post(visitor, pattern, path)
            if case is not None:
                case.htmx = htmx
            yield case, pattern, path

    def run(self, requests: int, *, thorough: bool = False) -> Report:
        """Send about `requests` requests: first one GET of every URL pattern (the admin's as
        the administrator, the others as each visitor in turn; `thorough`: every page with
        every real value, as every visitor), then random hostile cases until `requests`."""
        quiet = ("django.request", "django.security", "django.server")
        levels = {name: logging.getLogger(name).level for name in quiet}
        for name in quiet:  # every 4xx would print a warning; findings are reported below
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
        old_mfa = getattr(settings, "PORTAL_STAFF_MFA_REQUIRED", False)
        # The staff's second factor is its own test; here staff must reach the admin.
        settings.PORTAL_STAFF_MFA_REQUIRED = False
        started = time.monotonic()
        try:
            walked: set[Pattern] = set()
            for index, (pattern, path) in enumerate(self.pages):
                if pattern in walked and not thorough:
                    continue
                walked.add(pattern)
                visitors = VISITORS if thorough else (VISITORS[index % len(VISITORS)],)
                if path.startswith("/admin/") and not thorough:
                    visitors = ("admin",)
                for visitor in visitors:
                    self.get_page(visitor, pattern, path)
            if thorough:  # every admin list filter once, with a random hostile value
                for pattern, path in self.pages:
                    for name in admin_filter_params(path):
                        payload, value = self._hostile()
                        query = urlencoded([(name, value)]).decode()
                        target = ("query", name, payload)
                        self.send(Case("admin", "GET", f"{path}?{query}", target=target), pattern)
            for case, pattern, path in self.cases():
                if self.report.requests >= requests:
                    break
                if case is None and pattern is not None:
                    visitor = self.rng.choice(VISITORS)
                    self.get_page(visitor, pattern, path)
                elif case is not None:
                    self.send(case, pattern)
        finally:
            settings.PORTAL_STAFF_MFA_REQUIRED = old_mfa
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
        self.report.seconds = time.monotonic() - started
        return self.report
