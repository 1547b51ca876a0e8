"""Reading a topic: its page of posts (with the reply box), a post's permanent link and
its edit history."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cdp_portal.accounts.types import is_signed_in
from cdp_portal.core.announcements import announce
from cdp_portal.core.fragments import (
    SUBMISSION_TOKEN_PLACEHOLDER,
    cached_fragment,
    fragment_key,
    render_one_fragment,
    render_stored_fragments,
    store_fragments,
    with_request_tokens,
)
from communities.permissions import can_see_content
from resources.models import Resource

from .. import services
from ..forms import HideForm, MoveForm, ReplyForm
from ..models import Post, Topic
from ..permissions import (
    can_accept_answer,
    can_edit_post,
    can_flag,
    can_invite_experts,
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


def _set_post_actions(user, topic: Topic, post: Post | _PostKind) -> None:
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


def _fresh_reply_box(
    request: HttpRequest, topic: Topic, *, may_reply: bool, page_number: int
) -> SafeString:
    """The empty reply box at the bottom of a topic page, from the fragment cache: the
    same for everyone with the same right to reply, but for its CSRF and submission
    tokens (new ones in each copy served)."""
    community = topic.forum.community
    key = (
        (topic.pk, page_number, may_reply, topic.is_locked, topic.forum.is_archived),
        (community.name, community.slug),
    )
    values = {"topic": topic, "can_reply": may_reply, "page_number": page_number}

    def empty_form() -> dict:
        initial = {"body": "", "submission_token": SUBMISSION_TOKEN_PLACEHOLDER}
        return {"reply_form": ReplyForm(initial=initial)}

    return render_one_fragment(
        request, "forums/reply_form.html", values, key=key, loaded=empty_form
    )


def topic_header_key(
    topic: Topic, about, *, watching: bool, may_accept: bool, moderates: bool, may_invite: bool
):
    """Every value forums/topic_header.html shows, for this reader: its cache key. The
    topic's tags through its revision (it moves with them: forums migration 0015)."""
    forum = topic.forum
    community = forum.community
    author = topic.author.get_full_name() if topic.author else None
    return (
        (topic.pk, topic.created_at, topic.revision, topic.title, topic.slug),
        (topic.is_pinned, topic.is_hidden, topic.is_locked, topic.is_call_for_help),
        (topic.solved_at, topic.accepted_post_id, topic.reply_count, topic.first_answer_at),
        (topic.author_id, author),
        (forum.pk, forum.slug, forum.name, forum.is_archived),
        (community.pk, community.slug, community.name),
        (about.pk, about.title, about.get_absolute_url()) if about else None,
        (watching, may_accept, moderates, may_invite),
    )


def _topic_header(
    request: HttpRequest, topic: Topic, about, *, may_accept: bool, moderates: bool
) -> SafeString:
    may_invite = can_invite_experts(request.user, topic)
    """The top of the topic page, from the fragment cache; its tags are read only to
    render it."""

    def tags() -> dict:
        return {"tags": Topic.objects.filter(pk=topic.pk).tag_labels_by_pk().get(topic.pk, [])}

    values = {
        "topic": topic,
        "forum": topic.forum,
        "community": topic.forum.community,
        "about": about,
        "watching": topic.watching,
        "can_accept": may_accept,
        "moderates": moderates,
        "can_invite": may_invite,
    }
    key = topic_header_key(
        topic,
        about,
        watching=topic.watching,
        may_accept=may_accept,
        moderates=moderates,
        may_invite=may_invite,
    )
    return render_one_fragment(request, "forums/topic_header.html", values, key=key, loaded=tags)


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


@dataclass
class _PostKind:
    """A kind of post of a topic, with the attributes the rules of `forums.permissions`
    read of a post (a new one they read fails loudly here rather than being missed)."""

    topic: Topic
    author_id: int | None
    is_hidden: bool
    is_opening: bool
    # No real post: never the accepted answer (the accepted answer is in the key).
    pk: int = -1
    # What `_set_post_actions` gives.
    shows_body: bool = False
    editable: bool = False
    quotable: bool = False
    flaggable: bool = False
    acceptable: bool = False

    @property
    def topic_id(self) -> int:
        return self.topic.pk


def post_actions_signature(user, topic: Topic) -> tuple:
    """What `_set_post_actions` gives the person on each kind of post of this topic (theirs
    or someone else's, hidden or not, opening or reply), from the rules themselves: with
    which posts of a page are theirs, all a page of posts depends on about its reader."""
    kinds = []
    for own in (True, False) if is_signed_in(user) else (False,):
        for hidden in (False, True):
            for opening in (True, False):
                post = _PostKind(topic, user.pk if own else -1, hidden, opening)
                _set_post_actions(user, topic, post)
                actions = (post.shows_body, post.editable, post.quotable, post.flaggable)
                kinds.append((*actions, post.acceptable))
    return tuple(kinds)


