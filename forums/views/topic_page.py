"""Reading a topic: its page of posts (with the reply box), a post's permanent link and
its edit history."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cdp_portal.core.fragments import render_fragments
from communities.permissions import can_see_content
from resources.models import Resource

from .. import services
from ..forms import HideForm, MoveForm, ReplyForm
from ..models import Post, Topic
from ..permissions import (
    can_accept_answer,
    can_edit_post,
    can_flag,
    can_moderate_forum,
    can_quote,
    can_read_post_body,
    can_reply,
)
from .common import POSTS_PER_PAGE, _post, _topic, post_location

QUOTE_MAX_CHARS = 2000


def _quote_text(post: Post) -> str:
    author = post.author.get_full_name() if post.author else _("Quelqu'un")
    body = post.body[:QUOTE_MAX_CHARS]
    quoted = "\n".join(f"> {line}" if line else ">" for line in body.splitlines())
    return _("%(name)s a écrit :") % {"name": author} + "\n" + quoted + "\n\n"


def _quoted_initial(request: HttpRequest, topic: Topic) -> str:
    """`?quote=<post id>`: the reply box starts with that post quoted (after what the
    person already typed, sent along by htmx as `body`)."""
    try:
        quote_id = int(request.GET.get("quote", ""))
    except ValueError:
        return ""
    post = (
        Post.objects.readable_by(request.user)
        .filter(topic=topic, pk=quote_id)
        .select_related("author")
        .first()
    )
    if post is None or not can_quote(request.user, post):
        return ""
    typed = request.GET.get("body", "").strip()
    return (typed + "\n\n" if typed else "") + _quote_text(post)


def _set_post_actions(user, topic: Topic, post: Post) -> None:
    """What forums/post.html offers on a post, each from its one rule in
    `forums.permissions` (the template adds no condition of its own)."""
    post.shows_body = can_read_post_body(user, post)
    post.editable = can_edit_post(user, post)
    post.quotable = can_quote(user, post)
    post.flaggable = can_flag(user, post)
    # The answer already accepted is not offered again (accepting it again changes nothing).
    post.acceptable = can_accept_answer(user, topic, post) and topic.accepted_post_id != post.pk


def _reply_box(
    request: HttpRequest, topic: Topic, reply_form: ReplyForm, *, may_reply: bool, page_number: str
) -> HttpResponse:
    """The reply form alone, for htmx to swap in place."""
    return render(
        request,
        "forums/reply_form.html",
        {
            "topic": topic,
            "reply_form": reply_form,
            "can_reply": may_reply,
            "page_number": page_number,
        },
    )


def post_fragment_key(post: Post, topic: Topic, *, moderates: bool, page_number: int) -> tuple:
    """Every value forums/post.html shows of a post for this reader: its cache key
    (cdp_portal.core.fragments)."""
    author = post.author
    try:
        handle = author.profile.handle if author else None
    except ObjectDoesNotExist:
        handle = None
    hidden_by = post.hidden_by.get_full_name() if moderates and post.hidden_by else None
    return (
        (post.pk, post.position, post.created_at, post.edited_at, post.body_html),
        (post.is_hidden, post.hidden_reason, post.hidden_at, hidden_by),
        (post.author_id, author.get_full_name() if author else None, handle),
        (topic.pk, topic.author_id, topic.accepted_post_id == post.pk),
        (post.shows_body, post.editable, post.quotable, post.flaggable, post.acceptable),
        (moderates, page_number),
    )


def _posts_page(request: HttpRequest, topic: Topic, *, moderates: bool) -> Page:
    """The page of the topic's posts asked for, each with what the person may do on it
    and its HTML (from the fragment cache when someone saw it the same way before)."""
    posts = Post.objects.filter(topic=topic).in_topic_order().for_topic_page()
    paginator = Paginator(posts, POSTS_PER_PAGE)
    paginator.__dict__["count"] = topic.post_count  # kept by the services
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for post in page.object_list:
        post.topic = topic
        _set_post_actions(request.user, topic, post)
    fragments = render_fragments(
        request,
        "forums/post.html",
        page.object_list,
        name="post",
        key=lambda post: post_fragment_key(
            post, topic, moderates=moderates, page_number=page.number
        ),
        context={"topic": topic, "moderates": moderates, "page_number": page.number},
    )
    for post, fragment in zip(page.object_list, fragments, strict=True):
        post.fragment = fragment
    return page


def _render_topic(
    request: HttpRequest,
    topic: Topic,
    *,
    reply_form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    forum = topic.forum
    community = forum.community
    moderates = can_moderate_forum(user, community)
    may_reply = can_reply(user, topic)
    if reply_form is None:
        initial = _quoted_initial(request, topic) if "quote" in request.GET else ""
        reply_form = ReplyForm(initial={"body": initial})
        if request.htmx and "quote" in request.GET:
            page_number = request.GET.get("page", "1")
            return _reply_box(
                request, topic, reply_form, may_reply=may_reply, page_number=page_number
            )
    page = _posts_page(request, topic, moderates=moderates)
    may_accept = can_accept_answer(user, topic)
    if page.object_list and status == 200:
        services.topic_mark_read(user=user, topic=topic, position=page.object_list[-1].position)
        services.notifications_mark_read(user=user, topic=topic)
    context = {
        "topic": topic,
        "forum": forum,
        "community": community,
        "page_obj": page,
        "posts": page.object_list,
        "tags": topic.tag_labels,
        "reply_form": reply_form,
        "page_number": page.number,
        "can_reply": may_reply,
        "can_accept": may_accept,
        "moderates": moderates,
        "watching": topic.watching,
        "move_form": MoveForm(topic=topic) if moderates else None,
        "hide_form": HideForm() if moderates else None,
        # Only topics opened from a resource pay this query; the resource shows only to
        # those who may see it.
        "about": (
            Resource.objects.visible_to(user).filter(pk=topic.resource_id).first()
            if topic.resource_id
            else None
        ),
    }
    return render(request, "forums/topic_detail.html", context, status=status)


@require_safe
def topic_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    topic = _topic(request, pk, page=True)
    return _render_topic(request, topic)


# --- Posts ---------------------------------------------------------------------------------


@require_safe
def post_permalink(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    return redirect(post_location(post.topic, post))


@require_safe
def post_history(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk, readable=can_see_content)
    if not can_read_post_body(request.user, post):
        raise Http404
    revisions = list(post.revisions.select_related("editor").order_by("-created_at", "-pk")[:100])
    return render(request, "forums/post_history.html", {"post": post, "revisions": revisions})
