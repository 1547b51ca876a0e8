"""Uploaded files in a private bucket of an S3-compatible service (MEDIA_STORAGE=s3, see
settings and README "Media on object storage").

The apps only use Django's storage API, and expect what FileSystemStorage does when
something goes wrong: an OSError (FileNotFoundError for a missing file). The S3 storage
here keeps that promise, so an upload refused for a full disk is refused the same way
for an unreachable bucket, and a download of a missing object is the same 404.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import IO, Any

from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# A bucket that does not answer must fail a request in seconds, not hold a web worker for
# botocore's default minute per attempt: one retry (a throttled or restarting service),
# so at worst 2 x 10 s for a service that accepts connections and never answers.
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 10
TOTAL_ATTEMPTS = 2
# A missing key; not NoSuchBucket, which is a misconfigured or lost bucket (also a 404).
_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


@contextlib.contextmanager
def _as_os_errors(name: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        if str(error.response.get("Error", {}).get("Code", "")) in _MISSING_CODES:
            raise FileNotFoundError(f"No stored object {name!r}") from error
        raise OSError(f"Object storage refused {name!r}: {error}") from error
    except (BotoCoreError, Boto3Error) as error:
        raise OSError(f"Object storage unavailable for {name!r}: {error}") from error


class PrivateS3Storage(S3Storage):
    """django-storages' S3 backend, held to what the library needs whatever the options:

    - objects are private: no ACL is sent (the bucket's default, private, applies) and
      `url()` only ever signs short-lived URLs — the portal never hands them out, files
      reach people through the download view and its permission check;
    - objects are stored as `application/octet-stream` with `Content-Disposition:
      attachment`, so even a leaked signed URL never makes a browser render one;
    - a stored name is never reused (revisions keep naming the files they had);
    - failures are OSError, as on disk (see the module's docstring)."""

    def __init__(
        self,
        *,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        read_timeout: float = READ_TIMEOUT_SECONDS,
        total_attempts: int = TOTAL_ATTEMPTS,
        **options: Any,
    ) -> None:
        addressing_style = options.pop("addressing_style", None) or "auto"
        options.update(
            default_acl=None,
            querystring_auth=True,
            querystring_expire=60,
            file_overwrite=False,
            custom_domain=None,
            gzip=False,
            client_config=Config(
                s3={"addressing_style": addressing_style},
                signature_version="s3v4",
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                retries={"total_max_attempts": total_attempts, "mode": "standard"},
            ),
        )
        super().__init__(**options)

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        return {
            **super().get_object_parameters(name),
            "ContentType": "application/octet-stream",
            "ContentDisposition": "attachment",
        }

    def _open(self, name: str, mode: str = "rb") -> Any:
        with _as_os_errors(name):
            return super()._open(name, mode)

    def _save(self, name: str, content: Any) -> str:
        with _as_os_errors(name):
            return super()._save(name, content)

    def delete(self, name: str) -> None:
        with _as_os_errors(name):
            super().delete(name)

    def exists(self, name: str) -> bool:
        with _as_os_errors(name):
            return super().exists(name)

    def size(self, name: str) -> int:
        with _as_os_errors(name):
            return super().size(name)

    def open_stream(self, name: str) -> tuple[IO[bytes], int]:
        """The object's bytes as they arrive, and its size. `open()` would first copy the
        whole object into a temporary file before the first byte reaches the person."""
        key = self._normalize_name(clean_name(name))
        with _as_os_errors(name):
            answer = self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key)
        return answer["Body"], int(answer["ContentLength"])
