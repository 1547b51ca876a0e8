"""PORTAL_DOWNLOADS_VIA_PROXY: the same permission check and headers, the bytes sent by
nginx (X-Accel-Redirect) instead of Python. tests/deploy/ runs it behind a real nginx."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from resources import services
from tests.resources.factories import TINY_PDF

pytestmark = pytest.mark.django_db


def stored_pdf(world, *, name="Guide été.pdf", community=None, author=None):
    return services.resource_create(
        author=author or world.open_member,
        community=community,
        title="Guide",
        summary="…",
        kind="document",
        language="fr",
        file=SimpleUploadedFile(name, TINY_PDF, content_type="application/pdf"),
    )


def test_by_default_the_bytes_come_from_python(login, world):
    resource = stored_pdf(world)
    download = login(world.open_member).get(reverse("resources:download", args=[resource.pk]))
    assert download.status_code == 200
    assert "X-Accel-Redirect" not in download
    assert b"".join(download.streaming_content) == TINY_PDF


def test_via_the_proxy_the_answer_is_empty_and_names_the_protected_file(login, world, settings):
    settings.PORTAL_DOWNLOADS_VIA_PROXY = True
    resource = stored_pdf(world)
    download = login(world.open_member).get(reverse("resources:download", args=[resource.pk]))
    assert download.status_code == 200
    assert download.content == b""
    # Percent-encoded: nginx decodes the URI before looking under its alias of MEDIA_ROOT.
    assert download["X-Accel-Redirect"] == "/protected-media/" + resource.file.name.replace(
        "é", "%C3%A9"
    )
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "Guide%20%C3%A9t%C3%A9.pdf" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
    resource.refresh_from_db()
    assert resource.download_count == 1


def test_via_the_proxy_the_permission_check_still_comes_first(login, world, settings):
    settings.PORTAL_DOWNLOADS_VIA_PROXY = True
    resource = stored_pdf(world, community=world.private, author=world.private_member)
    url = reverse("resources:download", args=[resource.pk])
    refused = login(world.outsider).get(url)
    assert refused.status_code == 404
    assert "X-Accel-Redirect" not in refused
    assert "X-Accel-Redirect" in login(world.private_member).get(url)


def test_via_the_proxy_a_missing_file_is_a_404_not_a_redirect(login, world, settings):
    settings.PORTAL_DOWNLOADS_VIA_PROXY = True
    resource = stored_pdf(world)
    resource.file.storage.delete(resource.file.name)
    response = login(world.open_member).get(reverse("resources:download", args=[resource.pk]))
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response
