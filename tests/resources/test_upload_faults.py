"""An upload the server cannot store (disk full, read-only media) refuses the resource
clearly, keeps what was typed, and leaves neither a partial file nor a resource row; the
same form sent twice adds one resource."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from resources.models import Resource, ResourceRevision
from tests.resources.factories import TINY_PDF

pytestmark = pytest.mark.django_db

BIG_PDF = TINY_PDF + b"%" + b"x" * 200_000 + b"\n"
TOKEN = re.compile(r'name="submission_token" value="([0-9a-f-]{36})"')


class FullDiskStorage(FileSystemStorage):
    """Writes the first chunk of the file, then the disk is full: what a real full
    disk does (tests run as root here, where a read-only folder does not stop writes)."""

    def _save(self, name, content):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as partial:
            partial.write(next(iter(content.chunks(chunk_size=1024))))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _files_under(root: str) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def _form_data(**overrides) -> dict:
    data = {
        "title": "Titre tapé",
        "summary": "Résumé tapé.",
        "kind": "document",
        "language": "fr",
        "community": "",
        "tags": "outil, évaluation",
        "body": "Corps tapé avec soin.",
        "url": "",
        "upload": SimpleUploadedFile("guide.pdf", BIG_PDF, content_type="application/pdf"),
    }
    data.update(overrides)
    return data


@pytest.fixture
def full_disk(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.FullDiskStorage"},
    }


def test_a_full_disk_refuses_the_resource_and_keeps_what_was_typed(
    auth_client, settings, full_disk
):
    response = auth_client.post(reverse("resources:create"), _form_data())
    assert response.status_code == 200
    body = response.content.decode()
    assert "Le fichier n&#x27;a pas pu être enregistré" in body or (
        "Le fichier n'a pas pu être enregistré" in body
    )
    assert 'value="Titre tapé"' in body
    assert 'value="Résumé tapé."' in body
    assert "Corps tapé avec soin." in body
    assert "outil, évaluation" in body
    assert not Resource.objects.exists()
    assert not ResourceRevision.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == []


def test_a_file_stored_for_a_resource_that_cannot_be_saved_is_removed(user, settings, monkeypatch):
    from django.db import IntegrityError

    from resources import services

    def failing_revision(resource, editor):
        raise IntegrityError("simulated failure after the file was stored")

    monkeypatch.setattr(services, "_write_revision", failing_revision)
    with pytest.raises(IntegrityError):
        services.resource_create(
            author=user,
            title="Titre",
            summary="Résumé",
            kind="document",
            language="fr",
            file=SimpleUploadedFile("guide.pdf", BIG_PDF, content_type="application/pdf"),
        )
    assert not Resource.objects.exists()
    assert _files_under(settings.MEDIA_ROOT) == []


def test_the_same_resource_form_sent_twice_adds_one_resource(auth_client, settings):
    token = TOKEN.search(auth_client.get(reverse("resources:create")).content.decode()).group(1)
    first = auth_client.post(reverse("resources:create"), _form_data(submission_token=token))
    second = auth_client.post(reverse("resources:create"), _form_data(submission_token=token))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Resource.objects.count() == 1
    assert len(_files_under(settings.MEDIA_ROOT)) == 1  # the second file was not kept


def test_a_stored_upload_still_works(auth_client, settings):
    response = auth_client.post(reverse("resources:create"), _form_data())
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.file_name == "guide.pdf"
    assert [p.read_bytes() for p in _files_under(settings.MEDIA_ROOT)] == [BIG_PDF]
