"""The resource's page, which other apps extend below the resource (composed in
`cdp_portal.composition`)."""

from __future__ import annotations

from cdp_portal.core.page_sections import Page

from .models import Resource

RESOURCE_PAGE: Page[Resource] = Page("resource page")
