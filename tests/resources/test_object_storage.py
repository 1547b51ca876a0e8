"""The library on object storage (MEDIA_STORAGE=s3): uploads, downloads, permissions,
privacy and history against a real S3-compatible server on loopback (tests/s3_server.py),
through the portal's real views."""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from resources import services
from resources.models import Resource, ResourceRevision
from tests.resources.factories import TINY_PDF
from tests.resources.test_uploads import post_resource, upload
from tests.s3_server import free_port

pytestmark = pytest.mark.django_db

STORED_KEY = re.compile(r"resources/\d{4}/\d{2}/[0-9a-f]{32}/[^/]+")
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def bucket_keys(s3_server, bucket: str) -> list[str]:
    listing = s3_server.client().list_objects_v2(Bucket=bucket)
    return sorted(entry["Key"] for entry in listing.get("Contents", []))


def local_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def closed_resource(world) -> Resource:
    return services.resource_create(
        author=world.closed_member,
        community=world.closed,
        title="Compte rendu réservé",
        summary="…",
        kind="document",
        language="fr",
        file=upload("compte-rendu.pdf", TINY_PDF),
    )


def download_url(resource: Resource) -> str:
    return reverse("resources:download", args=[resource.pk])


def test_a_member_uploads_and_downloads_through_the_bucket(
    login, world, settings, s3_server, s3_media
):
    client = login(world.closed_member)
    # The browser's declared type is ignored, here as on disk.
    file = upload("Compte rendu été.pdf", TINY_PDF, "text/html")
    response = post_resource(client, file, community=world.closed.pk)
    assert response.status_code == 302
    resource = Resource.objects.get(title="Titre tapé")
    assert STORED_KEY.fullmatch(resource.file.name)
    assert bucket_keys(s3_server, s3_media) == [resource.file.name]
    assert local_files(settings) == []
    stored = s3_server.client().head_object(Bucket=s3_media, Key=resource.file.name)
    assert stored["ContentLength"] == len(TINY_PDF)
    # Inert even if a signed URL leaked: never rendered by a browser.
    assert stored["ContentType"] == "application/octet-stream"
    assert stored["ContentDisposition"] == "attachment"

    download = client.get(download_url(resource))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "Compte%20rendu%20%C3%A9t%C3%A9.pdf" in download["Content-Disposition"]
    assert download["Content-Length"] == str(len(TINY_PDF))
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert download["Cache-Control"] == "private, max-age=0"
    assert b"".join(download.streaming_content) == TINY_PDF
    resource.refresh_from_db()
    assert resource.download_count == 1


@pytest.mark.parametrize("storage", ["local", "s3"])
def test_non_members_of_a_closed_community_are_refused_the_same_on_both_storages(
    request, login, world, storage
):
    if storage == "s3":
        request.getfixturevalue("s3_media")
    resource = closed_resource(world)
    url = download_url(resource)
    answers = {
        visitor: login(world.visitor(visitor) if visitor else None).get(url)
        for visitor in ("outsider", "open_member", "open_animator", None)
    }
    assert {visitor: answer.status_code for visitor, answer in answers.items()} == {
        "outsider": 404,
        "open_member": 404,
        "open_animator": 404,
        None: 302,
    }
    assert all(TINY_PDF not in answer.content for answer in answers.values())
    assert login(world.closed_member).get(url).status_code == 200
    resource.refresh_from_db()
    assert resource.download_count == 1


def test_a_stored_object_is_private_and_its_key_unguessable(world, s3_server, s3_media):
    first, second = closed_resource(world), closed_resource(world)
    assert first.file.name != second.file.name
    assert STORED_KEY.fullmatch(first.file.name) and STORED_KEY.fullmatch(second.file.name)
    key = first.file.name
    anonymous = f"{s3_server.endpoint_url}/{s3_media}/{urllib.parse.quote(key)}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(anonymous, timeout=5)
    assert refused.value.code == 403
    grants = s3_server.client().get_object_acl(Bucket=s3_media, Key=key)["Grants"]
    assert not [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GRANTEES]
    # The storage never builds an unsigned, lasting URL.
    assert "X-Amz-Signature=" in default_storage.url(key)
    assert "X-Amz-Expires=60" in default_storage.url(key)


