"""What may be uploaded to the library: an allow list checked on the file's content.

A file is identified by its first bytes (and, for ZIP containers, by the members that
Office Open XML and OpenDocument files must have), never by its name alone; its extension
must then agree with what the content is. HTML, SVG, XML, scripts and executables are
refused: the library never serves anything a browser would render or run. Files are
always served as attachments with the type found here (see views.resource_download).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class FileKind:
    key: str
    label: str
    content_type: str
    extensions: tuple[str, ...]


KINDS = {
    kind.key: kind
    for kind in (
        FileKind("pdf", "PDF", "application/pdf", ("pdf",)),
        FileKind("png", "PNG", "image/png", ("png",)),
        FileKind("jpeg", "JPEG", "image/jpeg", ("jpg", "jpeg")),
        FileKind("gif", "GIF", "image/gif", ("gif",)),
        FileKind("webp", "WebP", "image/webp", ("webp",)),
        FileKind(
            "docx",
            "Word",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
        ),
        FileKind(
            "xlsx",
            "Excel",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ("xlsx",),
        ),
        FileKind(
            "pptx",
            "PowerPoint",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ("pptx",),
        ),
        FileKind("odt", "OpenDocument texte", "application/vnd.oasis.opendocument.text", ("odt",)),
        FileKind(
            "ods",
            "OpenDocument tableur",
            "application/vnd.oasis.opendocument.spreadsheet",
            ("ods",),
        ),
        FileKind(
            "odp",
            "OpenDocument présentation",
            "application/vnd.oasis.opendocument.presentation",
            ("odp",),
        ),
        FileKind("zip", "ZIP", "application/zip", ("zip",)),
        FileKind("txt", "Texte", "text/plain; charset=utf-8", ("txt",)),
        FileKind("csv", "CSV", "text/csv; charset=utf-8", ("csv",)),
        FileKind("md", "Markdown", "text/markdown; charset=utf-8", ("md", "markdown")),
    )
}
ALLOWED_EXTENSIONS = sorted({ext for kind in KINDS.values() for ext in kind.extensions})

_OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
_ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
# What makes a "text" file something a browser or a shell would interpret.
_ACTIVE_TEXT = re.compile(
    rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|meta|link|style|xml|"
    rb"\?xml|math|form|img|a\s)|javascript\s*:|\A\s*#!",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class InspectedFile:
    kind: FileKind
    size: int
    name: str


def max_upload_bytes() -> int:
    return int(getattr(settings, "PORTAL_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _refuse_type() -> ValidationError:
    return ValidationError(
        _(
            "Ce type de fichier n'est pas accepté. Formats permis : PDF, images (PNG, JPEG, "
            "GIF, WebP), documents Office et OpenDocument, ZIP, texte, CSV et Markdown. Les "
            "pages HTML, images SVG, fichiers XML, scripts et programmes sont refusés."
        ),
        code="file_type",
    )


def _sniff_zip(upload) -> str | None:
    """docx/xlsx/pptx, odt/ods/odp or a plain zip; None when the archive is unreadable."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise ValidationError(
                    _("Les documents contenant des macros ne sont pas acceptés."),
                    code="file_macros",
                )
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 100:
                    odf = _ODF_TYPES.get(archive.read("mimetype").decode("ascii", "replace"))
                    if odf:
                        return odf
            if "[Content_Types].xml" in names:
                for key, prefix in _OOXML_PARTS.items():
                    if any(name.startswith(prefix) for name in names):
                        return key
            return "zip"
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
        return None
    finally:
        upload.seek(0)


def _sniff_text(upload, extension: str) -> str | None:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _ACTIVE_TEXT.search(data):
        return None
    return {"csv": "csv", "md": "md", "markdown": "md"}.get(extension, "txt")


def sniff(upload, extension: str) -> str | None:
    """The allow-listed kind of a file's content, or None."""
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(upload)
    if extension in ("txt", "csv", "md", "markdown"):
        return _sniff_text(upload, extension)
    return None


def inspect_upload(upload) -> InspectedFile:
    """Check an uploaded file; raise ValidationError (French message) when refused."""
    name = PurePath(upload.name or "").name.strip()
    limit = max_upload_bytes()
    size = upload.size or 0
    if size > limit:
        raise ValidationError(
            _("Le fichier pèse %(size)s ; la limite est de %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="file_size",
        )
    if size == 0:
        raise ValidationError(_("Le fichier est vide."), code="file_empty")
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in ALLOWED_EXTENSIONS:
        raise _refuse_type()
    key = sniff(upload, extension)
    if key is None:
        raise _refuse_type()
    kind = KINDS[key]
    if extension not in kind.extensions:
        raise ValidationError(
            _(
                "Le contenu du fichier (%(kind)s) ne correspond pas à son extension "
                "« .%(extension)s ». Renommez-le ou choisissez le bon fichier."
            )
            % {"kind": kind.label, "extension": extension},
            code="file_mismatch",
        )
    return InspectedFile(kind=kind, size=size, name=name)
