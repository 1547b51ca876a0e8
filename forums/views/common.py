"""What the forum views share: page sizes, where a post is, and the lookups that answer
404 or 403 the same way on every page."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.http import HttpRequest

from cdp_portal.accounts.prepared import PreparedLookup
from cdp_portal.core.redirects import safe_next_url
from communities.access import community_or_404, readable_or_404
from communities.models import Community, with_reader_membership
from communities.permissions import can_see_content

from ..models import Forum, Post, Topic
from ..permissions import can_moderate_forum

TOPICS_PER_PAGE = 25
POSTS_PER_PAGE = 20
NOTIFICATIONS_PER_PAGE = 30
FLAGS_PER_PAGE = 30
LOG_PER_PAGE = 50


# What a closed community's discussions say to a non-member: how to join, status 403.
FORBIDDEN_TEMPLATE = "forums/forbidden.html"
Readable = Callable[[Any, Community], bool]


def _safe_next(request: HttpRequest, fallback: str) -> str:
    return safe_next_url(request, request.POST.get("next") or request.GET.get("next"), fallback)


def _page_of(position: int) -> int:
    return (max(position, 1) - 1) // POSTS_PER_PAGE + 1


def post_location(topic: Topic, post: Post) -> str:
    page = _page_of(post.position)
    query = f"?page={page}" if page > 1 else ""
    return f"{topic.get_absolute_url()}{query}#post-{post.pk}"


# --- Lookups ----------------------------------------------------------------------------


def _forum_queryset(user, forums=Forum.objects):
    """Forums of the communities a person may know, with their community and the person's
    membership of it."""
    forums = forums.filter(community__in=Community.objects.visible_to(user))
    return with_reader_membership(forums.select_related("community"), user, "community")


FORUM = PreparedLookup("forums.forum", _forum_queryset)
FORUM_ON_ITS_PAGE = PreparedLookup(
    "forums.forum_page", lambda user: _forum_queryset(user, Forum.objects.with_watch_state(user))
)


def forum_for(user, community_slug: str, slug: str, forums: PreparedLookup = FORUM) -> Forum:
    """The forum among `forums`: 404 when the person may not know its community exists,
    the members-only 403 when they may not read it (a page and its feed alike)."""
    return readable_or_404(
        user,
        forums,
        community=attrgetter("community"),
        members_only=FORBIDDEN_TEMPLATE,
        community__slug=community_slug,
        slug=slug,
    )


def _forum(request: HttpRequest, community_slug: str, slug: str) -> Forum:
    """The forum (`forum_for`), with whether the person watches it."""
    return forum_for(request.user, community_slug, slug, FORUM_ON_ITS_PAGE)


def _topic_queryset(user):
    """Topics of the communities a person may know (content is checked by `_topic`, which
    answers 403 for a closed community); hidden ones only for their author and the
    animation."""
    topics = (
        Topic.objects.filter(forum__community__in=Community.objects.visible_to(user))
        .unhidden_for(user, including_own=True)
        .with_read_state(user)
        .select_related("forum__community", "author")
    )
    return with_reader_membership(topics, user, "forum__community")


# The topic lookups of every topic view, compiled once per kind of person: building and
# compiling them was about half of a topic page's CPU.
TOPIC = PreparedLookup("forums.topic", _topic_queryset)
TOPIC_ON_ITS_PAGE = PreparedLookup(
    "forums.topic_page", lambda user: _topic_queryset(user).with_watch_state(user)
)


def _topic(
    request: HttpRequest,
    pk: int,
    readable: Readable | None = can_see_content,
    *,
    page: bool = False,
) -> Topic:
    """The topic: 404 when unknown to the person; 403 when not `readable` in its community
    (the members-only page for reading, a plain 403 for moderating). `page`: with what
    its page shows besides (whether the person watches it), in the same query."""
    return readable_or_404(
        request.user,
        TOPIC_ON_ITS_PAGE if page else TOPIC,
        community=attrgetter("forum.community"),
        readable=readable,
        members_only=FORBIDDEN_TEMPLATE if readable is can_see_content else None,
        pk=pk,
    )


def _post(request: HttpRequest, pk: int, readable: Readable | None = None) -> Post:
    """A post of a topic the person may read (404 otherwise, even for closed communities:
    post URLs are only reached from a topic page); 403 when not `readable` in its
    community."""
    return readable_or_404(
        request.user,
        with_reader_membership(
            Post.objects.visible_to(request.user).select_related(
                "topic__forum__community", "author__profile"
            ),
            request.user,
            "topic__forum__community",
        ),
        community=attrgetter("topic.forum.community"),
        readable=readable,
        members_only=FORBIDDEN_TEMPLATE if readable is can_see_content else None,
        pk=pk,
    )


def _moderated_community(request: HttpRequest, slug: str) -> Community:
    return community_or_404(request.user, slug, readable=can_moderate_forum)
