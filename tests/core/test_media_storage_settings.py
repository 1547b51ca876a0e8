"""MEDIA_STORAGE and the S3_* variables, read by the settings module as production reads
them (manage.py in a child process), against the real S3-compatible server of the tests."""

from __future__ import annotations

from tests.core.test_settings import manage

ROUND_TRIP = (
    "from django.core.files.base import ContentFile; "
    "from django.core.files.storage import default_storage as s; "
    "name = s.save('resources/essai.txt', ContentFile(b'du texte')); "
    "print(type(s._wrapped).__name__, s.location, name, s.open(name).read())"
)


def test_s3_settings_store_and_read_files_in_the_bucket(s3_server):
    bucket = s3_server.create_bucket()
    environment = {**s3_server.environment(bucket), "S3_PREFIX": "/portail/"}
    result = manage("shell", "--verbosity", "0", "-c", ROUND_TRIP, **environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "PrivateS3Storage",
        "portail",
        "resources/essai.txt",
        "b'du",
        "texte'",
    ]
    keys = [o["Key"] for o in s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["portail/resources/essai.txt"]


def test_local_disk_stays_the_default():
    result = manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        "from django.conf import settings; print(settings.STORAGES['default']['BACKEND'])",
        MEDIA_STORAGE="",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.files.storage.FileSystemStorage"


def test_every_s3_setting_problem_is_named_at_once():
    result = manage(
        "check",
        MEDIA_STORAGE="s3",
        S3_BUCKET="",
        S3_ADDRESSING_STYLE="sideways",
        S3_ACCESS_KEY_ID="only-the-key",
    )
    assert result.returncode != 0
    assert "S3_BUCKET is missing: expected the bucket's name" in result.stderr
    assert "S3_ADDRESSING_STYLE='sideways': expected auto, path or virtual" in result.stderr
    assert "S3_SECRET_ACCESS_KEY (value hidden): expected set together with" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_media_storage_is_refused():
    result = manage("check", MEDIA_STORAGE="nfs")
    assert result.returncode != 0
    assert "MEDIA_STORAGE='nfs': expected local or s3" in result.stderr
