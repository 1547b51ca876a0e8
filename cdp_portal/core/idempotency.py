"""One object per submitted form, however many times the form is sent.

A form that creates something (a topic, a reply, a resource) carries a one-time token,
drawn when the form is rendered. The object is stored with it, under a unique
constraint on (author, token): a form sent again (the person resubmitted after a
timeout, or clicked twice) finds the object made the first time instead of making a
second one, and the constraint keeps it to one row even when both requests run at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet

T = TypeVar("T", bound=Model)

FIELD_NAME = "submission_token"


class SubmissionTokenField(forms.UUIDField):
    """The hidden token of a creating form: a new one each time an unbound form is
    rendered, the one sent back when the form comes back with errors. A missing or
    malformed value is no error (the person could not fix a hidden field): the
    submission is then simply not protected against a repeat."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", uuid.uuid4)
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            return None


def create_once(
    queryset: QuerySet[T],
    *,
    author,
    token: uuid.UUID | None,
    create: Callable[[], T],
    before_create: Callable[[], None] | None = None,
) -> tuple[T, bool]:
    """(object, created): the object `author` already created with this token, or the
    one `create()` makes now. `before_create` runs only when something will be created
    (a limit check: a repeated form is never refused for what it already did).

    Call inside a transaction; the creation runs in a savepoint so that losing the race
    to an identical request rolls back only this attempt."""
    if token is None:
        if before_create is not None:
            before_create()
        return create(), True
    mine = queryset.filter(author=author, **{FIELD_NAME: token})
    existing = mine.first()
    if existing is not None:
        return existing, False
    if before_create is not None:
        before_create()
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        existing = mine.first()
        if existing is None:  # another constraint failed: not a repeat
            raise
        return existing, False
