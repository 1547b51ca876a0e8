"""The portal's settings with the failing test page added (tests/core/failing_urls.py), for
tests that run the portal in a child process (gunicorn) and make it fail."""

from cdp_portal.settings import *  # noqa: F403

ROOT_URLCONF = "tests.core.failing_urls"
