"""The data the fuzz harness walks: every kind of object a page can name in its URL, in a
community of each visibility, and the five kinds of visitor.

Written through the services (as the site would), so counters, notifications, search
index and checklist are real; ids come from here, so detail pages have something to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile

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


def build_world() -> World:
    """Create the fuzz data in the current database (a test's, or a throwaway one)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from cdp_portal.accounts.models import User
    from communities import services as community_services
    from communities.models import Community, Membership
    from forums import services as forum_services
    from forums.models import Forum, Notification
    from readiness import services as readiness_services
    from readiness.models import ChecklistItem, ReadinessDecision
    from resources import services as resource_services

    def person(email: str, name: str, **fields) -> User:
        user = User.objects.create_user(email=email, password="fuzz-password-1", **fields)
        user.display_name = name
        user.save()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        community_services.profile_ensure(user=user)
        return user

    world = World()
    admin = person("fuzz-admin@example.org", "Admin Fuzz", is_staff=True, is_superuser=True)
    animator = person("fuzz-animator@example.org", "Anim Fuzz")
    member = person("fuzz-member@example.org", "Membre Fuzz")
    outsider = person("fuzz-outsider@example.org", "Externe Fuzz")
    author = person("fuzz-author@example.org", "Autrice Fuzz")
    applicant = person("fuzz-applicant@example.org", "Candidat Fuzz")
    world.users = {
        "anonymous": None,
        "outsider": outsider,
        "member": member,
        "animator": animator,
        "admin": admin,
    }

    def join(community, user, roles=("member",), status="active") -> Membership:
        membership = Membership.objects.create(
            user=user, community=community, roles=list(roles), status=status
        )
        world.memberships.append(membership)
        return membership

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
        join(community, animator, roles=("member", "animator"))
        join(community, author)
        if visibility != "private":
            join(community, member)
        join(community, applicant, status="requested" if visibility == "closed" else "invited")
    join(world.communities[0], outsider, status="left")
    community_services.animator_access_sync(user=animator)

    for community in world.communities:
        forums = list(Forum.objects.filter(community=community).order_by("pk"))
        world.forums.extend(forums)
        general = forums[0]
        for index, (writer, replier) in enumerate(((author, member), (member, animator))):
            if community.visibility == "private" and member in (writer, replier):
                writer, replier = author, animator
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
        resource = resource_services.resource_create(
            author=author,
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
            resource_services.resource_flag(resource=resource, reporter=animator, reason="Erreur")
        )
        checklist = readiness_services.checklist_ensure(community=community)
        if checklist is not None:
            world.checklist_items.extend(
                ChecklistItem.objects.filter(checklist=checklist).order_by("pk")[:3]
            )
    world.resources.append(
        resource_services.resource_create(
            author=member,
            title="Guide institutionnel",
            summary="Pour tous.",
            kind="link",
            language="en",
            url="https://example.org/guide",
            tags=["institution"],
        )
    )
    resource_services.bookmark_toggle(user=member, resource=world.resources[0])
    # A revision, a hidden post (and its moderation log), a decision, a second factor:
    # every admin page has a row to show.
    forum_services.post_edit(post=world.posts[1], editor=world.posts[1].author, body="Corrigé.")
    forum_services.post_set_hidden(post=world.posts[3], by=animator, hidden=True, reason="Test")
    ReadinessDecision.objects.create(
        community=world.communities[1],
        outcome="postpone",
        rationale="Pas encore prêt.",
        decided_by=admin,
        phase_before="deciding",
        phase_after="deciding",
    )
    Authenticator.objects.create(
        user=admin, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )

    world.notifications = list(Notification.objects.order_by("pk"))
    world.handles = [
        user.profile.handle for user in (admin, animator, member, outsider, author, applicant)
    ]
    from taggit.models import Tag

    world.tag_slugs = list(Tag.objects.order_by("pk").values_list("slug", flat=True))
    return world
