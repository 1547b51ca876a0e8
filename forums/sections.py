"""What the forums add to the dashboard, a community's home, tag pages and resource pages.

Registered in `ForumsConfig.ready()` with `cdp_portal.core.page_sections`. Each builder runs a
fixed number of queries (noted on each) and starts from `Topic.objects.visible_to`.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.translation import gettext as _

from cdp_portal.core.page_sections import Section
from communities.models import Community

from .models import Forum, Topic

PANEL_SIZE = 8
SECTION_SIZE = 6
TAG_PAGE_SIZE = 10


def calls_for_me_panel(request, user) -> Section | None:
    """Dashboard: calls for help I can answer (one query)."""
    calls = list(
        Topic.objects.visible_to(user)
        .open_calls()
        .for_expertise_of(user)
        .select_related("forum__community")
        .order_by("-created_at", "-pk")[:PANEL_SIZE]
    )
    if not calls:
        return None
    return Section(
        key="calls-for-me",
        title=_("Appels à l'aide auxquels je peux répondre"),
        template="forums/sections/calls_for_me.html",
        context={
            "topics": calls,
        },
    )


def recent_activity_panel(request, user) -> Section | None:
    """Dashboard: the latest discussions in my communities, with unread markers (one query)."""
    topics = list(
        Topic.objects.visible_to(user)
        .filter(forum__in=Forum.objects.of_member(user))
        .with_read_state(user)
        .select_related("forum__community", "last_post__author")
        .order_by("-last_activity_at", "-pk")[:PANEL_SIZE]
    )
    if not topics:
        return None
    return Section(
        key="recent-discussions",
        title=_("Activité récente dans mes forums"),
        template="forums/sections/recent_activity.html",
        context={
            "topics": topics,
        },
    )


def open_calls_section(request, community: Community) -> Section | None:
    """Community home: its open calls for help with their age (one query)."""
    calls = list(
        Topic.objects.visible_to(request.user)
        .open_calls()
        .filter(forum__community=community)
        .select_related("forum", "author")
        .order_by("created_at", "pk")[:SECTION_SIZE]
    )
    return Section(
        key="open-calls",
        title=_("Appels à tous ouverts"),
        template="forums/sections/open_calls.html",
        context={
            "topics": calls,
            "community": community,
        },
    )


def recent_topics_section(request, community: Community) -> Section:
    """Community home: its forums and its latest discussions (two queries)."""
    forums = list(Forum.objects.filter(community=community).order_by("position", "pk"))
    topics = list(
        Topic.objects.visible_to(request.user)
        .filter(forum__community=community)
        .with_read_state(request.user)
        .select_related("forum", "last_post__author")
        .order_by("-last_activity_at", "-pk")[:SECTION_SIZE]
    )
    for topic in topics:
        topic.forum.community = community
    return Section(
        key="discussions",
        title=_("Discussions récentes"),
        template="forums/sections/recent_topics.html",
        context={
            "topics": topics,
            "forums": forums,
            "community": community,
        },
    )


def discussions_section(request, tag) -> Section:
    """Tag page: discussions with this tag that the viewer may read, paginated on their
    own `discussions_page` parameter (two queries: count and page)."""
    topics = (
        Topic.objects.visible_to(request.user)
        .tagged(tag)
        .select_related("forum__community", "author")
        .order_by("-last_activity_at", "-pk")
    )
    page = Paginator(topics, TAG_PAGE_SIZE).get_page(request.GET.get("discussions_page"))
    return Section(
        key="discussions",
        title=_("Discussions"),
        template="forums/sections/tag_discussions.html",
        context={
            "page_obj": page,
            "topics": list(page.object_list),
            "empty": _("Aucune discussion ne porte encore cette étiquette."),
        },
    )


def resource_discussions_section(request, resource) -> Section:
    """A resource's page: the discussions about it, and the forums where the person may
    open one: their communities' forums, only the resource's community's when it has
    one (two queries)."""
    user = request.user
    topics = list(
        Topic.objects.visible_to(user)
        .filter(resource=resource)
        .select_related("forum__community", "last_post__author")
        .order_by("-last_activity_at", "-pk")[:SECTION_SIZE]
    )
    forums = Forum.objects.of_member(user)
    if resource.community_id:
        forums = forums.filter(community_id=resource.community_id)
    return Section(
        key="discussions",
        title=_("Discussions"),
        template="forums/sections/resource_discussions.html",
        context={
            "topics": topics,
            "forums": list(forums.for_listing()),
            "resource": resource,
        },
    )
