"""Static files in production: collected, hashed, compressed and served by whitenoise."""

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.core.test_settings import PRODUCTION_ENV, manage

SERVE_LANDING_PAGE = """
import re
from django.test import Client
client = Client(HTTP_HOST="cdp.univ.example")
page = client.get("/", secure=True)
stylesheet = re.search(r'/static/css/portal\\.[0-9a-f]{12}\\.css', page.content.decode()).group(0)
served = client.get(stylesheet, secure=True, HTTP_ACCEPT_ENCODING="br, gzip")
print(page.status_code, served.status_code)
print(served.headers.get("Content-Encoding"), served.headers["Cache-Control"])
"""


def url_of_the_test_database() -> str:
    """The URL of the test database, whether it is reached by TCP or by a unix socket
    (the private cluster of `make test`)."""
    database = connection.settings_dict
    credentials = quote(database["USER"]) + (
        f":{quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
    )
    host, port, name = database["HOST"], database["PORT"] or 5432, database["NAME"]
    if not host or host.startswith("/"):
        return f"postgres://{credentials}@/{name}?host={quote(host, safe='')}&port={port}"
    return f"postgres://{credentials}@{host}:{port}/{name}"


# Both tests read one collectstatic (it compresses every file: about 7 s), so both run on
# the same test worker (make test passes --dist loadgroup).
pytestmark = pytest.mark.xdist_group("static-files")


@pytest.fixture(scope="module")
def production_env(django_db_setup, tmp_path_factory):
    return {
        **PRODUCTION_ENV,
        "DATABASE_URL": url_of_the_test_database(),
        "STATIC_ROOT": str(tmp_path_factory.mktemp("collected") / "static"),
    }


@pytest.fixture(scope="module")
def collected(production_env):
    """`manage.py collectstatic` run once in production mode: its outcome."""
    return manage("collectstatic", "--noinput", **production_env)


def test_collectstatic_writes_hashed_and_compressed_files(production_env, collected):
    assert collected.returncode == 0, collected.stderr
    static_root = Path(production_env["STATIC_ROOT"])
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/portal.css"]
    assert hashed != "css/portal.css"
    for suffix in ("", ".gz", ".br"):
        assert (static_root / f"{hashed}{suffix}").exists()
    # htmx comes from django-htmx's package, never from a CDN.
    assert any(path.startswith("django_htmx/htmx-") for path in manifest["paths"])


def test_pages_link_hashed_files_that_whitenoise_serves_compressed_and_cached(
    production_env, collected
):
    assert collected.returncode == 0, collected.stderr
    result = manage("shell", "--verbosity", "0", "-c", SERVE_LANDING_PAGE, **production_env)
    assert result.returncode == 0, result.stderr
    # Standard output also carries the portal's log lines (JSON in production).
    printed = [line for line in result.stdout.splitlines() if not line.startswith("{")]
    page_line, served_line = printed[:2]
    status, served_status = page_line.split()
    assert (status, served_status) == ("200", "200")
    encoding, cache_control = served_line.split(" ", 1)
    assert encoding == "br"
    assert "max-age=315360000" in cache_control and "immutable" in cache_control
