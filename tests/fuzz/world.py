"""The data the fuzz harness walks: every kind of object a page can name in its URL, in a
community of each visibility, and the five kinds of visitor.

Written through the services (as the site would), so counters, notifications, search
index and checklist are real; ids come from here, so detail pages have something to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.files.uploadedfile import SimpleUploadedFile
from taggit.models import Tag

from cdp_portal.accounts.models import User
from communities import services as community_services
from communities.models import Community, Membership
from conversations import services as conversation_services
from forums import services as forum_services
from forums.models import Forum, Notification
from readiness import services as readiness_services
from readiness.models import ChecklistItem, ReadinessDecision
from resources import services as resource_services

VISITORS = ("anonymous", "outsider", "member", "animator", "admin")

# A one-page PDF, the smallest file a reader can open.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class World:
    users: dict = field(default_factory=dict)  # visitor kind → user (None: anonymous)
    communities: list = field(default_factory=list)
    forums: list = field(default_factory=list)
    topics: list = field(default_factory=list)
    posts: list = field(default_factory=list)
    resources: list = field(default_factory=list)
    resource_flags: list = field(default_factory=list)
    post_flags: list = field(default_factory=list)
    notifications: list = field(default_factory=list)
    memberships: list = field(default_factory=list)
    checklist_items: list = field(default_factory=list)
    handles: list = field(default_factory=list)
    tag_slugs: list = field(default_factory=list)
    conversations: list = field(default_factory=list)
    conversation_messages: list = field(default_factory=list)
    message_flags: list = field(default_factory=list)


def build_world() -> World:
    """Create the fuzz data in the current database (a test's, or a throwaway one)."""
    world = World()
    cast = _add_people(world)
    _add_communities(world, cast)
    for community in world.communities:
        _add_discussions(world, cast, community)
        _add_community_resource(world, cast, community)
        _add_checklist_items(world, community)
    _add_shared_resource_and_bookmark(world, cast)
    _add_conversation(world, cast)
    _add_admin_rows(world, cast)
    _collect_names(world, cast)
    return world


@dataclass(frozen=True)
class _Cast:
    """Everyone the world is written by; `World.users` only holds the visitors."""

    admin: User
    animator: User
    member: User
    outsider: User
    author: User
    applicant: User

    def everyone(self) -> tuple[User, ...]:
        return (self.admin, self.animator, self.member, self.outsider, self.author, self.applicant)


def _person(email: str, name: str, **fields) -> User:
    user = User.objects.create_user(email=email, password="fuzz-password-1", **fields)
    user.display_name = name
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    community_services.profile_ensure(user=user)
    return user


def _add_people(world: World) -> _Cast:
    cast = _Cast(
        admin=_person("fuzz-admin@example.org", "Admin Fuzz", is_staff=True, is_superuser=True),
        animator=_person("fuzz-animator@example.org", "Anim Fuzz"),
        member=_person("fuzz-member@example.org", "Membre Fuzz"),
        outsider=_person("fuzz-outsider@example.org", "Externe Fuzz"),
        author=_person("fuzz-author@example.org", "Autrice Fuzz"),
        applicant=_person("fuzz-applicant@example.org", "Candidat Fuzz"),
    )
    world.users = {
        "anonymous": None,
        "outsider": cast.outsider,
        "member": cast.member,
        "animator": cast.animator,
        "admin": cast.admin,
    }
    return cast


def _join(world: World, community, user, roles=("member",), status="active") -> Membership:
    membership = Membership.objects.create(
        user=user, community=community, roles=list(roles), status=status
    )
    world.memberships.append(membership)
    return membership


def _add_communities(world: World, cast: _Cast) -> None:
    """One community per visibility, with a membership in every status."""
    for visibility in ("open", "closed", "private"):
        community = Community.objects.create(
            name=f"Fuzz {visibility}",
            slug=f"fuzz-{visibility}",
            summary="Communauté pour le fuzz",
            theme="Essais",
            visibility=visibility,
            phase="deciding" if visibility != "open" else "growing",
        )
        world.communities.append(community)
        _join(world, community, cast.animator, roles=("member", "animator"))
        _join(world, community, cast.author)
        if visibility != "private":
            _join(world, community, cast.member)
        applicant_status = "requested" if visibility == "closed" else "invited"
        _join(world, community, cast.applicant, status=applicant_status)
    _join(world, world.communities[0], cast.outsider, status="left")
    community_services.animator_access_sync(user=cast.animator)


def _add_discussions(world: World, cast: _Cast, community) -> None:
    """Two topics in the community's first forum (the second a call for help), each with
    a reply mentioning someone and a flag on that reply."""
    forums = list(Forum.objects.filter(community=community).order_by("pk"))
    world.forums.extend(forums)
    general = forums[0]
    pairs = ((cast.author, cast.member), (cast.member, cast.animator))
    for index, (writer, replier) in enumerate(pairs):
        if community.visibility == "private" and cast.member in (writer, replier):
            writer, replier = cast.author, cast.animator
        topic = forum_services.topic_create(
            forum=general,
            author=writer,
            title=f"Sujet {index} de {community.name}",
            body=f"Texte **gras** et @{replier.profile.handle}.",
            tags=["moodle", f"fuzz-{community.visibility}"],
            is_call_for_help=index == 1,
        )
        post = forum_services.post_create(
            topic=topic, author=replier, body="Une réponse [lien](https://example.org)."
        )
        world.topics.append(topic)
        world.posts.extend([topic.posts.order_by("pk").first(), post])
        world.post_flags.append(
            forum_services.flag_create(post=post, reporter=writer, reason="Hors sujet")
        )


def _add_community_resource(world: World, cast: _Cast, community) -> None:
    """A resource with a file in the community, flagged by its animator."""
    resource = resource_services.resource_create(
        author=cast.author,
        community=community,
        title=f"Ressource {community.name}",
        summary="Un guide.",
        kind="document",
        language="fr",
        file=SimpleUploadedFile("guide.pdf", TINY_PDF, content_type="application/pdf"),
        tags=["moodle", "guide"],
    )
    world.resources.append(resource)
    world.resource_flags.append(
        resource_services.resource_flag(resource=resource, reporter=cast.animator, reason="Erreur")
    )


def _add_checklist_items(world: World, community) -> None:
    checklist = readiness_services.checklist_ensure(community=community)
    if checklist is not None:
        world.checklist_items.extend(
            ChecklistItem.objects.filter(checklist=checklist).order_by("pk")[:3]
        )


def _add_shared_resource_and_bookmark(world: World, cast: _Cast) -> None:
    """A link outside any community, and a bookmark on the first resource."""
    world.resources.append(
        resource_services.resource_create(
            author=cast.member,
            title="Guide institutionnel",
            summary="Pour tous.",
            kind="link",
            language="en",
            url="https://example.org/guide",
            tags=["institution"],
        )
    )
    resource_services.bookmark_toggle(user=cast.member, resource=world.resources[0])


def _add_conversation(world: World, cast: _Cast) -> None:
    """A private conversation of the member with the author and the animator, the
    author's answer flagged by the member, and a block (the outsider blocked the member)."""
    conversation = conversation_services.conversation_start(
        by=cast.member,
        recipients=[cast.author, cast.animator],
        subject="Une question privée",
        body="Bonjour, **une question**.",
        rate_limited=False,
    )
    answer = conversation_services.message_send(
        conversation=conversation, author=cast.author, body="Réponse privée.", rate_limited=False
    )
    world.conversations.append(conversation)
    world.conversation_messages.extend([conversation.messages.order_by("pk").first(), answer])
    world.message_flags.append(
        conversation_services.message_flag_create(
            message=answer, reporter=cast.member, reason="À vérifier"
        )
    )
    conversation_services.block_set(blocker=cast.outsider, blocked=cast.member, blocking=True)


def _add_admin_rows(world: World, cast: _Cast) -> None:
    """A revision, a hidden post (and its moderation log), a decision, a second factor:
    every admin page has a row to show."""
    forum_services.post_edit(post=world.posts[1], editor=world.posts[1].author, body="Corrigé.")
    forum_services.post_set_hidden(
        post=world.posts[3], by=cast.animator, hidden=True, reason="Test"
    )
    ReadinessDecision.objects.create(
        community=world.communities[1],
        outcome="postpone",
        rationale="Pas encore prêt.",
        decided_by=cast.admin,
        phase_before="deciding",
        phase_after="deciding",
    )
    Authenticator.objects.create(
        user=cast.admin, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )


def _collect_names(world: World, cast: _Cast) -> None:
    """What the services wrote on their own, and the names URLs use: notifications,
    profile handles, tag slugs."""
    world.notifications = list(Notification.objects.order_by("pk"))
    world.handles = [user.profile.handle for user in cast.everyone()]
    world.tag_slugs = list(Tag.objects.order_by("pk").values_list("slug", flat=True))