@dataclass
class PostsSection:
    """A page of a topic's posts, rendered: its HTML (with the request's CSRF token), the
    position of its last post (the read state moves up to it) and, when the posts were
    read from the database rather than the cache, the posts."""

    page: Page
    html: SafeString
    last_position: int | None
    posts: list[Post]


def _posts_keys(topic: Topic, page_number: int) -> tuple:
    # The topic's creation date with its id: a key never outlives a database's topic.
    return (topic.pk, topic.created_at, topic.revision, page_number)


def _section_key(user, topic: Topic, page_number: int, *, moderates: bool, authors) -> str:
    """Everything forums/post.html reads for a page, for this reader: the posts (through
    the topic's revision), the topic's author and accepted answer, what the reader may
    do on each kind of post and, when some posts of the page are theirs, who they are."""
    reader_on_page = user.pk if user.pk is not None and user.pk in authors else None
    return fragment_key(
        "forums/post.html#page",
        (
            _posts_keys(topic, page_number),
            (topic.author_id, topic.accepted_post_id, moderates),
            post_actions_signature(user, topic),
            reader_on_page,
        ),
    )


def _posts_section(request: HttpRequest, topic: Topic, *, moderates: bool) -> PostsSection:
    """The page of the topic's posts asked for, rendered. A page rendered before for the
    same revision of the topic and the same rights is taken whole from the cache (two
    round trips: who wrote the page's posts, then the page); otherwise the posts are read,
    each with what the person may do on it and its HTML (from the fragment cache when
    someone saw it the same way before), and the page is stored for the next reader."""
    user = request.user
    posts = Post.objects.filter(topic=topic).in_topic_order().for_topic_page()
    paginator = Paginator(posts, POSTS_PER_PAGE)
    paginator.__dict__["count"] = topic.post_count  # kept by the services
    page = paginator.get_page(request.GET.get("page"))
    shape_key = fragment_key("forums/post.html#authors", _posts_keys(topic, page.number))
    shape = cached_fragment(shape_key)
    if shape is not None:
        section_key = _section_key(
            user, topic, page.number, moderates=moderates, authors=shape["authors"]
        )
        html = cached_fragment(section_key)
        if html is not None:
            return PostsSection(page, with_request_tokens(request, html), shape["last"], [])
    page.object_list = list(page.object_list)
    for post in page.object_list:
        post.topic = topic
        _set_post_actions(user, topic, post)
    fragments = render_stored_fragments(
        "forums/post.html",
        page.object_list,
        name="post",
        key=lambda post: post_fragment_key(
            post, topic, moderates=moderates, page_number=page.number
        ),
        context={"topic": topic, "moderates": moderates, "page_number": page.number},
    )
    html = "".join(fragments)
    authors = frozenset(post.author_id for post in page.object_list)
    last = page.object_list[-1].position if page.object_list else None
    section_key = _section_key(user, topic, page.number, moderates=moderates, authors=authors)
    store_fragments({shape_key: {"authors": authors, "last": last}, section_key: html})
    return PostsSection(page, with_request_tokens(request, html), last, page.object_list)


def _quoted_reply_box(
    request: HttpRequest, topic: Topic, reply_form: ReplyForm, *, may_reply: bool
) -> HttpResponse:
    """The reply box refilled with a quote, swapped in place by htmx, and said so."""
    page_number = request.GET.get("page", "1")
    response = _reply_box(request, topic, reply_form, may_reply=may_reply, page_number=page_number)
    if reply_form.initial["body"]:
        announce(response, _("Le message cité est ajouté à votre réponse."))
    return response


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
    quoting = reply_form is None and "quote" in request.GET
    if quoting:
        reply_form = ReplyForm(initial={"body": _quoted_initial(request, topic)})
        if request.htmx:
            return _quoted_reply_box(request, topic, reply_form, may_reply=may_reply)
    section = _posts_section(request, topic, moderates=moderates)
    page = section.page
    # A reply box with something in it (a quote, a refused reply) is rendered afresh.
    reply_box = (
        _fresh_reply_box(request, topic, may_reply=may_reply, page_number=page.number)
        if reply_form is None
        else None
    )
    may_accept = can_accept_answer(user, topic)
    if section.last_position is not None and status == 200:
        services.topic_mark_read(user=user, topic=topic, position=section.last_position)
        services.notifications_mark_read(user=user, topic=topic)
    # Only topics opened from a resource pay this query; the resource shows only to those
    # who may see it.
    about = (
        Resource.objects.visible_to(user).filter(pk=topic.resource_id).first()
        if topic.resource_id
        else None
    )
    context = {
        "topic": topic,
        "forum": forum,
        "community": community,
        "page_obj": page,
        "topic_header": _topic_header(
            request, topic, about, may_accept=may_accept, moderates=moderates
        ),
        "posts_html": section.html,
        "reply_form": reply_form,
        "reply_box": reply_box,
        "page_number": page.number,
        "can_reply": may_reply,
        "can_accept": may_accept,
        "moderates": moderates,
        "watching": topic.watching,
        "move_form": MoveForm(topic=topic) if moderates else None,
        "hide_form": HideForm() if moderates else None,
        "about": about,
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