def test_files_the_library_refuses_never_reach_the_bucket(
    login, world, settings, s3_server, s3_media
):
    client = login(world.open_member)
    disguised = upload("rapport.pdf", b"<html><body onload=alert(1)>x</body></html>")
    assert post_resource(client, disguised).status_code == 400
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024
    oversized = upload("gros.pdf", TINY_PDF + b"0" * 2048, "application/pdf")
    assert post_resource(client, oversized).status_code == 400
    assert not Resource.objects.filter(title="Titre tapé").exists()
    assert bucket_keys(s3_server, s3_media) == []


def test_replacing_the_file_keeps_the_history_and_the_former_object(
    login, world, s3_server, s3_media
):
    client = login(world.open_member)
    post_resource(client, upload("v1.pdf", TINY_PDF))
    resource = Resource.objects.get(title="Titre tapé")
    first_key = resource.file.name
    data = {
        "title": "Titre tapé",
        "summary": "Résumé.",
        "kind": "document",
        "language": "fr",
        "community": "",
        "tags": "",
        "body": "",
        "url": "",
    }
    edit = reverse("resources:edit", args=[resource.pk])
    response = client.post(edit, {**data, "upload": upload("v2.txt", b"version 2")})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.file_name == "v2.txt"
    assert [r.file_name for r in resource.revisions.all()] == ["v2.txt", "v1.pdf"]
    # Revisions name their files: replacing one deletes nothing.
    assert bucket_keys(s3_server, s3_media) == sorted([first_key, resource.file.name])
    assert b"".join(client.get(download_url(resource)).streaming_content) == b"version 2"


def test_a_missing_object_is_a_404(login, world, s3_server, s3_media):
    resource = closed_resource(world)
    s3_server.client().delete_object(Bucket=s3_media, Key=resource.file.name)
    assert login(world.closed_member).get(download_url(resource)).status_code == 404


@pytest.fixture
def silent_port():
    """A loopback port whose kernel accepts connections for a process that never
    answers: an S3 service frozen or overloaded."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


@pytest.mark.parametrize("outage", ["refused", "frozen"])
def test_a_bucket_that_is_down_refuses_uploads_and_downloads_clearly(
    request, login, world, settings, s3_server, s3_media, outage
):
    resource = closed_resource(world)
    if outage == "refused":
        down = s3_server.storage(s3_media, endpoint_url=f"http://127.0.0.1:{free_port()}")
    else:
        # Production waits 10 s for an answer (twice); 1 s keeps the test short.
        port = request.getfixturevalue("silent_port")
        down = s3_server.storage(s3_media, endpoint_url=f"http://127.0.0.1:{port}", read_timeout=1)
    settings.STORAGES = {**settings.STORAGES, "default": down}
    client = login(world.closed_member)

    started = time.monotonic()
    response = post_resource(client, upload("guide.pdf", TINY_PDF), community=world.closed.pk)
    assert response.status_code == 200
    assert "n&#x27;a pas pu être enregistré" in response.content.decode()
    assert 'value="Titre tapé"' in response.content.decode()
    assert not Resource.objects.filter(title="Titre tapé").exists()
    assert ResourceRevision.objects.filter(resource=resource).count() == 1

    download = client.get(download_url(resource))
    assert download.status_code == 503
    assert download["Retry-After"] == "30"
    assert "son espace de stockage ne répond pas" in download.content.decode()
    # Bounded timeouts and retries: a bucket that is down never holds a worker for long.
    assert time.monotonic() - started < 15
    resource.refresh_from_db()
    assert resource.download_count == 0
