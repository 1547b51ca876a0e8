"""Helpers shared by the browser journeys."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_source, new_context

# One round trip per scan: the page's language comes back with the violations, and null
# when the document has no axe-core yet.
AXE_RUN = """([context, options]) => typeof window.axe !== 'object' ? null
    : axe.run(context ?? document, options).then(r => ({
        lang: document.documentElement.getAttribute('lang'), violations: r.violations}))"""


def axe_scan(page: Page, context: str | None = None) -> tuple[str | None, list[str]]:
    """The `lang` of the page's <html> and axe-core's violations on the page (or the part
    `context` selects) as it stands, one line per violation and per element: empty when
    there is none. The browser contexts of these tests load axe-core into every document
    (conftest); a page from elsewhere gets it here."""
    arguments = [context, {"resultTypes": ["violations"]}]
    result = page.evaluate(AXE_RUN, arguments)
    if result is None:
        page.evaluate(axe_source())
        result = page.evaluate(AXE_RUN, arguments)
    violations = result["violations"]
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}: {node['failureSummary']}".replace("\n", " / "))
    return result["lang"], lines


def axe_violations(page: Page, context: str | None = None) -> list[str]:
    """axe-core's violations on the page (or the part `context` selects): see `axe_scan`."""
    return axe_scan(page, context)[1]


def axe_check(page: Page, context=None) -> None:
    """Run axe-core on the page as it stands; fail listing every violation found."""
    lines = axe_violations(page, context)
    if lines:
        pytest.fail(
            "\n".join([f"accessibility violation(s) on {page.url}:", *lines]), pytrace=False
        )


def login(page: Page, live_server, email: str, password: str) -> None:
    """Sign in through the (French) login form as a person would; wait for the dashboard."""
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("main form")
    form.get_by_label("Courriel").fill(email)
    form.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill(password)
    form.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")


def latest_email(mail_dir: Path):
    """The newest message the OneFilePerMessageBackend wrote (file names sort by time)."""
    files = sorted(mail_dir.glob("*.eml"))
    assert files, f"no e-mail written in {mail_dir}"
    return message_from_bytes(files[-1].read_bytes(), policy=policy.default)


def email_link(message, pattern: str) -> str:
    """The path of the first link in the message's text body matching ``pattern``."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(rf"https?://[^/\s]+({pattern})", body)
    assert match, f"no link matching {pattern!r} in:\n{body}"
    return match.group(1)


@contextmanager
def another_browser(
    page: Page, live_server, *, javascript: bool = True, viewport: dict | None = None
) -> Iterator[Page]:
    """A second person at another computer: a fresh context (no cookies) of the same
    browser, set up like the ``page`` fixture's (French, relative URLs, same timeout);
    ``javascript=False`` for someone whose browser runs none; ``viewport`` (width and
    height) for a phone: without JavaScript, Playwright cannot resize a page once open."""
    options = {"viewport": viewport} if viewport else {}
    context = new_context(
        page.context.browser, live_server, java_script_enabled=javascript, **options
    )
    try:
        yield context.new_page()
    finally:
        context.close()
