"""Communities, memberships with their roles, and member profiles.

Visibility rules live in the QuerySet methods below and nowhere else: views, search,
feeds, tag pages, counts and the admin all go through `visible_to(user)` and friends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import connections, models
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, Lower, NullIf, Trim
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from cdp_portal.accounts.permissions import ADMINISTRATORS_GROUP, is_portal_admin
from cdp_portal.accounts.types import AnyUser, User, is_signed_in
from cdp_portal.core.search_text import ENGLISH_CONFIG, FRENCH_CONFIG, Stem, Unaccent
from cdp_portal.core.tags import tag_labels

from .benefits import BENEFIT_CHOICES

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ANIMATORS_GROUP = "Animateurs"


class Phase(models.TextChoices):
    DECIDING = "deciding", _("Se décider")
    PREPARING = "preparing", _("Préparer")
    LAUNCHING = "launching", _("Lancer")
    GROWING = "growing", _("Croître")
    CLOSING = "closing", _("Clore")

    @classmethod
    def after(cls, phase: str) -> str | None:
        order = list(cls.values)
        index = order.index(phase)
        return order[index + 1] if index + 1 < len(order) else None


class Visibility(models.TextChoices):
    OPEN = "open", _("Ouverte")
    CLOSED = "closed", _("Fermée")
    PRIVATE = "private", _("Privée")


class Role(models.TextChoices):
    """Roles in a community, from the source document's human resources."""

    MEMBER = "member", _("Membre")
    ANIMATOR = "animator", _("Animateur·rice")
    COACH = "coach", _("Coach")
    DOCUMENTALIST = "documentalist", _("Documentaliste")
    TECHNICAL_SUPPORT = "technical_support", _("Soutien technique")
    ADMINISTRATIVE_SUPPORT = "administrative_support", _("Soutien administratif")
    SPONSOR = "sponsor", _("Parrain·marraine")

    @classmethod
    def public(cls) -> list[str]:
        """The roles shown by name to whoever may see a community without reading its
        content (its home, profiles, the directory): who animates it and who sponsors it.
        Every other role is part of the content."""
        return [cls.ANIMATOR, cls.SPONSOR]

    @classmethod
    def shown(cls, *, reads_content: bool) -> list[str]:
        """The roles a community's pages list with their holders: all but plain
        membership to those who read its content, the public ones to the others."""
        if reads_content:
            return [role for role in cls.values if role != cls.MEMBER]
        return cls.public()


def content_readable_condition(user: User, path: str = "") -> Q:
    """The rule of `CommunityQuerySet.content_visible_to` for someone who is not an
    administrator, as a condition on the community reached by `path` ("" for the
    community itself, "topic__forum__community" from a notification…): open, or the
    person is an active member. Querysets of other apps use it to decide in one query."""
    prefix = f"{path}__" if path else ""
    active_member = Membership.objects.filter(
        community=OuterRef(path or "pk"), user=user, status=Membership.Status.ACTIVE
    )
    # `Q | expression` is a Q at run time; django-stubs types it by the expression's __ror__.
    return cast(Q, Q(**{f"{prefix}visibility": Visibility.OPEN}) | Exists(active_member))


def animated_condition(user: User, path: str = "") -> Exists:
    """The person animates the community reached by `path` (see `content_readable_condition`):
    the rule of `CommunityQuerySet.moderated_by` for someone who is not an administrator."""
    return Exists(
        Membership.objects.filter(
            community=OuterRef(path or "pk"),
            user=user,
            status=Membership.Status.ACTIVE,
            roles__contains=[Role.ANIMATOR],
        )
    )


def administrators_group_condition(user: User) -> Exists:
    """`is_portal_admin` for a non-superuser, checked inside a query."""
    return Exists(user.groups.through.objects.filter(user=user, group__name=ADMINISTRATORS_GROUP))


