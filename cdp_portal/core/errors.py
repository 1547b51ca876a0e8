"""What a refused service call tells the person, for views of every app."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def error_text(error: Exception) -> str:
    """The messages of a ValidationError or PermissionDenied raised by a service."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("Cette action n'est pas permise.")
