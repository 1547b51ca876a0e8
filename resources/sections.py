"""The library's sections on pages other apps own: the tag page and the community home.

Registered in ResourcesConfig.ready() with `cdp_portal.page_sections`. Both go through
`Resource.objects.visible_to`, so a private community's resources never show to someone
outside it, and each costs a fixed number of queries.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.translation import gettext as _
from taggit.models import Tag

from communities.models import Community

from .models import Resource, Sort

TAG_PAGE_SIZE = 10
COMMUNITY_HOME_SIZE = 5


def tag_resources_section(request: HttpRequest, tag: Tag) -> dict:
    resources = (
        Resource.objects.visible_to(request.user)
        .tagged(tag.slug)
        .for_listing()
        .sorted_by(Sort.RECENT)
    )
    page = Paginator(resources, TAG_PAGE_SIZE).get_page(request.GET.get("resources_page"))
    return {
        "key": "resources",
        "title": _("Ressources"),
        "template": "resources/sections/tag_resources.html",
        "tag": tag,
        "page_obj": page,
        "page_param": "resources_page",
        "resources": page.object_list,
    }


def community_resources_section(request: HttpRequest, community: Community) -> dict:
    recent = list(
        Resource.objects.visible_to(request.user)
        .filter(community=community)
        .for_listing()
        .sorted_by(Sort.RECENT)[:COMMUNITY_HOME_SIZE]
    )
    return {
        "key": "recent-resources",
        "title": _("Ressources récentes"),
        "template": "resources/sections/community_resources.html",
        "community": community,
        "resources": recent,
    }