class CommunityQuerySet(models.QuerySet):
    def _active_membership_of(self, user: User):
        return Membership.objects.filter(
            community=OuterRef("pk"), user=user, status=Membership.Status.ACTIVE
        )

    def visible_to(self, user: AnyUser) -> CommunityQuerySet:
        """Communities a person may know exist: open and closed ones, private ones they
        belong to. Anonymous visitors see none; administrators see all."""
        if not is_signed_in(user):
            return self.none()
        if is_portal_admin(user):
            return self.all()
        return self.filter(
            ~Q(visibility=Visibility.PRIVATE) | Exists(self._active_membership_of(user))
        )

    def content_visible_to(self, user: AnyUser) -> CommunityQuerySet:
        """Communities whose content (forums, library, member list) a person may read:
        open ones, and closed or private ones they are an active member of."""
        if not is_signed_in(user):
            return self.none()
        if is_portal_admin(user):
            return self.all()
        return self.filter(content_readable_condition(user))

    def of_member(self, user: AnyUser) -> CommunityQuerySet:
        if not is_signed_in(user):
            return self.none()
        return self.filter(Exists(self._active_membership_of(user)))

    def moderated_by(self, user: AnyUser) -> CommunityQuerySet:
        """Communities a person moderates: those they animate; all for administrators."""
        if not is_signed_in(user):
            return self.none()
        if is_portal_admin(user):
            return self.all()
        return self.filter(animated_condition(user))

    def visible_or_invited_to(self, user: AnyUser) -> CommunityQuerySet:
        """`visible_to(user)` plus the communities the person has a pending invitation to:
        an invitee may open a private community's home to accept or decline, and nothing
        else (its content, lists and counts still follow `visible_to`)."""
        if not is_signed_in(user):
            return self.none()
        if is_portal_admin(user):
            return self.all()
        invited_or_active = Membership.objects.filter(
            community=OuterRef("pk"),
            user=user,
            status__in=[Membership.Status.ACTIVE, Membership.Status.INVITED],
        )
        return self.filter(~Q(visibility=Visibility.PRIVATE) | Exists(invited_or_active))

    def visible_or_sponsored_by(self, user: AnyUser) -> CommunityQuerySet:
        """`visible_to(user)` plus the communities the person sponsors: a sponsor named
        without being a member (of a private community, say) still reaches its readiness
        pages, where the launch decision is theirs to record."""
        if not is_signed_in(user):
            return self.none()
        if is_portal_admin(user):
            return self.all()
        return self.filter(
            ~Q(visibility=Visibility.PRIVATE)
            | Exists(self._active_membership_of(user))
            | Q(sponsor=user)
        )

    def with_pending_request_count(self) -> CommunityQuerySet:
        return self.annotate(
            pending_request_count=Count(
                "memberships", filter=Q(memberships__status=Membership.Status.REQUESTED)
            )
        )

    def with_pending_requests(self) -> CommunityQuerySet:
        """Those where someone asks to join (a decision awaits their animators), with
        `pending_request_count`, most requests first: the dashboard and the digest."""
        return (
            self.with_pending_request_count()
            .filter(pending_request_count__gt=0)
            .order_by("-pending_request_count", "name")
        )

    def with_member_count(self) -> CommunityQuerySet:
        return self.annotate(
            member_count=Count(
                "memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)
            )
        )

    def with_member_count_subquery(self) -> CommunityQuerySet:
        """The same `member_count`, as a correlated subquery rather than a join: a count or
        a DISTINCT over the queryset (the admin changelist runs both) then skips it."""
        active = (
            Membership.objects.filter(community=OuterRef("pk"), status=Membership.Status.ACTIVE)
            .order_by()
            .values("community")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return self.annotate(
            member_count=Coalesce(Subquery(active, output_field=models.IntegerField()), 0)
        )

    def matching(self, q: str) -> CommunityQuerySet:
        """Every word in the name, summary or theme, accents and case ignored: the
        communities list's search and the global search alike."""
        queryset = self
        for term in (q or "").split()[:8]:
            queryset = queryset.filter(
                Q(name__unaccent__icontains=term)
                | Q(summary__unaccent__icontains=term)
                | Q(theme__unaccent__icontains=term)
            )
        return queryset

    def for_listing(self) -> CommunityQuerySet:
        return self.select_related("sponsor").with_member_count().order_by("name")


class Community(models.Model):
    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown : titres, listes, liens.")
    )
    theme = models.CharField(_("thème stratégique"), max_length=150, blank=True, db_index=True)
    visibility = models.CharField(
        _("visibilité"), max_length=10, choices=Visibility.choices, default=Visibility.OPEN
    )
    phase = models.CharField(
        _("phase"), max_length=10, choices=Phase.choices, default=Phase.DECIDING
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("parrain·marraine"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sponsored_communities",
        help_text=_("La personne gestionnaire qui légitime la communauté."),
    )
    benefits = ArrayField(
        models.CharField(max_length=40, choices=BENEFIT_CHOICES),
        verbose_name=_("bénéfices visés"),
        default=list,
        blank=True,
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    # Set by communities.services.community_set_archived: an archived community is
    # read-only (no new topics, replies, resources, members) but its content stays.
    archived_at = models.DateTimeField(_("archivée le"), null=True, blank=True, editable=False)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("communauté")
        verbose_name_plural = _("communautés")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["visibility", "phase"]),
            models.Index(fields=["name"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:detail", kwargs={"slug": self.slug})

    def content_readers(self):
        """Active accounts that may read this community's content: the rule of
        `CommunityQuerySet.content_visible_to` seen from the other side (notifications
        and calls for help go only to them)."""
        if self.visibility == Visibility.OPEN:
            return self._active_accounts()
        return self._administrators_or_members()

    def moderators(self):
        """Active accounts that moderate this community: its active animators and the
        administrators (`CommunityQuerySet.moderated_by` seen from the other side)."""
        return self._administrators_or_members(roles__contains=[Role.ANIMATOR])

    @staticmethod
    def _active_accounts():
        from cdp_portal.accounts.models import User

        return User.objects.filter(is_active=True)

    def _administrators_or_members(self, **membership_filters):
        """Active administrators (superusers, the "Administrateurs" group) and the active
        members of this community whose membership also matches `membership_filters`."""
        users = self._active_accounts()
        member = Membership.objects.filter(
            user=OuterRef("pk"), community=self, status=Membership.Status.ACTIVE
        ).filter(**membership_filters)
        administrator = users.model.groups.through.objects.filter(
            user=OuterRef("pk"), group__name=ADMINISTRATORS_GROUP
        )
        return users.filter(Q(is_superuser=True) | Exists(member) | Exists(administrator))

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def holds_content(self) -> bool:
        """Topics, resources or moderation history: what members wrote, which is archived
        rather than deleted with the community."""
        return (
            self.forums.filter(topics__isnull=False).exists()
            or self.resources.exists()
            or self.forum_moderation_log.exists()
            or self.readiness_decisions.exists()
        )

    @property
    def is_open(self) -> bool:
        return self.visibility == Visibility.OPEN

    @property
    def is_private(self) -> bool:
        return self.visibility == Visibility.PRIVATE


class MembershipQuerySet(models.QuerySet):
    def active(self) -> MembershipQuerySet:
        return self.filter(status=Membership.Status.ACTIVE)

    def pending_requests(self) -> MembershipQuerySet:
        return self.filter(status=Membership.Status.REQUESTED)

    def pending_invitations(self) -> MembershipQuerySet:
        return self.filter(status=Membership.Status.INVITED)

    def for_member_list(self) -> MembershipQuerySet:
        """Everything a list of people shows (name, profile link), ordered by name."""
        return self.select_related("user__profile").order_by(
            Lower(NullIf("user__display_name", Value(""))).asc(nulls_last=True),
            Lower("user__last_name"),
            Lower("user__first_name"),
            "user__email",
            "pk",
        )

    def role_holders(self, community, roles: list[str]) -> list[tuple[StrOrPromise, list]]:
        """(role label, people holding it) for each of `roles`, in the roles' order, from
        one query over the community's active members."""
        holders = list(
            self.active().filter(community=community, roles__overlap=roles).for_member_list()
        )
        return [
            (label, [membership.user for membership in holders if value in membership.roles])
            for value, label in Role.choices
            if value in roles
        ]

    def with_role(self, role: str) -> MembershipQuerySet:
        return self.filter(roles__contains=[role])

    def visible_to(self, user: AnyUser) -> MembershipQuerySet:
        """Memberships a person may see: those of communities whose content they may read,
        plus the animators and sponsors of closed communities (shown on their home)."""
        return self.filter(
            Q(community__in=Community.objects.content_visible_to(user))
            | Q(
                community__in=Community.objects.visible_to(user),
                roles__overlap=Role.public(),
            )
        )

    def moderated_by(self, user: AnyUser) -> MembershipQuerySet:
        return self.filter(community__in=Community.objects.moderated_by(user))


class Membership(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", _("Invitée")
        REQUESTED = "requested", _("Demandée")
        ACTIVE = "active", _("Active")
        LEFT = "left", _("Quittée")
        REFUSED = "refused", _("Refusée")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("communauté"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    roles = ArrayField(
        models.CharField(max_length=30, choices=Role.choices),
        verbose_name=_("rôles"),
        default=list,
        blank=True,
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    allocated_hours_per_month = models.PositiveSmallIntegerField(
        _("temps alloué (heures par mois)"),
        null=True,
        blank=True,
        help_text=_("Le temps que l'organisation accorde à la personne pour la communauté."),
    )
    request_message = models.TextField(_("message de la demande"), blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invitée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décision par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    joined_at = models.DateTimeField(_("membre depuis"), null=True, blank=True)
    left_at = models.DateTimeField(_("quittée le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "community"], name="communities_membership_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["user", "status"]),
            GinIndex(fields=["roles"], name="communities_membership_roles"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.community}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def get_roles_display(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels.get(role, role)) for role in self.roles]


# Where `with_reader_membership` leaves the person's membership, and says it looked
# (Django sets no attribute at all when the join found no membership).
READER_MEMBERSHIP = "reader_membership"
_READER_MEMBERSHIP_FETCHED = "reader_membership_fetched"


def with_reader_membership(queryset: QuerySet, user: AnyUser, community: str = "") -> QuerySet:
    """`queryset` with the person's membership (or None) of each row's community, whose
    path is `community` ("" when the rows are communities), joined into the same statement:
    a page that looks up one object and then asks `communities.permissions` about it pays
    no query for the membership (`readable_or_404` hands it to `membership_for`). At most
    one row per community and person (communities_membership_unique)."""
    if not is_signed_in(user):
        return queryset
    memberships = f"{community}__memberships" if community else "memberships"
    joined = FilteredRelation(memberships, condition=Q(**{f"{memberships}__user": user}))
    return queryset.annotate(
        **{READER_MEMBERSHIP: joined, _READER_MEMBERSHIP_FETCHED: Value(True)}
    ).select_related(READER_MEMBERSHIP)


def fetched_reader_membership(found: models.Model) -> tuple[bool, Membership | None]:
    """Whether `found` came from `with_reader_membership`, and the membership it brought
    (None: the person is not in that community)."""
    if not found.__dict__.get(_READER_MEMBERSHIP_FETCHED):
        return False, None
    return True, found.__dict__.get(READER_MEMBERSHIP)


class TaggedExpertise(TaggedItemBase):
    content_object: models.ForeignKey[Profile, Profile] = models.ForeignKey(
        "Profile", on_delete=models.CASCADE
    )

    class Meta:
        verbose_name = _("expertise")
        verbose_name_plural = _("expertises")


class TaggedInterest(TaggedItemBase):
    content_object: models.ForeignKey[Profile, Profile] = models.ForeignKey(
        "Profile", on_delete=models.CASCADE
    )

    class Meta:
        verbose_name = _("intérêt")
        verbose_name_plural = _("intérêts")


class Language(models.TextChoices):
    FRENCH = "fr", _("Français")
    ENGLISH = "en", _("Anglais")
    SPANISH = "es", _("Espagnol")
    GERMAN = "de", _("Allemand")
    PORTUGUESE = "pt", _("Portugais")
    ITALIAN = "it", _("Italien")
    ARABIC = "ar", _("Arabe")
    MANDARIN = "zh", _("Mandarin")
    INNU = "innu", _("Innu-aimun")


# Words combined with AND in a directory search.
MAX_SEARCH_WORDS = 8


def profile_directory_columns() -> dict[str, Subquery | Func]:
    """What the directory reads of a profile's person and expertise, copied onto the
    profile so that a search or a page of names reads one table, through its indexes:
    expressions for `Profile.objects.update(**…)` (`services.profile_directory_refresh`,
    the one place that writes them).

    - `search_text`, what `ProfileQuerySet.search` looks in: the display, first and last
      names, unit, job title and expertise tag names, lower case without accents
      (`cdp_unaccent(lower(…))`, as the words searched). Separated by spaces: a search
      word never holds one, so it cannot match across two fields.
    - `sort_name`, the order of `ordered_by_name`: the name people see
      (`User.get_full_name`): display name, else first and last name, else the e-mail
      address; lower case."""
    full_name = Trim(Concat("first_name", Value(" "), "last_name"))
    sort_name = Lower(
        Coalesce(
            NullIf("display_name", Value("")),
            NullIf(full_name, Value("")),
            "email",
            output_field=models.TextField(),
        )
    )
    expertise = (
        TaggedExpertise.objects.filter(content_object=OuterRef("pk"))
        .order_by()
        .values("content_object")
        .annotate(text=StringAgg("tag__name", " ", order_by="tag__name"))
        .values("text")
    )
    names = _words(F("display_name"), F("first_name"), F("last_name"))
    return {
        "search_text": Unaccent(
            Lower(_words(_of_user(names), F("unit"), F("job_title"), Subquery(expertise)))
        ),
        "sort_name": _of_user(sort_name),
    }


def _of_user(expression) -> Subquery:
    """An expression over the profile's person, for an UPDATE of profiles (which may not
    join)."""
    return Subquery(User.objects.filter(pk=OuterRef("user_id")).values(value=expression))


def _words(*parts) -> Func:
    """`concat_ws(' ', …)`: the parts that are not NULL, separated by a space."""
    return Func(Value(" "), *parts, function="concat_ws", output_field=models.TextField())


class ProfileQuerySet(models.QuerySet):
    def for_directory(self) -> ProfileQuerySet:
        return self.filter(user__is_active=True).select_related("user")

    def for_cards(self) -> ProfileQuerySet:
        """What a member card shows (directory/member_card.html): the person's name and
        `expertise_labels`, the expertise tags as {"slug", "name"} by slug, read in the
        same statement (`cdp_portal.core.tags.tag_labels`)."""
        expertise = TaggedExpertise.objects.filter(content_object=OuterRef("pk"))
        return self.select_related("user").annotate(
            expertise_labels=tag_labels(expertise, order_by="tag__slug")
        )

    def in_community(self, community) -> ProfileQuerySet:
        return self.filter(
            user__memberships__community=community,
            user__memberships__status=Membership.Status.ACTIVE,
        )

    def moderated_by(self, user: AnyUser) -> ProfileQuerySet:
        """Profiles an animator looks after: the active members of the communities they
        moderate, and those asking to join them (whose request they must judge). An
        `Exists` rather than a join, so a person in two such communities appears once."""
        if not is_signed_in(user):
            return self.none()
        if is_portal_admin(user):
            return self.all()
        return self.filter(
            Exists(
                Membership.objects.filter(
                    user=OuterRef("user"),
                    community__in=Community.objects.moderated_by(user),
                    status__in=[Membership.Status.ACTIVE, Membership.Status.REQUESTED],
                )
            )
        )

    # --- Member directory (search, filters, tag pages) ---------------------------------

    def ordered_by_name(self) -> ProfileQuerySet:
        """Alphabetical by the name people see (`User.get_full_name`): display name, else
        first and last name, else the e-mail address; case-insensitive. The name is kept
        on the profile (`sort_name`, see `profile_directory_columns`), so the first page of
        a large result reads 24 entries of its index rather than sorting every match."""
        return self.order_by("sort_name", "pk")

    def search(self, q: str) -> ProfileQuerySet:
        """Accent- and case-insensitive search over names, unit, job title and expertise.

        Every word must match somewhere ("helene tremblay" finds Hélène by her first name
        and Tremblay by her last); the e-mail address is left out on purpose, since people
        may hide it. Each word is looked for in `search_text`, where those fields are kept
        folded (`profile_directory_columns`), with the same `cdp_unaccent(lower(…))` on both
        sides: one column, served by its trigram index for words of three letters or more,
        rather than six per-row unaccents and a join to the tags. A word also matches by
        its French or English stem ("videos" finds "vidéo"), computed once while planning
        (`cdp_stem`, communities 0011)."""
        every_word = Q()
        for word in (q or "").split()[:MAX_SEARCH_WORDS]:
            every_word &= (
                Q(search_text__contains=Unaccent(Lower(Value(word))))
                # Or its stem, in French or English: "videos" finds "vidéo".
                | Q(search_text__contains=Stem(FRENCH_CONFIG, Value(word)))
                | Q(search_text__contains=Stem(ENGLISH_CONFIG, Value(word)))
            )
        return self.filter(every_word)

    def with_visible_membership(
        self, viewer: AnyUser, *, community=None, role: str = ""
    ) -> ProfileQuerySet:
        """People with an active membership that `viewer` may see
        (`MembershipQuerySet.visible_to`), optionally in `community` and/or holding `role`
        (in that same community when both are given). A private community the viewer is
        not in matches nobody; in a closed one only its animators and sponsors show."""
        memberships = Membership.objects.active().visible_to(viewer).filter(user=OuterRef("user"))
        if community is not None:
            memberships = memberships.filter(community=community)
        if role:
            memberships = memberships.with_role(role)
        return self.filter(Exists(memberships))

    def with_expertise(self, tag) -> ProfileQuerySet:
        return self.filter(
            Exists(TaggedExpertise.objects.filter(content_object=OuterRef("pk"), tag=tag))
        )

    def interested_in(self, tag) -> ProfileQuerySet:
        return self.filter(
            Exists(TaggedInterest.objects.filter(content_object=OuterRef("pk"), tag=tag))
        )

    def campuses(self) -> list[str]:
        """The distinct campuses of the directory's people (active accounts), for the
        campus filter. A skip scan of the campus index: one probe for each campus, then
        one active person looked for in it, rather than every profile joined to its
        account on each page of the directory."""
        # Where the queryset reads (the read replica in a reading request).
        with connections[self.db].cursor() as cursor:
            cursor.execute(_CAMPUSES_SQL)
            return [campus for (campus,) in cursor.fetchall()]


# `ProfileQuerySet.campuses`: the same list as the campuses of
# `for_directory().exclude(campus="")`, distinct, in the database's order.
_CAMPUSES_SQL = """
WITH RECURSIVE campus (name) AS (
    SELECT min(campus) FROM communities_profile WHERE campus > ''
    UNION ALL
    SELECT (SELECT min(p.campus) FROM communities_profile p WHERE p.campus > campus.name)
    FROM campus
    WHERE campus.name IS NOT NULL
)
SELECT campus.name
FROM campus
-- LIMIT 1: one active person per campus found, and no join of every profile instead.
CROSS JOIN LATERAL (
    SELECT 1
    FROM communities_profile p JOIN accounts_user u ON u.id = p.user_id
    WHERE p.campus = campus.name AND u.is_active
    LIMIT 1
) AS active
WHERE campus.name IS NOT NULL
ORDER BY campus.name
"""


class Profile(models.Model):
    """What colleagues see of a person in the directory, and their own preferences."""

    class NotificationEmail(models.TextChoices):
        ALL = "all", _("Toutes mes notifications")
        DIRECT = (
            "direct",
            _(
                "Seulement ce qui me concerne directement : mentions, appels à l'aide, "
                "invitations, réponses acceptées, messages privés"
            ),
        )
        NONE = "none", _("Aucune : je consulte le centre de notifications du portail")

    class DigestFrequency(models.TextChoices):
        """How often the person gets the e-mail digest (the `digests` app sends it)."""

        WEEKLY = "weekly", _("Chaque semaine, le lundi")
        DAILY = "daily", _("Chaque jour, le matin")
        NONE = "none", _("Jamais")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    handle = models.SlugField(_("identifiant public"), max_length=80, unique=True)
    job_title = models.CharField(_("fonction"), max_length=150, blank=True)
    unit = models.CharField(_("unité (service ou faculté)"), max_length=150, blank=True)
    campus = models.CharField(_("campus ou lieu"), max_length=100, blank=True)
    bio = models.TextField(_("présentation"), blank=True, help_text=_("Markdown."))
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    languages = ArrayField(
        models.CharField(max_length=8, choices=Language.choices),
        verbose_name=_("langues parlées"),
        default=list,
        blank=True,
    )
    show_email = models.BooleanField(_("afficher mon adresse e-mail"), default=True)
    show_phone = models.BooleanField(_("afficher mon téléphone"), default=False)
    ask_me_about = models.BooleanField(
        _("on peut me consulter sur mes expertises"),
        default=False,
        help_text=_("Vos collègues verront que vous acceptez les questions sur vos expertises."),
    )
    accepts_messages = models.BooleanField(
        _("accepter les messages privés"),
        default=True,
        db_default=True,
        help_text=_(
            "Vos collègues peuvent vous écrire depuis votre profil, sans jamais voir votre "
            "adresse e-mail. Décochez pour ne plus recevoir de nouvelles conversations ; "
            "celles en cours restent ouvertes."
        ),
    )
    notification_email = models.CharField(
        _("notifications par courriel"),
        max_length=8,
        choices=NotificationEmail.choices,
        default=NotificationEmail.ALL,
        help_text=_(
            "Le centre de notifications du portail les garde toutes, quel que soit ce choix."
        ),
    )
    # Weekly unless the person chooses otherwise; in the database too, so that a node still
    # running the previous code creates profiles that get the digest.
    digest_frequency = models.CharField(
        _("résumé par courriel"),
        max_length=8,
        choices=DigestFrequency.choices,
        default=DigestFrequency.WEEKLY,
        db_default=DigestFrequency.WEEKLY,
        help_text=_(
            "Un seul courriel qui rassemble les nouvelles discussions et réponses de ce que "
            "vous suivez, les ressources de vos étiquettes, les appels à l'aide pour vos "
            "expertises et vos tâches à faire, s'il y a du nouveau. Par défaut : chaque "
            "semaine."
        ),
    )
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    # Denormalised for the directory (`profile_directory_columns`); "" in the database
    # too, so that a node still running the previous code can create profiles.
    search_text = models.TextField(
        _("texte de recherche"), blank=True, default="", db_default="", editable=False
    )
    sort_name = models.TextField(
        _("nom pour le tri"), blank=True, default="", db_default="", editable=False
    )

    expertise = TaggableManager(
        verbose_name=_("expertises"),
        through=TaggedExpertise,
        related_name="expert_profiles",
        blank=True,
        help_text=_("Séparées par des virgules, par exemple : moodle, évaluation, vidéo."),
    )
    interests = TaggableManager(
        verbose_name=_("intérêts"),
        through=TaggedInterest,
        related_name="interested_profiles",
        blank=True,
        help_text=_("Séparés par des virgules."),
    )

    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("profil")
        verbose_name_plural = _("profils")
        indexes = [
            models.Index(fields=["unit"]),
            models.Index(fields=["campus"]),
            # Serves `search_text LIKE '%word%'` (pg_trgm, from migration 0002).
            GinIndex(
                fields=["search_text"],
                name="communities_profile_search",
                opclasses=["gin_trgm_ops"],
            ),
            models.Index(fields=["sort_name", "id"], name="communities_profile_by_name"),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def get_absolute_url(self) -> str:
        return reverse("directory:profile", kwargs={"handle": self.handle})

    @property
    def display_name(self) -> str:
        return self.user.get_full_name()

    def get_languages_display(self) -> list[str]:
        labels = dict(Language.choices)
        return [str(labels.get(code, code)) for code in self.languages]

    def wants_email(self, *, direct: bool) -> bool:
        """Whether the person asked to be e-mailed about something: everything, only
        what concerns them directly (`direct`: a mention, a call for their expertise, an
        invitation, a private message…), or nothing."""
        if self.notification_email == self.NotificationEmail.NONE:
            return False
        if self.notification_email == self.NotificationEmail.DIRECT:
            return direct
        return True
