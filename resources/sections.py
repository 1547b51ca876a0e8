"""The library's sections on pages other apps own: the tag page, the community home and
the dashboard.

Registered in ResourcesConfig.ready() with `cdp_portal.core.page_sections`. Both go through
`Resource.objects.visible_to`, so a private community's resources never show to someone
outside it, and each costs a fixed number of queries.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from taggit.models import Tag

from cdp_portal.accounts.feeds import personal_feed_url
from cdp_portal.core.page_sections import Section
from communities.models import Community, TaggedInterest

from .models import Resource, ResourceFlag, Sort, TaggedResource

TAG_PAGE_SIZE = 10
COMMUNITY_HOME_SIZE = 5
DASHBOARD_SIZE = 6


def tag_resources_section(request: HttpRequest, tag: Tag) -> Section:
    resources = (
        Resource.objects.visible_to(request.user)
        .tagged(tag.slug)
        .for_listing()
        .sorted_by(Sort.RECENT)
    )
    page = Paginator(resources, TAG_PAGE_SIZE).get_page(request.GET.get("resources_page"))
    return Section(
        key="resources",
        title=_("Ressources"),
        template="resources/sections/tag_resources.html",
        context={
            "tag": tag,
            "page_obj": page,
            "page_param": "resources_page",
            "resources": page.object_list,
            "personal_feed_url": personal_feed_url(
                request, reverse("resources:feed_tag", args=[tag.slug])
            ),
        },
    )


def community_resources_section(request: HttpRequest, community: Community) -> Section:
    recent = list(
        Resource.objects.visible_to(request.user)
        .filter(community=community)
        .for_listing()
        .sorted_by(Sort.RECENT)[:COMMUNITY_HOME_SIZE]
    )
    return Section(
        key="recent-resources",
        title=_("Ressources récentes"),
        template="resources/sections/community_resources.html",
        context={
            "community": community,
            "resources": recent,
            "personal_feed_url": personal_feed_url(
                request, reverse("resources:feed_community", args=[community.slug])
            ),
        },
    )


def followed_tags_panel(request: HttpRequest, user) -> Section | None:
    """Dashboard: the latest resources carrying a tag I follow (my interests), mine left
    out; nothing when none does. The tags I follow are read first: following none (most
    people), no resource is looked at, where the query walked the whole library in
    date order looking for one (175 ms at 50,000 resources)."""
    my_interests = list(
        TaggedInterest.objects.filter(content_object__user=user).values_list("tag_id", flat=True)
    )
    if not my_interests:
        return None
    carrying = TaggedResource.objects.filter(
        content_object=models.OuterRef("pk"), tag_id__in=my_interests
    )
    resources = list(
        Resource.objects.visible_to(user)
        .filter(models.Exists(carrying))
        .exclude(author=user)
        .for_listing()
        .sorted_by(Sort.RECENT)[:DASHBOARD_SIZE]
    )
    if not resources:
        return None
    return Section(
        key="followed-tags",
        title=_("Nouvelles ressources dans les étiquettes que je suis"),
        template="resources/sections/followed_tags.html",
        context={
            "resources": resources,
        },
    )


def flags_to_handle_panel(request: HttpRequest, user) -> Section | None:
    """Dashboard, for moderators: how many flagged resources wait for them (one query)."""
    count = ResourceFlag.objects.moderated_by(user).open().count()
    if not count:
        return None
    return Section(
        key="resource-flags",
        title=_("Ressources signalées"),
        template="resources/sections/flags_to_handle.html",
        context={
            "count": count,
        },
    )
