"""The forum lists: my forums, the open calls for help, a forum's topics."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from cdp_portal.accounts.feeds import personal_feed_url
from cdp_portal.accounts.prepared import PreparedQuery
from cdp_portal.core.fragments import render_fragments
from cdp_portal.core.pagination import KeysFirstPaginator, rows_between
from communities.models import Community

from ..forms import CallFilterForm
from ..models import Forum, Topic
from ..permissions import can_moderate_forum, can_post_in
from .common import TOPICS_PER_PAGE, _forum, _page_of

# The median time to a first answer is over the calls opened in this window.
CALL_FIGURES_WINDOW = timedelta(days=90)


# --- My forums --------------------------------------------------------------------------


@require_safe
def forum_index(request: HttpRequest) -> HttpResponse:
    forums = list(Forum.objects.of_member(request.user).for_listing())
    groups: list[tuple[Community, list[Forum]]] = []
    for forum in forums:
        if groups and groups[-1][0].pk == forum.community_id:
            groups[-1][1].append(forum)
        else:
            groups.append((forum.community, [forum]))
    return render(request, "forums/forum_index.html", {"groups": groups})


# --- Calls for help ----------------------------------------------------------------------


@require_safe
def call_list(request: HttpRequest) -> HttpResponse:
    """The open calls for help I may read, oldest first (they have waited longest), and
    how calls are answered: open, unanswered, median time to a first answer."""
    user = request.user
    form = CallFilterForm(request.GET)
    scope = form.cleaned_data["scope"] if form.is_valid() else ""
    topics = Topic.objects.visible_to(user)
    if scope == "mine":
        topics = topics.filter(forum__in=Forum.objects.of_member(user))
    elif scope == "expertise":
        topics = topics.for_expertise_of(user)
    figures = topics.call_figures(since=timezone.now() - CALL_FIGURES_WINDOW)
    calls = (
        topics.open_calls()
        .select_related("forum__community", "author")
        .with_tag_labels()
        .order_by("created_at", "pk")
    )
    # The figures count the open calls already: the same rows as the list's.
    paginator = KeysFirstPaginator(calls, TOPICS_PER_PAGE, count=figures["open"])
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "forums/call_list.html",
        {
            "form": form,
            "page_obj": page,
            "calls": page.object_list,
            "figures": figures,
            "window_days": CALL_FIGURES_WINDOW.days,
        },
    )


# --- A forum's topics ---------------------------------------------------------------------


def _unread_location(topic: Topic) -> str | None:
    """Where the person's first unread post is, or None when they have read everything."""
    last_read = getattr(topic, "last_read_position", None)
    if last_read is None:
        return topic.get_absolute_url()
    if last_read >= topic.post_count:
        return None
    page = _page_of(last_read + 1)
    query = f"?page={page}" if page > 1 else ""
    return f"{topic.get_absolute_url()}{query}#p{last_read + 1}"


def topic_row_key(topic: Topic) -> tuple:
    """Every value forums/topic_row.html shows of a topic for this reader: its cache key
    (cdp_portal.core.fragments)."""
    author = topic.author
    last_author = topic.last_post.author if topic.last_post and topic.last_post.author else None
    return (
        (topic.pk, topic.slug, topic.title, topic.created_at, topic.reply_count),
        (topic.is_hidden, topic.is_pinned, topic.is_locked, topic.is_call_for_help),
        # What `_unread_location` makes the unread link of (computed only to render).
        (topic.solved_at, topic.last_read_position, topic.post_count),
        (topic.author_id, author.get_full_name() if author else None),
        # Its tags: through the revision, which moves with them (forums migration 0015).
        (topic.revision,),
        (topic.last_activity_at, topic.last_activity_natural),
        last_author.get_full_name() if last_author else None,
    )


def _with_tag_labels(topics: list[Topic]) -> None:
    """The tags of the rows to render (TopicQuerySet.with_tag_labels), in one query."""
    labels = Topic.objects.filter(pk__in=[topic.pk for topic in topics]).tag_labels_by_pk()
    for topic in topics:
        topic.tag_labels = labels.get(topic.pk, [])


def _forum_topics(user, bottom: int, top: int, *, forum_id: int):
    """A page of a forum's topics as its list shows them, in the list's order."""
    topics = (
        Topic.objects.filter(forum_id=forum_id)
        .unhidden_for(user)
        .in_list_order()
        .with_read_state(user)
        .for_list_rows()
    )
    return rows_between(topics, bottom, top)


# Compiled once per kind of person and page (cdp_portal.accounts.prepared).
FORUM_TOPICS = PreparedQuery("forums.forum_topics", _forum_topics)


@require_safe
def forum_detail(request: HttpRequest, community_slug: str, slug: str) -> HttpResponse:
    forum = _forum(request, community_slug, slug)
    user = request.user
    moderates = can_moderate_forum(user, forum.community)
    # The services keep the count of the topics not hidden: no COUNT over them. The
    # animation also sees the hidden ones, counted through their own small index (a
    # COUNT of every topic of a 4,000-topic forum cost 3-5 ms).
    hidden = Topic.objects.filter(forum=forum, is_hidden=True).count() if moderates else 0
    paginator = KeysFirstPaginator(
        (),
        TOPICS_PER_PAGE,
        count=forum.topic_count + hidden,
        rows=partial(FORUM_TOPICS.rows, user, forum_id=forum.pk),
    )
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for topic in page.object_list:
        topic.forum = forum
        topic.unread_url = SimpleLazyObject(partial(_unread_location, topic))
        topic.last_activity_natural = naturaltime(topic.last_activity_at)
    fragments = render_fragments(
        request,
        "forums/topic_row.html",
        page.object_list,
        name="topic",
        key=topic_row_key,
        prepare=_with_tag_labels,
    )
    for topic, fragment in zip(page.object_list, fragments, strict=True):
        topic.fragment = fragment
    feed_url = reverse("forums:forum_feed", args=[forum.community.slug, forum.slug])
    return render(
        request,
        "forums/forum_detail.html",
        {
            "forum": forum,
            "community": forum.community,
            "page_obj": page,
            "topics": page.object_list,
            "can_post": can_post_in(user, forum),
            "moderates": moderates,
            "watching": forum.watching,
            "feed_url": feed_url,
            "personal_feed_url": personal_feed_url(request, feed_url),
        },
    )
