"""Who may do what in a forum. Views, templates, the admin and services ask here.

Reading is not decided here but by the querysets (`Topic.objects.visible_to(user)`…):
views fetch through them, so an unreadable topic is a 404 (private community) or a 403
page (closed community) before any of these checks run. Roles come from
`communities.permissions`: one membership query per community and request, cached on the
user, so a template may ask several of these for every post of a page at no extra cost.
"""

from __future__ import annotations

from cdp_portal.accounts.types import AnyUser, is_signed_in
from communities.models import Community, is_portal_admin
from communities.permissions import can_moderate, can_see_content, membership_for

from .models import Forum, Post, Topic

__all__ = [
    "can_accept_answer",
    "can_edit_post",
    "can_flag",
    "can_invite_experts",
    "can_moderate_forum",
    "can_post_in",
    "can_quote",
    "can_read_post_body",
    "can_reply",
    "can_see_content",
    "is_read_only",
]


def _signed_in(user: AnyUser) -> bool:
    return is_signed_in(user) and user.is_active


def _is_active_member(user: AnyUser, community: Community) -> bool:
    membership = membership_for(user, community)
    return membership is not None and membership.is_active


def can_moderate_forum(user: AnyUser, community: Community) -> bool:
    """Hide, lock, pin, move, handle flags: the community's animators, administrators."""
    return _signed_in(user) and can_moderate(user, community)


def is_read_only(forum: Forum) -> bool:
    """The forum or its community is archived: its topics stay readable, and no one (not
    even an administrator) starts a topic, replies, edits or accepts an answer in it."""
    return forum.is_archived


def can_post_in(user: AnyUser, forum: Forum) -> bool:
    """Start a topic: active members of the community; administrators everywhere; no one
    in an archived forum or community."""
    if not _signed_in(user) or is_read_only(forum):
        return False
    return is_portal_admin(user) or _is_active_member(user, forum.community)


def can_reply(user: AnyUser, topic: Topic) -> bool:
    """Reply: active members while the topic is open; animators even when it is locked."""
    community = topic.forum.community
    if not can_post_in(user, topic.forum):
        return False
    return not topic.is_locked or can_moderate_forum(user, community)


def can_edit_post(user: AnyUser, post: Post) -> bool:
    """Authors edit their own posts while they still belong to the community."""
    if not _signed_in(user) or is_read_only(post.topic.forum):
        return False
    if is_portal_admin(user):
        return True
    return post.author_id == user.pk and can_post_in(user, post.topic.forum)


def can_read_post_body(user: AnyUser, post: Post) -> bool:
    """A hidden post's text: its author, the community's animators and administrators."""
    if not post.is_hidden:
        return True
    if not _signed_in(user):
        return False
    return post.author_id == user.pk or can_moderate_forum(user, post.topic.forum.community)


def can_quote(user: AnyUser, post: Post) -> bool:
    """Quote a post in a reply: whoever may reply, and never a hidden post (its text must
    not travel into a reply, even from those who may still read it)."""
    return not post.is_hidden and can_reply(user, post.topic)


def can_flag(user: AnyUser, post: Post) -> bool:
    """Anyone who reads the community's content may report someone else's post, unless the
    animation already hid it."""
    if not _signed_in(user) or post.author_id == user.pk or post.is_hidden:
        return False
    return can_see_content(user, post.topic.forum.community)


def can_accept_answer(user: AnyUser, topic: Topic, post: Post | None = None) -> bool:
    """Mark solved, reopen, accept an answer: the topic's author or the animation (not in
    an archived forum). With `post`: also that this post may be the accepted answer (a
    reply of this topic, not hidden)."""
    if not _signed_in(user) or is_read_only(topic.forum):
        return False
    if post is not None and (post.topic_id != topic.pk or post.is_opening or post.is_hidden):
        return False
    if can_moderate_forum(user, topic.forum.community):
        return True
    return topic.author_id == user.pk and can_see_content(user, topic.forum.community)


def can_invite_experts(user: AnyUser, topic: Topic) -> bool:
    """Invite experts by name into a call for help: its author, while they still read the
    community, and the community's animation (who send calls for help too); an open call
    (not solved, not hidden, not in an archived forum)."""
    if not _signed_in(user) or not topic.is_call_for_help or is_read_only(topic.forum):
        return False
    if topic.solved_at is not None or topic.is_hidden:
        return False
    community = topic.forum.community
    if can_moderate_forum(user, community):
        return True
    return topic.author_id == user.pk and can_see_content(user, community)
