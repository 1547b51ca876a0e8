"""The typed worlds of the permission tests: who and what `community_world` and the
fixtures built on it hold.

Tables name their visitors and objects by string ("closed_member", "open_resource") so
that the id pytest prints says what a row tests; `visitor(name)` and its siblings turn
such a name back into the typed attribute, and a misspelt name fails loudly instead of
testing someone else.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Self, TypeVar

from cdp_portal.accounts.models import User
from communities.models import Community
from forums.models import Forum, Post, Topic
from resources.models import Resource

VISIBILITIES = ("open", "closed", "private")

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class CommunityWorld:
    """One community of each visibility, with an animator and a member in each, an
    outsider who belongs to none (they left the open one) and an administrator."""

    open: Community
    closed: Community
    private: Community
    open_animator: User
    open_member: User
    closed_animator: User
    closed_member: User
    private_animator: User
    private_member: User
    outsider: User
    admin: User

    @classmethod
    def extending(cls, base: CommunityWorld, **more: object) -> Self:
        """`base`'s people and things plus `more`: how a fixture builds on another."""
        return cls(**{field.name: getattr(base, field.name) for field in fields(base)}, **more)

    def _named(self, name: str, kind: type[T]) -> T:
        value = getattr(self, name)
        if not isinstance(value, kind):
            raise TypeError(f"{name!r} is a {type(value).__name__}, not a {kind.__name__}")
        return value

    def community(self, visibility: str) -> Community:
        return self._named(visibility, Community)

    def visitor(self, name: str) -> User:
        """The person a table row names: "outsider", "admin", "open_member"…"""
        return self._named(name, User)

    def visitor_for(self, kind: str, visibility: str) -> User:
        """The person of a kind for the community of a visibility: its "member",
        "animator" (or any role the world holds per community); the outsider and the
        administrator are the same whatever the community."""
        if kind in ("outsider", "admin"):
            return self.visitor(kind)
        return self.visitor(f"{visibility}_{kind}")


@dataclass(frozen=True, kw_only=True)
class ForumWorld(CommunityWorld):
    """In each community's "Général" forum, a topic by its member with one reply by its
    animator."""

    open_forum: Forum
    open_topic: Topic
    open_reply: Post
    closed_forum: Forum
    closed_topic: Topic
    closed_reply: Post
    private_forum: Forum
    private_topic: Topic
    private_reply: Post

    def forum_in(self, visibility: str) -> Forum:
        return self._named(f"{visibility}_forum", Forum)

    def topic_in(self, visibility: str) -> Topic:
        return self._named(f"{visibility}_topic", Topic)

    def reply_in(self, visibility: str) -> Post:
        return self._named(f"{visibility}_reply", Post)


@dataclass(frozen=True, kw_only=True)
class ReadinessWorld(CommunityWorld):
    """The three communities in the deciding phase, each with a sponsor (the role and
    `Community.sponsor`)."""

    open_sponsor: User
    closed_sponsor: User
    private_sponsor: User


@dataclass(frozen=True, kw_only=True)
class ResourceWorld(CommunityWorld):
    """A documentalist in the open community and one resource per place, each authored by
    a member of that place (the institution-wide one by the open community's member)."""

    open_documentalist: User
    institution_resource: Resource
    open_resource: Resource
    closed_resource: Resource
    private_resource: Resource

    def resource(self, name: str) -> Resource:
        """The resource a table row names: "open_resource", "institution_resource"…"""
        return self._named(name, Resource)

    def resources(self) -> tuple[Resource, ...]:
        return (
            self.institution_resource,
            self.open_resource,
            self.closed_resource,
            self.private_resource,
        )
