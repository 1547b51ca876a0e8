"""Slugs that follow an id in a path (`/topics/<id>/<slug>/`, `/resources/<id>/<slug>/`):
readable, bounded, and never one of the view names that may follow the id there."""

from __future__ import annotations

from collections.abc import Collection

from django.utils.text import slugify

MAX_SLUG_LENGTH = 80


def path_slug(text: str, *, reserved: Collection[str], suffix: str) -> str:
    """The slug of `text`; a slug that is a reserved path segment gets `-suffix`."""
    slug = slugify(text)[:MAX_SLUG_LENGTH].strip("-")
    return f"{slug}-{suffix}" if slug in reserved else slug
