"""The tagged resource library: resources, their tags, bookmarks and edit history.

Who sees a resource is decided in one place, `ResourceQuerySet.visible_to(user)`; the
list, search, facet counts, detail, download, feeds, bookmarks and tag pages all start
there. Writes go through `resources.services`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields, replace
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import URLValidator
from django.db import connections, models
from django.db.models import Count, ExpressionWrapper, F, Func, Q, Subquery, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from cdp_portal.accounts.types import AnyUser, is_signed_in
from cdp_portal.core.moderation import FlagBase
from cdp_portal.core.search_text import SearchText, Unaccent
from communities.models import Community, is_portal_admin

from .search import (
    INSTITUTION_WIDE,
    corrected_query,
    headline_expression,
    rank_expression,
    search_filter,
)


class Kind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    LINK = "link", _("Lien")
    TOOL = "tool", _("Outil")
    METHOD = "method", _("Méthode")
    PROCESS = "process", _("Processus")
    CASE_STUDY = "case_study", _("Étude de cas")
    TESTIMONIAL = "testimonial", _("Témoignage")
    FAQ = "faq", _("FAQ")
    SCENARIO = "scenario", _("Scénario")
    BEST_PRACTICE = "best_practice", _("Meilleure pratique")
    PRESENTATION = "presentation", _("Présentation")
    TRAINING = "training", _("Formation")


class ResourceLanguage(models.TextChoices):
    FRENCH = "fr", _("Français")
    ENGLISH = "en", _("Anglais")


class Sort(models.TextChoices):
    RELEVANCE = "relevance", _("Pertinence")
    RECENT = "recent", _("Plus récentes")
    POPULAR = "popular", _("Plus consultées")


def upload_to(instance: Resource, filename: str) -> str:
    """`resources/2026/05/<random>/<name>`: the random folder makes a stored file's path
    unguessable, so it is only ever reached through the download view's checks."""
    name = PurePath(filename).name[-120:]
    # Only the date goes through strftime: a "%" in the file's name stays a "%".
    return f"{timezone.now():resources/%Y/%m}/{uuid.uuid4().hex}/{name}"


POPULARITY = F("view_count") + F("download_count")
# Where `ResourceQuerySet.for_listing` puts a resource's tags (see `Resource.listed_tags`).
LISTED_TAGS = "prefetched_tags"
_TAG_IDS: ArrayField = ArrayField(models.IntegerField())
_KIND_LABELS = dict(Kind.choices)
_LANGUAGE_LABELS = dict(ResourceLanguage.choices)


@dataclass(frozen=True)
class VisibilityScope:
    """Everything `ResourceQuerySet.visible_to` depends on for one person, and nothing
    else: the filter is built from this object alone (never from the person), so whatever
    decides what someone sees is here, and `signature()` (the facet cache key) covers it.

    `readable` and `moderated` stay lazy querysets of community ids: the filter uses them
    as subqueries (no extra query), the signature evaluates them. `evaluated()` reads
    them once for both (the library page: its cache key, then its counts and results)."""

    sees_nothing: bool = False
    is_admin: bool = False
    # The person, for their own hidden resources.
    user_id: int | None = None
    readable: models.QuerySet | tuple[int, ...] | None = None
    moderated: models.QuerySet | tuple[int, ...] | None = None

    def evaluated(self) -> VisibilityScope:
        """The same scope with its community ids read now, sorted: in one query (each
        queryset's own SQL, side by side), on the database the first one reads from."""
        lazy = {
            field.name: value
            for field in fields(self)
            if isinstance(value := getattr(self, field.name), models.QuerySet)
        }
        if not lazy:
            return self
        parts, params = [], []
        for name, queryset in lazy.items():
            sql, part_params = queryset.order_by().values("pk").query.sql_with_params()
            parts.append(f"SELECT %s, ids.pk FROM ({sql}) AS ids")
            params += [name, *part_params]
        found: dict[str, list[int]] = {name: [] for name in lazy}
        with connections[next(iter(lazy.values())).db].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for name, pk in cursor.fetchall():
                found[name].append(pk)
        found_ids: dict[str, Any] = {name: tuple(sorted(ids)) for name, ids in found.items()}
        return replace(self, **found_ids)

    def signature(self) -> tuple:
        """A hashable value equal for two people exactly when they see the same
        resources (the community ids are read now, sorted)."""
        parts = []
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, models.QuerySet):
                value = _ids(value)
            parts.append((field.name, value))
        return tuple(parts)

    def condition(self, *, with_authorship: bool = True) -> Q:
        """The rule, on the fields `community` and `is_hidden` (and `author_id`): of a
        resource, or of the library's counts (`ResourceCount`), which know no author:
        `with_authorship=False` leaves out what a person sees only as its author (their
        own hidden resources, see `ResourceQuerySet.seen_as_author`). Not for
        `sees_nothing` (`visible_in` answers none)."""
        if self.is_admin:
            return Q()
        readable = Q(community__isnull=True) | Q(community__in=self.readable)
        if with_authorship:
            shown = Q(is_hidden=False) | Q(author_id=self.user_id) | Q(community__in=self.moderated)
        else:
            shown = Q(is_hidden=False) | Q(community__in=self.moderated)
        return readable & shown


