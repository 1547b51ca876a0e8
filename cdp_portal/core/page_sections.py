"""Pages that several apps fill: the dashboard, a community's home, a tag page and a
resource's page.

Each such page owns a `SectionRegistry`. An app registers builders in its
`AppConfig.ready()`; a builder receives the request and the page's subject (the tag, the
community, nothing for the dashboard) and returns the context of its section, or None to
leave it out. The section's dict names the template that renders it (`template`) and an
anchor (`key`). Builders answer with a fixed number of queries, so every page keeps the
fixed query count its tests pin.

    from cdp_portal.core.page_sections import COMMUNITY_SECTIONS
    COMMUNITY_SECTIONS.register(recent_resources_section, order=20)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SectionBuilder = Callable[..., "dict[str, Any] | None"]


@dataclass
class SectionRegistry:
    name: str
    _entries: list[tuple[int, str, SectionBuilder]] = field(default_factory=list)

    def register(self, builder: SectionBuilder, *, order: int = 100) -> SectionBuilder:
        """Add a builder once (ready() may run more than once in tests); lower order first."""
        key = f"{builder.__module__}.{builder.__qualname__}"
        if all(existing != key for _, existing, _ in self._entries):
            self._entries.append((order, key, builder))
            self._entries.sort(key=lambda entry: (entry[0], entry[1]))
        return builder

    def build(self, request, *subject) -> list[dict[str, Any]]:
        sections = []
        for _, _, builder in self._entries:
            section = builder(request, *subject)
            if section:
                sections.append(section)
        return sections


# The signed-in home: build(request).
DASHBOARD_PANELS = SectionRegistry("dashboard")
# A community's home, for those who may read its content: build(request, community).
COMMUNITY_SECTIONS = SectionRegistry("community home")
# "Who knows what" at /tags/<slug>/: build(request, tag).
TAG_SECTIONS = SectionRegistry("tag page")
# A resource's page, below the resource: build(request, resource).
RESOURCE_SECTIONS = SectionRegistry("resource page")
