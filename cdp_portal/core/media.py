"""Reading uploaded files back on whatever storage holds them (local disk, or the bucket
of cdp_portal.core.s3_storage), without local paths."""

from __future__ import annotations

from typing import IO

from django.core.files.storage import Storage


def open_for_download(storage: Storage, name: str) -> tuple[IO[bytes], int]:
    """A readable stream of a stored file from its first byte, and its size, on any
    storage; FileNotFoundError when it is missing, OSError when the storage fails."""
    open_stream = getattr(storage, "open_stream", None)
    if open_stream is not None:
        return open_stream(name)
    handle = storage.open(name, "rb")
    return handle, handle.size
