"""Pages that several apps fill: the dashboard, a community's home, a tag page and a
resource's page.

The page is rendered by the app that owns it (the community's home by `communities`, the
resource's page by `resources`…), while its sections come from apps above it in the layers
(ARCHITECTURE.md): the forums' open calls on a community's home, the library's resources on
a tag page. So the owning app declares the page as an empty `Page`, typed by its subject
(`communities.pages.COMMUNITY_HOME: Page[Community]`), its view builds it, and the site
composes it once, in order, in `cdp_portal.composition`: the one place that says what each
page shows.

A section builder takes the request and the page's subject (the community, the tag, the
resource; the signed-in person for the dashboard) and returns a `Section`, or None to leave
it out. Builders answer with a fixed number of queries, so every page keeps the query count
its tests pin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.http import HttpRequest

Subject = TypeVar("Subject")


@dataclass(frozen=True)
class Section:
    """One block of a composed page: `template` renders it, `key` is its anchor and
    `title` its heading; the template reads the rest as `section.<name>` from `context`."""

    key: str
    title: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # Only reached for names that are not fields; dunder lookups (copy, pickle) must
        # not recurse into `context` before it exists.
        if name.startswith("__") or name == "context":
            raise AttributeError(name)
        try:
            return self.context[name]
        except KeyError:
            raise AttributeError(name) from None


SectionBuilder = Callable[[HttpRequest, Subject], "Section | None"]


class Page(Generic[Subject]):
    """A page's sections, in the order the site composed them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.builders: tuple[SectionBuilder[Subject], ...] = ()

    def compose(self, builders: Sequence[SectionBuilder[Subject]]) -> None:
        """Set the page's sections, replacing any earlier composition (ready() may run
        more than once in tests)."""
        self.builders = tuple(builders)

    def build(self, request: HttpRequest, subject: Subject) -> list[Section]:
        sections = []
        for builder in self.builders:
            section = builder(request, subject)
            if section is not None:
                sections.append(section)
        return sections

    def __repr__(self) -> str:
        return f"<Page {self.name}: {', '.join(b.__qualname__ for b in self.builders)}>"
