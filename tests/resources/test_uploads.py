"""Uploads: an allow list checked on the content, a size limit, and downloads served as
attachments that no browser renders."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from resources import services
from resources.models import Resource
from resources.uploads import inspect_upload
from tests.resources.factories import TINY_PDF

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
DOCM = zip_bytes(
    {
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": b"<w:document/>",
        "word/vbaProject.bin": b"\x00macro",
    }
)
ODT = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})


def post_resource(client, file, **overrides):
    data = {
        "title": "Titre tapé",
        "summary": "Résumé tapé.",
        "kind": "document",
        "language": "fr",
        "community": "",
        "tags": "outil",
        "body": "Corps tapé.",
        "url": "",
        "upload": file,
    }
    data.update(overrides)
    return client.post(reverse("resources:create"), data)


# --- The allow list -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,content,content_type",
    [
        ("guide.pdf", TINY_PDF, "application/pdf"),
        ("image.png", PNG, "image/png"),
        ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        ("anim.gif", b"GIF89a" + b"\x00" * 20, "image/gif"),
        ("img.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 10, "image/webp"),
        (
            "notes.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("notes.odt", ODT, "application/vnd.oasis.opendocument.text"),
        ("archive.zip", zip_bytes({"a.txt": b"a"}), "application/zip"),
        ("lisez-moi.txt", "Bonjour, ça va ?".encode(), "text/plain; charset=utf-8"),
        ("donnees.csv", b"nom;valeur\na;1\n", "text/csv; charset=utf-8"),
        ("notes.md", "# Titre\n\n- élément".encode(), "text/markdown; charset=utf-8"),
    ],
)
def test_allowed_files_are_recognised_by_their_content(name, content, content_type):
    assert inspect_upload(upload(name, content)).kind.content_type == content_type


@pytest.mark.parametrize(
    "name,content",
    [
        ("page.html", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("faux.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("dessin.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'),
        ("dessin.txt", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
        ("data.xml", b'<?xml version="1.0"?><a/>'),
        ("notes.txt", b"Bonjour\n<script>alert(1)</script>"),
        ("notes.md", b"[x](javascript:alert(1))"),
        ("script.js", b"alert(1)"),
        ("install.sh", b"#!/bin/sh\nrm -rf /"),
        ("install.txt", b"#!/bin/sh\nrm -rf /"),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("binary.txt", b"abc\x00def"),
        ("latin1.txt", "café".encode("latin-1")),
        ("macro.docx", DOCM),
        ("broken.docx", b"PK\x03\x04 not really a zip"),
        ("sans-extension", TINY_PDF),
    ],
)
def test_refused_files(name, content):
    with pytest.raises(ValidationError):
        inspect_upload(upload(name, content))


def test_the_extension_must_agree_with_the_content():
    with pytest.raises(ValidationError) as error:
        inspect_upload(upload("image.pdf", PNG))
    assert "ne correspond pas" in error.value.messages[0]


def test_the_size_limit_comes_from_the_setting(settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 100
    inspect_upload(upload("petit.txt", b"x" * 100))
    with pytest.raises(ValidationError) as error:
        inspect_upload(upload("gros.txt", b"x" * 101))
    assert "limite" in error.value.messages[0]


# --- Through the form -----------------------------------------------------------------


def test_a_disguised_html_file_is_refused_and_the_form_keeps_the_typed_values(login, world):
    file = upload("rapport.pdf", b"<html><body onload=alert(1)>x</body></html>", "application/pdf")
    response = post_resource(login(world.open_member), file)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ce type de fichier n&#x27;est pas accepté" in html
    assert 'value="Titre tapé"' in html
    assert "Corps tapé." in html
    assert not Resource.objects.filter(title="Titre tapé").exists()


def test_an_svg_is_refused(login, world):
    file = upload("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml")
    response = post_resource(login(world.open_member), file)
    assert response.status_code == 400
    assert "upload" in response.context["form"].errors
    assert not Resource.objects.filter(title="Titre tapé").exists()


def test_an_oversized_file_is_refused_with_a_message(login, world, settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024
    file = upload("gros.pdf", TINY_PDF + b"0" * 2048, "application/pdf")
    response = post_resource(login(world.open_member), file)
    assert response.status_code == 400
    errors = response.context["form"].errors["upload"]
    assert any("la limite est de 1,0" in e for e in errors)
    assert response.context["form"]["title"].value() == "Titre tapé"
    assert not Resource.objects.filter(title="Titre tapé").exists()


def test_a_file_and_a_url_together_are_refused(login, world):
    file = upload("guide.pdf", TINY_PDF, "application/pdf")
    response = post_resource(login(world.open_member), file, url="https://example.org/")
    assert response.status_code == 400
    assert "pas les deux" in response.content.decode()


def test_a_real_pdf_is_accepted_and_downloaded_as_an_attachment(client, login, world):
    client = login(world.open_member)
    response = post_resource(client, upload("Guide été.pdf", TINY_PDF, "text/html"))
    assert response.status_code == 302
    resource = Resource.objects.get(title="Titre tapé")
    assert resource.file_name == "Guide été.pdf"
    assert resource.file_content_type == "application/pdf"
    assert resource.file_size == len(TINY_PDF)
    assert resource.file.name.startswith("resources/")

    download = client.get(reverse("resources:download", args=[resource.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "Guide%20%C3%A9t%C3%A9.pdf" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(download.streaming_content) == TINY_PDF
    resource.refresh_from_db()
    assert resource.download_count == 1


def test_uploaded_files_are_never_served_from_media_url_even_when_debugging(
    client, login, world, settings
):
    import importlib

    from django.urls import clear_url_caches

    import cdp_portal.urls

    client = login(world.open_member)
    post_resource(client, upload("guide.pdf", TINY_PDF, "application/pdf"))
    resource = Resource.objects.get(title="Titre tapé")
    settings.DEBUG = True
    try:
        importlib.reload(cdp_portal.urls)
        clear_url_caches()
        assert client.get(f"{settings.MEDIA_URL}{resource.file.name}").status_code == 404
    finally:
        settings.DEBUG = False
        importlib.reload(cdp_portal.urls)
        clear_url_caches()


def test_downloads_follow_the_visibility_rule(login, world):
    resource = services.resource_create(
        author=world.private_member,
        community=world.private,
        title="Fichier privé",
        summary="…",
        kind="document",
        language="fr",
        file=upload("prive.pdf", TINY_PDF),
    )
    url = reverse("resources:download", args=[resource.pk])
    assert login(world.outsider).get(url).status_code == 404
    assert login(world.open_animator).get(url).status_code == 404
    assert login(world.private_member).get(url).status_code == 200
    assert login(world.admin).get(url).status_code == 200
    resource.refresh_from_db()
    assert resource.download_count == 2


def test_a_resource_without_file_has_no_download(login, world):
    url = reverse("resources:download", args=[world.open_resource.pk])
    assert login(world.admin).get(url).status_code == 404


def test_a_missing_stored_file_is_a_404_not_an_error(login, world):
    resource = services.resource_create(
        author=world.open_member,
        title="Fichier perdu",
        summary="…",
        kind="document",
        language="fr",
        file=upload("perdu.pdf", TINY_PDF),
    )
    resource.file.storage.delete(resource.file.name)
    url = reverse("resources:download", args=[resource.pk])
    assert login(world.open_member).get(url).status_code == 404


def test_the_service_refuses_what_the_form_refuses(world):
    with pytest.raises(ValidationError):
        services.resource_create(
            author=world.open_member,
            title="Par le service",
            summary="…",
            kind="document",
            language="fr",
            file=upload("page.pdf", b"<html></html>"),
        )
    assert not Resource.objects.filter(title="Par le service").exists()


def test_replacing_and_removing_the_file_on_edit(client, login, world):
    client = login(world.open_member)
    post_resource(client, upload("v1.pdf", TINY_PDF))
    resource = Resource.objects.get(title="Titre tapé")
    edit = reverse("resources:edit", args=[resource.pk])
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
    response = client.post(edit, {**data, "upload": upload("v2.txt", b"version 2")})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.file_name == "v2.txt"
    assert resource.file_content_type == "text/plain; charset=utf-8"

    response = client.post(edit, {**data, "remove_file": "on", "url": "https://example.org/"})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert not resource.file and resource.url == "https://example.org/"
    assert [r.file_name for r in resource.revisions.all()] == ["", "v2.txt", "v1.pdf"]


@pytest.mark.parametrize(
    "name", ["100%d.pdf", "%Y%%.pdf", "%.pdf", "%", "%m%d%H.txt", "rapport %s %n.txt"]
)
def test_percent_in_a_file_name_is_kept_literal(client, community_world, name):
    """The upload path's date goes through strftime, the file's name never does."""
    client.force_login(community_world.open_member)
    content = TINY_PDF if name.endswith(".pdf") else b"Du texte.\n"
    response = post_resource(client, upload(name, content))
    assert response.status_code < 500
    resource = Resource.objects.filter(title="Titre tapé").first()
    if resource is None:
        # Refused (a name without an extension): said in the form, nothing stored.
        assert response.status_code in (200, 400)
        return
    stored = resource.file.name.rsplit("/", 1)[-1]
    # The storage may drop characters it does not keep in names, "%" among them; the date
    # directives are never filled in ("100%d" never becomes "10029").
    assert stored == resource.file.storage.get_valid_name(name)
    assert resource.file.storage.exists(resource.file.name)
