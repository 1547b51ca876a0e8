"""Form fields shared by every app: one-line names and titles, and Markdown bodies.

A name or title ends up in e-mail subjects, headers and page titles: a line break there
can silently stop an e-mail, and other control characters only ever come from a paste
gone wrong or an attack. `SingleLineCharField` folds whitespace controls (CR, LF, TAB,
U+2028/2029…) into one space and refuses the other control characters and the bidi
overrides that make a name read differently from what it is. `MarkdownField` caps a
Markdown text at `MAX_MARKDOWN_LENGTH`, the length the renderer is measured against.
This module imports no app of the portal.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .markdown import MAX_MARKDOWN_LENGTH

# Whitespace that breaks a line or jumps a column, folded into one space.
_LINE_BREAKS = re.compile(r"\s*[\t\n\r\v\f\x1c-\x1f\x85\u2028\u2029]+\s*")
# Bidirectional embeddings, overrides and isolates.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def fold_line_breaks(value: str) -> str:
    return _LINE_BREAKS.sub(" ", value).strip()


def validate_single_line(value: str) -> None:
    if any(unicodedata.category(c) in {"Cc", "Cs"} or c in _BIDI_CONTROLS for c in value):
        raise ValidationError(
            _("Ce champ ne peut pas contenir de caractère de contrôle."), code="control"
        )


class SingleLineCharField(forms.CharField):
    """A CharField for names and titles: one line, no control character."""

    default_validators = [validate_single_line]

    def to_python(self, value):
        value = super().to_python(value)
        return fold_line_breaks(value) if value else value


class MarkdownField(forms.CharField):
    """A Markdown text of at most MAX_MARKDOWN_LENGTH characters (Django's own message
    states the maximum and the length typed)."""

    def __init__(self, **kwargs):
        if kwargs.get("max_length") is None:
            kwargs["max_length"] = MAX_MARKDOWN_LENGTH
        kwargs.setdefault("widget", forms.Textarea)
        super().__init__(**kwargs)
