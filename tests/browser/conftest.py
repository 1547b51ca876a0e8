"""Browser-test harness: one headless Chromium per session, a fresh context per test.

The tests drive Debian's Chromium (/usr/bin/chromium, see `make chromium`) through
Playwright's sync API against pytest-django's ``live_server``. Playwright's own browser
downloads are never used: no network is assumed.
"""

import os
from functools import cache as once
from pathlib import Path

import axe_playwright_python
import pytest
from django.core.cache import cache

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# Fail fast: pages are local and small, Playwright's 30 s default only slows failures down.
TIMEOUT_MS = 10_000


@once
def axe_source() -> str:
    """axe-core, as the axe-playwright-python package ships it."""
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def new_context(browser, live_server, **options):
    """A browser context as every browser test uses: French, relative URLs, the short
    timeout, and axe-core loaded into each document before its own scripts (sending its
    570 KB into every page scanned, instead, was about half the cost of a scan)."""
    context = browser.new_context(locale="fr-FR", base_url=live_server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(axe_source())
    return context


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the browser tests last (stable sort, after pytest-django's own ordering), the
    slow ones first among them.

    While Playwright runs, the test thread has a running asyncio loop and the environment
    allows async-unsafe calls (see ``browser``); the other tests never see either.
    """
    items.sort(
        key=lambda item: (
            item.get_closest_marker("browser") is not None,
            # pytest-django's order (plain database tests, transactional ones, the rest):
            # a transactional test's flush empties what migrations wrote.
            _django_order(item),
            # The longest first, so that the test workers finish at about the same time.
            item.get_closest_marker("slow") is None,
        )
    )


def _django_order(item) -> int:
    """0 for a test in a rolled-back transaction, 1 for a transactional one, 2 without
    the database, as pytest-django sorts them."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    if (
        (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    ):
        return 1
    return 0 if marker or "db" in fixtures else 2


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM}: run `make chromium`.")
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # Playwright's sync API keeps an asyncio loop running in the test thread, which
        # Django's ORM guard takes for async code; the test thread (factories, the
        # transactional flush) only ever makes plain synchronous calls. Set for the browser
        # tests only, and undone after them: subprocesses (`manage.py check --deploy`)
        # inherit the environment and would warn about it.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A page in a fresh context (no cookies), French locale, relative URLs allowed."""
    context = new_context(browser, live_server)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth keeps its rate-limit counters in the (process-wide, local-memory) cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mail_dir(settings, tmp_path):
    """Make the live server write each e-mail as a file, as `make run` does in var/mail/.

    pytest-django switches to the locmem backend when the session starts; the ``settings``
    fixture applies afterwards and is undone after the test.
    """
    directory = tmp_path / "mail"
    settings.EMAIL_BACKEND = "cdp_portal.core.mail.OneFilePerMessageBackend"
    settings.EMAIL_FILE_PATH = str(directory)
    return directory
