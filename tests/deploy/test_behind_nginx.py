"""The shipped deployment, for real: nginx with deploy/nginx/cdp-portal.conf (rendered for
loopback: free ports, a self-signed certificate, temporary static and media folders) in
front of two gunicorn nodes started with deploy/gunicorn.conf.py in production mode
(DJANGO_DEBUG=0), sharing a Redis of their own and the test database.

One stack per module (about 20 s to start on a quiet 2-core machine, mostly
collectstatic and loading Django in each node); each test creates its own people.
"""

from __future__ import annotations

import http.client
import json
import secrets
import shutil
import ssl
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.db import connection
from requests.adapters import HTTPAdapter

from resources.models import Resource
from tests.deploy import servers
from tests.factories import TEST_PASSWORD, CommunityFactory, UserFactory, make_member

pytestmark = [
    pytest.mark.skipif(
        not servers.nginx_binary(), reason="nginx not installed (.ci/run installs nginx-light)"
    ),
    pytest.mark.skipif(
        not shutil.which("redis-server"), reason="redis-server not installed (.ci/run installs it)"
    ),
    pytest.mark.skipif(not shutil.which("openssl"), reason="openssl not installed"),
    # The nodes read what the tests write, so it must be committed; and every test of the
    # module must be in the same group of pytest-django's ordering (transactional tests
    # run together), or the module's stack would be started once per group.
    pytest.mark.django_db(transaction=True),
    # One pytest-xdist worker runs the three stacks of tests/deploy, one after the other
    # (make test passes --dist loadgroup): together they would starve 2 cores.
    pytest.mark.xdist_group("deploy"),
]

TOO_MANY = "Trop de tentatives"
MIB = 1024 * 1024


@dataclass
class Stack:
    base: str  # https://127.0.0.1:PORT
    http_port: int
    https_port: int
    certificate: Path
    static_root: Path
    media_root: Path

    def session(self, source: str) -> requests.Session:
        """A browser at the loopback address `source` (127.0.0.2, .3…): nginx sees each
        as a different client, while every node sees only nginx's 127.0.0.1."""
        session = requests.Session()
        # Neither the machine's CA bundle (REQUESTS_CA_BUNDLE would replace `verify`) nor
        # its HTTP proxy: loopback only, our certificate only.
        session.trust_env = False
        session.mount("https://", SourceAddressAdapter(source))
        session.mount("http://", SourceAddressAdapter(source))
        session.verify = str(self.certificate)
        session.headers["Origin"] = self.base  # what a browser sends with a form
        return session


class SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def node_environment(tmp: Path, https_port: int, redis_port: int) -> dict[str, str]:
    """deploy/portal.env.example as a node of this stack would fill it."""
    base = f"https://127.0.0.1:{https_port}"
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": base,
        "PORTAL_BASE_URL": base,
        "DATABASE_URL": servers.database_url(connection.settings_dict),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "TRUSTED_PROXY_COUNT": "1",
        "PORTAL_DOWNLOADS_VIA_PROXY": "1",
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),
        "EMAIL_FILE_PATH": str(tmp / "mail"),
        "LOGIN_RATE_LIMIT": "2/5m/ip",
        "WEB_CONCURRENCY": "1",
        # The factories hash passwords with MD5 (tests/conftest.py): the nodes must know it.
        "PORTAL_FAST_PASSWORD_HASHER": "1",
    }


def collect_static(env: dict[str, str]) -> None:
    # The admin's files are left out: no admin page is visited, and they are four fifths
    # of the time collectstatic takes (it compresses every file).
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0", "-i", "admin"],
        cwd=servers.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr


def loopback_site(http_port: int, https_port: int, nodes: list[int], tmp: Path, cert) -> str:
    certificate, key = cert
    return servers.render_site(
        {
            "listen 80;": f"listen 127.0.0.1:{http_port};",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
            "10.0.0.11:8000": f"127.0.0.1:{nodes[0]}",
            "10.0.0.12:8000": f"127.0.0.1:{nodes[1]}",
            "/etc/ssl/cdp/fullchain.pem": str(certificate),
            "/etc/ssl/cdp/privkey.pem": str(key),
            "/srv/cdp-portal/var/static/": f"{tmp / 'static'}/",
            "/srv/cdp-portal/var/media/": f"{tmp / 'media'}/",
        }
    )


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deploy")
    (tmp / "media").mkdir()
    started: list[servers.Server] = []
    try:
        redis, redis_port = servers.start_redis(tmp)
        started.append(redis)
        http_port, https_port = servers.free_port(), servers.free_port()
        env = node_environment(tmp, https_port, redis_port)
        collect_static(env)
        nodes = [servers.free_port(), servers.free_port()]
        for number, port in enumerate(nodes, start=1):
            started.append(servers.start_gunicorn(f"node{number}", port, env, tmp))
        for port, node in zip(nodes, started[1:], strict=True):
            servers.wait_for_http(port, node)
        cert = servers.self_signed_certificate(tmp)
        site = loopback_site(http_port, https_port, nodes, tmp, cert)
        started.append(servers.start_nginx(tmp, site, https_port))
        yield Stack(
            base=f"https://127.0.0.1:{https_port}",
            http_port=http_port,
            https_port=https_port,
            certificate=cert[0],
            static_root=tmp / "static",
            media_root=tmp / "media",
        )
    finally:
        for server in reversed(started):
            server.stop()


