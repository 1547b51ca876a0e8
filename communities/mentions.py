"""Mentions ("@handle") in what people write (posts, private messages): the handles named,
and the Markdown rendered with each handle of an existing profile linked to it."""

from __future__ import annotations

from cdp_portal.core.markdown import MENTION, render_markdown

from .models import Profile

# At most this many handles of a text are looked up (and, in the forums, notified).
MAX_MENTIONS = 20


def mentioned_handles(body: str) -> list[str]:
    """The handles a text names, lower case, each once, in order; at most MAX_MENTIONS."""
    handles: list[str] = []
    for match in MENTION.finditer(body or ""):
        handle = match.group(1).lower()
        if handle not in handles:
            handles.append(handle)
    return handles[:MAX_MENTIONS]


def render_with_mentions(body: str, *, heading_level: int) -> str:
    """The stored HTML of a text: "@handle" of an existing profile links to it; the
    text's highest heading becomes an `<h{heading_level}>`."""
    handles = mentioned_handles(body)
    profiles = Profile.objects.filter(handle__in=handles) if handles else Profile.objects.none()
    mentions = {profile.handle: profile.get_absolute_url() for profile in profiles.only("handle")}
    return str(render_markdown(body, heading_level=heading_level, mentions=mentions))