def _ids(queryset: models.QuerySet) -> tuple[int, ...]:
    return tuple(sorted(queryset.values_list("pk", flat=True)))


class ResourceQuerySet(models.QuerySet):
    # --- Visibility: the one rule -------------------------------------------------------

    @staticmethod
    def visibility_scope(user: AnyUser) -> VisibilityScope:
        """Who sees what, in the terms `visible_to` filters on: anonymous visitors and
        deactivated accounts nothing, administrators everything, the others the content
        of the communities they may read (hidden resources only where they animate, or
        their own)."""
        if not is_signed_in(user) or not user.is_active:
            return VisibilityScope(sees_nothing=True)
        if is_portal_admin(user):
            return VisibilityScope(is_admin=True)
        return VisibilityScope(
            user_id=user.pk,
            readable=Community.objects.content_visible_to(user).values("pk"),
            moderated=Community.objects.moderated_by(user).values("pk"),
        )

    def visible_to(self, user: AnyUser) -> ResourceQuerySet:
        """Resources a person may see: those of communities whose content they may read,
        and institution-wide ones. Hidden resources only for their author, the community's
        animators and administrators. Anonymous visitors see none."""
        return self.visible_in(self.visibility_scope(user))

    def visible_in(self, scope: VisibilityScope) -> ResourceQuerySet:
        """The filter of `visible_to`, from the scope alone."""
        if scope.sees_nothing:
            return self.none()
        return self.filter(scope.condition())

    def seen_as_author(self, scope: VisibilityScope) -> ResourceQuerySet:
        """What the scope's person sees only because they wrote it (their own hidden
        resources where they do not moderate): `visible_in` less what the library's counts
        hold (`condition(with_authorship=False)`)."""
        if scope.sees_nothing or scope.is_admin or scope.user_id is None:
            return self.none()
        # author and is_hidden first: the same rows, found through the author's index.
        return (
            self.filter(author_id=scope.user_id, is_hidden=True)
            .filter(scope.condition())
            .exclude(scope.condition(with_authorship=False))
        )

    def discussable_in(self, community) -> ResourceQuerySet:
        """Resources a discussion in this community's forums may be about: its own and the
        institution-wide ones (another community's would show its title to outsiders)."""
        return self.filter(Q(community__isnull=True) | Q(community=community))

    # --- Search and filters ---------------------------------------------------------------

    def matching(self, q: str, *, correction: str | None = None) -> ResourceQuerySet:
        """Full-text match (French or English stemming, accents ignored, misspelt words
        corrected) or a title close to the words typed (trigram word similarity). No
        ranking: for counts. `correction` is `corrected_query(q)` when the caller has it
        already (it costs a query)."""
        text = SearchText(q)
        if not text:
            return self
        if correction is None:
            correction = corrected_query(text, within=self)
        return self.filter(search_filter(text, correction, within=self))

    def ranked(self, q: str, *, correction: str = "") -> ResourceQuerySet:
        """A relevance `rank` and a highlighted `headline` (raw: pass it through
        `resources.search.safe_headline` before showing it). PostgreSQL computes the
        headline only for the rows of the page (it is not a sort key)."""
        text = SearchText(q)
        if not text:
            return self
        return self.annotate(
            rank=rank_expression(text, correction),
            headline=headline_expression(text, correction),
        )

    def search(self, q: str) -> ResourceQuerySet:
        correction = corrected_query(SearchText(q), within=self) if SearchText(q) else ""
        return self.matching(q, correction=correction).ranked(q, correction=correction)

    def tagged(self, slug: str) -> ResourceQuerySet:
        return self.filter(
            models.Exists(
                TaggedResource.objects.filter(content_object=models.OuterRef("pk"), tag__slug=slug)
            )
        )

    def carrying(self, slug: str) -> ResourceQuerySet:
        """`tagged`, read on the tag ids in the row (`tag_ids`, kept by reindex): checked
        on each row as an index walks the library in order, where `tagged` looks each row
        up among the taggings."""
        tag_id = Subquery(Tag.objects.filter(slug=slug).values("pk")[:1])
        wanted = Func(tag_id, template="ARRAY[%(expressions)s]::integer[]")
        return self.filter(tag_ids__contains=ExpressionWrapper(wanted, output_field=_TAG_IDS))

    def in_scope(self, community_slug: str) -> ResourceQuerySet:
        if community_slug == INSTITUTION_WIDE:
            return self.filter(community__isnull=True)
        return self.filter(community__slug=community_slug)

    def sorted_by(self, sort: str) -> ResourceQuerySet:
        if sort == Sort.RELEVANCE and "rank" in self.query.annotations:
            return self.order_by("-rank", "-created_at", "-pk")
        if sort == Sort.POPULAR:
            return self.order_by(POPULARITY.desc(), "-pk")
        return self.order_by("-created_at", "-pk")

    def for_listing(self) -> ResourceQuerySet:
        """What a list of resources shows (resources/resource_item.html): the community
        and the tags. Not the author (no list shows it), nor the texts kept out of the row
        (description, search vectors), which would be fetched from TOAST for nothing."""
        return (
            self.select_related("community")
            # Into a plain list (`Resource.listed_tags`): taggit's manager would otherwise
            # build a queryset per resource only to hang the prefetched tags on it.
            .prefetch_related(models.Prefetch("tags", to_attr=LISTED_TAGS))
            .defer("body", "search_vector", "search_head")
        )

    # --- Facets: one query each, on whatever this queryset already filters --------------

    def kind_counts(self) -> list[tuple[str, str, int]]:
        labels = dict(Kind.choices)
        rows = self.order_by().values_list("kind").annotate(n=Count("pk")).order_by("-n", "kind")
        return [(value, labels.get(value, value), n) for value, n in rows]

    def language_counts(self) -> list[tuple[str, str, int]]:
        labels = dict(ResourceLanguage.choices)
        rows = (
            self.order_by()
            .values_list("language")
            .annotate(n=Count("pk"))
            .order_by("-n", "language")
        )
        return [(value, labels.get(value, value), n) for value, n in rows]

    def community_counts(self) -> list[tuple[str, str | None, int]]:
        """(slug, name, count); institution-wide resources have the slug INSTITUTION_WIDE
        and no name."""
        rows = (
            self.order_by()
            .values_list("community__slug", "community__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "community__name")
        )
        return [(slug or INSTITUTION_WIDE, name, n) for slug, name, n in rows]

    def tag_counts(self, limit: int = 20) -> list[tuple[str, str, int]]:
        """(slug, name, count) of the most used tags among these resources. Counted per
        tag id first and named after: joining every tagged item to its tag before
        grouping costs more than the count itself."""
        inner_sql, inner_params = self.order_by().values("pk").query.sql_with_params()
        # Where the queryset reads (the read replica in a reading request).
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"""
                SELECT tag.slug, tag.name, counted.n
                FROM (
                    SELECT tagged.tag_id, COUNT(*) AS n
                    FROM resources_taggedresource AS tagged
                    WHERE tagged.content_object_id IN ({inner_sql})
                    GROUP BY tagged.tag_id
                ) AS counted
                JOIN taggit_tag AS tag ON tag.id = counted.tag_id
                ORDER BY counted.n DESC, tag.name
                LIMIT %s
                """,
                [*inner_params, limit],
            )
            return [tuple(row) for row in cursor.fetchall()]