def sign_in(session: requests.Session, stack: Stack, email: str, password: str):
    page = session.get(f"{stack.base}/accounts/login/")
    assert page.status_code == 200, page.text[:500]
    data = {**servers.hidden_inputs(page.text), "login": email, "password": password}
    return session.post(f"{stack.base}/accounts/login/", data=data, allow_redirects=False)


def share_file(session: requests.Session, stack: Stack, name: str, content: bytes):
    page = session.get(f"{stack.base}/resources/new/")
    assert page.status_code == 200, page.text[:500]
    data = {
        **servers.hidden_inputs(page.text),
        "title": "Rapport annuel",
        "summary": "Le rapport.",
        "kind": "document",
        "language": "fr",
        "community": "",
        "tags": "rapport",
        "body": "Le rapport de l'année.",
        "url": "",
    }
    files = {"upload": (name, content, "application/pdf")}
    return session.post(
        f"{stack.base}/resources/new/", data=data, files=files, allow_redirects=False
    )


def test_a_2_mb_upload_passes_and_its_download_is_sent_by_nginx_with_nosniff(stack):
    member = make_member(CommunityFactory(), user=UserFactory(email="depot@example.org"))
    browser = stack.session("127.0.0.4")
    assert sign_in(browser, stack, member.email, TEST_PASSWORD).status_code == 302
    content = b"%PDF-1.4\n" + secrets.token_bytes(2 * MIB)
    response = share_file(browser, stack, "Rapport été.pdf", content)
    assert response.status_code == 302, response.text[:2000]
    resource = Resource.objects.get(title="Rapport annuel")
    assert (stack.media_root / resource.file.name).read_bytes() == content

    download = browser.get(f"{stack.base}/resources/{resource.pk}/download/")
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Rapport%20%C3%A9t%C3%A9.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    # Added by nginx's internal location: proof that nginx, not Python, sent the bytes.
    assert download.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "X-Accel-Redirect" not in download.headers
    # The internal location cannot be asked for directly.
    direct = browser.get(f"{stack.base}/protected-media/{resource.file.name}")
    assert direct.status_code == 404
    # Nor can the files be fetched from another client without the permission check.
    assert stack.session("127.0.0.5").get(download.url, allow_redirects=False).status_code == 302


def test_a_body_over_the_proxy_limit_is_refused_with_413_before_reaching_a_node(stack):
    context = ssl.create_default_context(cafile=str(stack.certificate))
    client = http.client.HTTPSConnection("127.0.0.1", stack.https_port, context=context)
    client.putrequest("POST", "/resources/new/")
    client.putheader("Content-Type", "multipart/form-data; boundary=x")
    client.putheader("Content-Length", str(21 * MIB + 1))
    client.endheaders()
    # nginx answers from the declared length, without waiting for the body.
    response = client.getresponse()
    client.close()
    assert response.status == 413


def test_static_files_are_served_by_nginx_with_a_long_cache(stack):
    manifest = json.loads((stack.static_root / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/portal.css"]
    response = stack.session("127.0.0.6").get(f"{stack.base}/static/{hashed}")
    assert response.status_code == 200
    assert response.content == (stack.static_root / hashed).read_bytes()
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Type"].startswith("text/css")


def test_the_client_address_reaches_the_portal_through_x_forwarded_for(stack):
    """LOGIN_RATE_LIMIT=2/5m/ip: the third failed sign-in from one address is refused. Every
    request reaches the nodes from nginx's 127.0.0.1, so only X-Forwarded-For (with
    TRUSTED_PROXY_COUNT=1) tells the clients apart."""
    UserFactory(email="cible@example.org")
    first = stack.session("127.0.0.2")
    pages = [sign_in(first, stack, "cible@example.org", "faux").text for _ in range(3)]
    assert TOO_MANY not in pages[0]
    assert TOO_MANY in pages[2]
    # A client cannot choose the address it is counted under.
    first.headers["X-Forwarded-For"] = "198.51.100.7"
    assert TOO_MANY in sign_in(first, stack, "cible@example.org", "faux").text
    other = stack.session("127.0.0.3")
    refused = sign_in(other, stack, "cible@example.org", "faux")
    assert refused.status_code == 200
    assert TOO_MANY not in refused.text
    assert sign_in(other, stack, "cible@example.org", TEST_PASSWORD).status_code == 302


def test_plain_http_is_redirected_to_https(stack):
    response = stack.session("127.0.0.7").get(
        f"http://127.0.0.1:{stack.http_port}/resources/?q=x", allow_redirects=False
    )
    assert response.status_code == 301
    assert response.headers["Location"] == "https://127.0.0.1/resources/?q=x"
