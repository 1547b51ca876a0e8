"""The communities' pages that other apps fill with sections (composed in
`cdp_portal.composition`)."""

from __future__ import annotations

from taggit.models import Tag

from cdp_portal.core.page_sections import Page

from .models import Community

# A community's home, below its description, for those who may read its content.
COMMUNITY_HOME: Page[Community] = Page("community home")
# "Who knows what" at /tags/<slug>/: people, resources and discussions about one tag.
TAG_PAGE: Page[Tag] = Page("tag page")