class Resource(models.Model):
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=80, blank=True)
    summary = models.CharField(
        _("résumé"), max_length=300, help_text=_("Une ou deux phrases, montrées dans les listes.")
    )
    body = models.TextField(
        _("description"), blank=True, help_text=_("Markdown : titres, listes, liens.")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.DOCUMENT)
    file = models.FileField(_("fichier"), upload_to=upload_to, max_length=255, blank=True)
    file_name = models.CharField(_("nom du fichier"), max_length=255, blank=True)
    file_content_type = models.CharField(_("type de contenu"), max_length=120, blank=True)
    file_size = models.PositiveBigIntegerField(_("taille du fichier"), null=True, blank=True)
    url = models.URLField(
        _("adresse web"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("communauté"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        help_text=_("Vide : la ressource est offerte à toute l'institution."),
    )
    language = models.CharField(
        _("langue"),
        max_length=2,
        choices=ResourceLanguage.choices,
        default=ResourceLanguage.FRENCH,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur·rice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), default=timezone.now)
    featured = models.BooleanField(_("à la une"), default=False)
    is_hidden = models.BooleanField(
        _("masquée"),
        default=False,
        help_text=_("Une ressource masquée par la modération n'est plus montrée aux membres."),
    )
    view_count = models.PositiveIntegerField(_("consultations"), default=0)
    download_count = models.PositiveIntegerField(_("téléchargements"), default=0)
    # Kept current by resources.services.reindex (denormalised for search).
    tag_names = models.TextField(_("étiquettes (texte)"), blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    search_head = SearchVectorField(null=True, editable=False)
    # The title as the trigram index compares it (`search.normalised_title`), and the ids
    # of the tags: read in the row, for every match of a search (resources.library).
    # Stored in the row (STORAGE PLAIN, migration 0005), unlike the other texts.
    title_folded = models.TextField(blank=True, db_default="", editable=False)
    tag_ids = ArrayField(
        models.IntegerField(),
        blank=True,
        db_default=Value([], output_field=ArrayField(models.IntegerField())),
        editable=False,
    )
    # The one-time token of the form that added it (cdp_portal.core.idempotency).
    submission_token = models.UUIDField(_("jeton d'envoi"), null=True, blank=True, editable=False)

    tags = TaggableManager(
        verbose_name=_("étiquettes"),
        through="TaggedResource",
        related_name="resources",
        blank=True,
        help_text=_("Séparées par des virgules, par exemple : forum, webct, témoignages."),
    )

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("ressource")
        verbose_name_plural = _("ressources")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(F("created_at").desc(), F("id").desc(), name="resources_recent"),
            models.Index(POPULARITY.desc(), F("id").desc(), name="resources_popular"),
            models.Index(fields=["community", "-created_at"], name="resources_community"),
            # Covers the visibility rule and the facet columns: counting a whole visible
            # library is an index-only scan.
            models.Index(
                fields=["community", "is_hidden"],
                include=["author", "kind", "language"],
                name="resources_visibility",
            ),
            models.Index(fields=["kind", "-created_at"], name="resources_kind"),
            models.Index(fields=["language", "-created_at"], name="resources_language"),
            models.Index(
                fields=["-created_at"], condition=Q(featured=True), name="resources_featured"
            ),
            models.Index(
                fields=["community"], condition=Q(is_hidden=True), name="resources_hidden"
            ),
            GinIndex(fields=["search_vector"], name="resources_search"),
            GinIndex(OpClass("title_folded", name="gin_trgm_ops"), name="resources_title_folded"),
            # What the previous release's title search used: kept while its nodes may
            # still run (README, "Migrations during a rolling deploy"); drop it next time.
            GinIndex(
                OpClass(Unaccent(Lower("title")), name="gin_trgm_ops"), name="resources_title_trgm"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(file="") | Q(url=""),
                name="resources_file_or_url",
                violation_error_message=_("Donnez un fichier ou une adresse web, pas les deux."),
            ),
            models.UniqueConstraint(
                fields=["author", "submission_token"],
                condition=Q(submission_token__isnull=False),
                name="resources_submitted_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        if self.slug:
            return reverse("resources:detail_slug", kwargs={"pk": self.pk, "slug": self.slug})
        return reverse("resources:detail", kwargs={"pk": self.pk})

    # Django's own get_FOO_display builds a dict of every choice, translating each, on
    # every call; a list of resources shows both labels for each of them.
    def get_kind_display(self) -> str:  # type: ignore[no-redef]
        return str(_KIND_LABELS.get(self.kind, self.kind))

    def get_language_display(self) -> str:  # type: ignore[no-redef]
        return str(_LANGUAGE_LABELS.get(self.language, self.language))

    @property
    def listed_tags(self) -> list[Tag]:
        """The tags a list shows: those `for_listing` read with the list, else read now."""
        prefetched = self.__dict__.get(LISTED_TAGS)
        return prefetched if prefetched is not None else list(self.tags.all())

    @property
    def has_file(self) -> bool:
        return bool(self.file)

    @property
    def is_institution_wide(self) -> bool:
        return self.community_id is None

    @property
    def popularity(self) -> int:
        return self.view_count + self.download_count


class TaggedResource(TaggedItemBase):
    """The resource side of the shared taggit vocabulary (profiles use the same tags)."""

    content_object: models.ForeignKey[Resource, Resource] = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        verbose_name = _("étiquette de ressource")
        verbose_name_plural = _("étiquettes de ressources")
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="resources_taggedresource_unique"
            ),
        ]
        indexes = [models.Index(fields=["tag", "content_object"], name="resources_tag_lookup")]


class ResourceCount(models.Model):
    """How many resources the library holds per community, state (hidden or not), kind
    and language, and per tag: what the library shows without a search (the total, the
    facets, the tag cloud), read in one small query whatever the library's size
    (resources.library). Written only by `resources.services.recount`, from each
    resource's `CountedResource`.

    Three grains: no `tag_id` counts resources; a tag id counts the resources carrying
    that tag, per kind and language; a tag id with kind and language "" (every kind, every
    language) the same summed, for the tag cloud of a library filtered on neither."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    is_hidden = models.BooleanField()
    kind = models.CharField(max_length=20, blank=True)
    language = models.CharField(max_length=2, blank=True)
    # A taggit tag id rather than a foreign key: a deleted tag's counts drop out where
    # tags are named, as its id stays in `Resource.tag_ids` until the next reindex.
    tag_id = models.IntegerField(null=True, blank=True)
    n = models.IntegerField()

    class Meta:
        verbose_name = _("décompte de ressources")
        verbose_name_plural = _("décomptes de ressources")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "is_hidden", "kind", "language", "tag_id"],
                nulls_distinct=False,
                # The page reads the counts from the index alone (index-only scans).
                include=["n"],
                name="resources_count_key",
            ),
        ]
        indexes = [models.Index(fields=["tag_id", "kind"], name="resources_count_tag")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.kind} {self.language} {self.tag_id}: {self.n}"


class CountedResource(models.Model):
    """A resource as `ResourceCount` holds it: the next count of the resource takes this
    out and puts its current state in, so each write moves the counts by its own
    difference, whatever changed before it (a save, new tags, a move, hiding)."""

    resource = models.OneToOneField(
        Resource, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    community_id = models.BigIntegerField(null=True, blank=True)
    is_hidden = models.BooleanField()
    kind = models.CharField(max_length=20)
    language = models.CharField(max_length=2)
    tag_ids = ArrayField(models.IntegerField(), default=list, blank=True)

    class Meta:
        verbose_name = _("ressource décomptée")
        verbose_name_plural = _("ressources décomptées")

    def __str__(self) -> str:
        return str(self.resource_id)


class BookmarkQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> BookmarkQuerySet:
        """A person's own bookmarks of resources they may still see."""
        if not is_signed_in(user):
            return self.none()
        return self.filter(user=user, resource__in=Resource.objects.visible_to(user).values("pk"))


class Bookmark(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="resource_bookmarks",
    )
    resource = models.ForeignKey(
        Resource, verbose_name=_("ressource"), on_delete=models.CASCADE, related_name="bookmarks"
    )
    created_at = models.DateTimeField(_("ajouté le"), default=timezone.now)

    objects = BookmarkQuerySet.as_manager()

    class Meta:
        verbose_name = _("favori")
        verbose_name_plural = _("favoris")
        constraints = [
            models.UniqueConstraint(fields=["user", "resource"], name="resources_bookmark_unique"),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="resources_bookmark_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.resource}"


class ResourceRevision(models.Model):
    """A version of a resource as saved by someone (written by create and update)."""

    resource = models.ForeignKey(
        Resource, verbose_name=_("ressource"), on_delete=models.PROTECT, related_name="revisions"
    )
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modifiée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    title = models.CharField(_("titre"), max_length=200)
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    body = models.TextField(_("description"), blank=True)
    url = models.URLField(_("adresse web"), max_length=500, blank=True)
    file_name = models.CharField(_("nom du fichier"), max_length=255, blank=True)
    tag_names = models.TextField(_("étiquettes"), blank=True)

    class Meta:
        verbose_name = _("version de ressource")
        verbose_name_plural = _("versions de ressources")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["resource", "-created_at"], name="resources_revision_resource")
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} · {self.created_at:%Y-%m-%d %H:%M}"


class ResourceFlagQuerySet(models.QuerySet):
    def open(self) -> ResourceFlagQuerySet:
        return self.filter(status=ResourceFlag.Status.OPEN)

    def moderated_by(self, user: AnyUser) -> ResourceFlagQuerySet:
        """Flags a person handles: those on resources of the communities they animate;
        every flag (institution-wide resources included) for administrators. The rule of
        `resources.permissions.can_moderate_resource`, as a query."""
        if not is_signed_in(user) or not user.is_active:
            return self.none()
        if is_portal_admin(user):
            return self.all()
        return self.filter(
            resource__community__in=Community.objects.moderated_by(user).values("pk")
        )


class ResourceFlag(FlagBase):
    """A member tells the moderators something is wrong with a resource; they hide the
    resource or close the flag without action. Nothing is deleted."""

    class Status(models.TextChoices):
        OPEN = "open", _("À traiter")
        HIDDEN = "hidden", _("Ressource masquée")
        DISMISSED = "dismissed", _("Classé sans suite")

    resource = models.ForeignKey(
        Resource, verbose_name=_("ressource"), on_delete=models.PROTECT, related_name="flags"
    )
    status = models.CharField(_("état"), max_length=12, choices=Status.choices, default=Status.OPEN)

    objects = ResourceFlagQuerySet.as_manager()

    class Meta(FlagBase.Meta):
        verbose_name = _("signalement de ressource")
        verbose_name_plural = _("signalements de ressources")
        constraints = [
            # One open flag per person and resource: flagging again says it is pending.
            models.UniqueConstraint(
                fields=["resource", "reporter"],
                condition=Q(status="open"),
                name="resources_flag_one_open_per_reporter",
            )
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="resources_flag_queue")]

    def __str__(self) -> str:
        return f"{self.resource_id} · {self.get_status_display()}"


class SearchTerm(models.Model):
    """Every word of the library's searchable text (accents and case removed), for
    spelling correction: a query word that is not here is replaced by its nearest
    neighbour by trigram similarity (see resources.search.corrected_query). Filled by
    resources.services.reindex; a word no longer used costs nothing and stays."""

    word = models.CharField(max_length=60, primary_key=True)

    class Meta:
        verbose_name = _("mot du vocabulaire")
        verbose_name_plural = _("vocabulaire de recherche")
        indexes = [GinIndex(OpClass("word", name="gin_trgm_ops"), name="resources_term_trgm")]

    def __str__(self) -> str:
        return self.word
