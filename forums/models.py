"""Discussion forums: forums per community, topics, posts, their history and moderation.

Who sees what is decided in the QuerySet methods below (`visible_to(user)` and friends),
built on `Community.objects.content_visible_to(user)`: the forum pages, the notification
centre, the dashboard, the community home and tag pages all start there. Writes go
through `forums.services`, which keep the denormalised counters (reply count, last
activity, topic count) consistent in the same transaction as the change.
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from cdp_portal.accounts.types import AnyUser, User, is_signed_in
from cdp_portal.core.moderation import HandledFlagBase, HandledFlagQuerySet, ModerationAction
from cdp_portal.core.search_text import Unaccent
from cdp_portal.core.tags import tag_labels
from communities.models import (
    Community,
    TaggedExpertise,
    administrators_group_condition,
    animated_condition,
    content_readable_condition,
    is_portal_admin,
)

from .search import POST_WINDOW, post_headline, post_rank, post_search_query

# The forums every community gets when it is created (slug, name, description).
DEFAULT_FORUMS = (
    ("general", "Général", "Les échanges de la communauté."),
    (
        "appels-a-tous",
        "Appels à tous",
        "Demandez de l'aide : les membres dont l'expertise correspond sont prévenus.",
    ),
)


class Median(models.Aggregate):
    """PostgreSQL's median of an interval (or number): percentile_cont(0.5)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = models.DurationField()


def _readable_communities(user: AnyUser):
    return Community.objects.content_visible_to(user).values("pk")


def _moderated_communities(user: AnyUser):
    return Community.objects.moderated_by(user).values("pk")


def topic_shown_condition(user: User, path: str = "", *, including_own: bool = False) -> Q:
    """For someone who is not an administrator: the topic reached by `path` ("" for the
    topic itself, "topic" from a post or a notification) is not hidden, or the person
    animates its community, or (`including_own`) wrote it. A topic is hidden with its
    opening post: its title is content too, so it leaves every list and search."""
    prefix = f"{path}__" if path else ""
    # `Q | expression` is a Q at run time; django-stubs types it by the expression's __ror__.
    condition = cast(
        Q,
        Q(**{f"{prefix}is_hidden": False}) | animated_condition(user, f"{prefix}forum__community"),
    )
    if including_own:
        condition |= Q(**{f"{prefix}author": user})
    return condition


# --- Forums ------------------------------------------------------------------------------

# Path segments after /forums/<community>/ that are pages, not forums. The one list:
# `Forum.clean` refuses them, `forum_slug` (used by forum_ensure and the seed files) avoids
# them.
RESERVED_FORUM_SLUGS = frozenset({"flags", "log"})


def forum_slug(name: str, slug: str = "") -> str:
    """The slug a forum gets: `slug`, or else one made from its name; at most 80
    characters, and suffixed when it would be an animators' page."""
    slug = (slug or slugify(name))[:80] or "forum"
    return f"{slug}-forum" if slug in RESERVED_FORUM_SLUGS else slug


class ForumQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> ForumQuerySet:
        """Forums whose content a person may read (see `Community.content_visible_to`)."""
        if not is_signed_in(user) or not user.is_active:
            return self.none()
        if is_portal_admin(user):
            return self.all()
        return self.filter(community__in=_readable_communities(user))

    def with_watch_state(self, user: AnyUser) -> ForumQuerySet:
        """`watching`: whether the person watches the forum (in the same statement)."""
        if not is_signed_in(user):
            return self.annotate(watching=models.Value(False))
        return self.annotate(watching=Exists(Watch.objects.filter(forum=OuterRef("pk"), user=user)))

    def of_member(self, user: AnyUser) -> ForumQuerySet:
        """Forums of the communities a person is an active member of ("my forums")."""
        return self.filter(community__in=Community.objects.of_member(user).values("pk"))

    def for_listing(self) -> ForumQuerySet:
        return self.select_related("community").order_by("community__name", "position", "pk")


class Forum(models.Model):
    # CASCADE: an empty community goes with its (empty) default forums; a forum holding
    # topics is protected by Topic.forum.
    community = models.ForeignKey(
        Community,
        verbose_name=_("communauté"),
        on_delete=models.CASCADE,
        related_name="forums",
    )
    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(_("identifiant"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    # Kept current by forums.services.
    topic_count = models.PositiveIntegerField(_("sujets"), default=0, editable=False)
    last_activity_at = models.DateTimeField(
        _("dernière activité"), null=True, blank=True, editable=False
    )
    # Set by forums.services.forum_set_archived: read-only, its topics kept.
    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True, editable=False)

    objects = ForumQuerySet.as_manager()

    class Meta:
        verbose_name = _("forum")
        verbose_name_plural = _("forums")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="forums_forum_unique_slug"),
        ]
        indexes = [models.Index(fields=["community", "position"], name="forums_forum_position")]

    def __str__(self) -> str:
        return f"{self.community} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse(
            "forums:forum", kwargs={"community_slug": self.community.slug, "slug": self.slug}
        )

    @property
    def is_archived(self) -> bool:
        """The forum or its whole community is archived: read-only."""
        return self.archived_at is not None or self.community.is_archived

    def holds_content(self) -> bool:
        return self.topics.exists()

    def clean(self) -> None:
        # The admin's forms call it; forum_ensure renames such a slug instead.
        if self.slug in RESERVED_FORUM_SLUGS:
            raise ValidationError(
                {
                    "slug": _(
                        "« %(slug)s » est l'adresse d'une page de l'animation : choisissez "
                        "un autre identifiant."
                    )
                    % {"slug": self.slug}
                }
            )


# --- Topics ------------------------------------------------------------------------------


class TaggedTopic(TaggedItemBase):
    """The topic side of the portal's shared taggit vocabulary."""

    content_object: models.ForeignKey[Topic, Topic] = models.ForeignKey(
        "Topic", on_delete=models.CASCADE, related_name="tagged_items"
    )

    class Meta:
        verbose_name = _("étiquette de sujet")
        verbose_name_plural = _("étiquettes de sujets")
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="forums_taggedtopic_unique"
            ),
        ]
        indexes = [models.Index(fields=["tag", "content_object"], name="forums_tag_lookup")]


# Words combined with AND in a title search (as in the directory).
MAX_TITLE_WORDS = 8


class _AnyOf(Func):
    """`value = ANY(array)`: a list of ids sent as one array parameter, which the primary
    key's index serves as it does an IN list (an IN list of 1,000 ids is 1,000 parameters
    for Django to build and psycopg to bind: 13 ms)."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = models.BooleanField()


def _id_array(ids: list[int]) -> Value:
    return Value(ids, output_field=ArrayField(models.BigIntegerField()))


def _title_condition(text: str) -> Q:
    """Needs the `title_norm` alias (see `TopicQuerySet.matching`)."""
    every_word = Q()
    for word in text.split()[:MAX_TITLE_WORDS]:
        every_word &= Q(title_norm__contains=Unaccent(Lower(Value(word))))
    return every_word | Q(title_norm__trigram_word_similar=Unaccent(Lower(Value(text))))


# What a row of a topic list reads of the topic itself (TopicQuerySet.for_list_rows).
TOPIC_ROW_FIELDS = (
    "forum_id",
    "title",
    "slug",
    "author_id",
    "is_pinned",
    "is_hidden",
    "is_locked",
    "is_call_for_help",
    "created_at",
    "last_activity_at",
    "reply_count",
    "post_count",
    "last_post_id",
    "solved_at",
    "revision",
)


class TopicQuerySet(models.QuerySet):
    def matching(self, text: str) -> TopicQuerySet:
        """Titles holding every word, or close to what was typed (trigram word similarity:
        "photosyntese" finds "Photosynthèse"); case and accents ignored on both sides by
        the same IMMUTABLE `cdp_unaccent(lower(…))`, the expression of the GIN trigram
        index `forums_topic_title_trgm` (forums/0003) that serves both conditions."""
        return self.alias(title_norm=Unaccent(Lower("title"))).filter(_title_condition(text))

    def matching_or_among(self, text: str, topic_ids: list[int]) -> TopicQuerySet:
        """Topics whose title matches (see `matching`) or among `topic_ids` (those found
        by a post's text: `PostQuerySet.recent_matches`). The ids are a list, not a
        subquery: the two conditions then both use an index (a BitmapOr), where `OR id IN
        (subquery)` made PostgreSQL test every title (0.7 s at 40,000 topics)."""
        return self.alias(title_norm=Unaccent(Lower("title"))).filter(
            _title_condition(text) | _AnyOf(F("pk"), _id_array(topic_ids))
        )

    def in_search_order(self, text: str, topic_ids: list[int]) -> TopicQuerySet:
        """Those whose title matches (see `matching`) first, most recent first; then the
        others in the order of `topic_ids` (topics found by a post's text, best first)."""
        return self.alias(
            title_norm=Unaccent(Lower("title")),
            search_order=Case(
                When(_title_condition(text), then=Value(0)),
                default=Func(
                    _id_array(topic_ids),
                    F("pk"),
                    function="array_position",
                    output_field=models.IntegerField(),
                ),
            ),
        ).order_by("search_order", "-last_activity_at", "-pk")

    def with_extract(self, text: str, post_ids: list[int]) -> TopicQuerySet:
        """`extract`: the text of the topic's post among `post_ids` (one a topic at
        most) around what matches `text`, marked (`resources.search.safe_headline`
        renders it); None for a topic without one. PostgreSQL makes it for the rows
        returned only, after sorting and slicing."""
        return self.annotate(
            extract=models.Subquery(
                Post.objects.filter(_AnyOf(F("pk"), _id_array(post_ids)), topic=OuterRef("pk"))
                .order_by()
                .annotate(extract=post_headline(text))
                .values("extract")[:1]
            )
        )

    def visible_to(self, user: AnyUser) -> TopicQuerySet:
        """Topics a person sees listed: those of forums whose community content they may
        read, without the hidden ones (but for the community's animators). Anonymous
        visitors see none; administrators see all."""
        if not is_signed_in(user) or not user.is_active:
            return self.none()
        if is_portal_admin(user):
            return self.all()
        return self.filter(forum__community__in=_readable_communities(user)).unhidden_for(user)

    def readable_by(self, user: AnyUser) -> TopicQuerySet:
        """`visible_to`, plus the person's own hidden topics: their author may still open
        them and read why they were hidden."""
        if not is_signed_in(user) or not user.is_active:
            return self.none()
        if is_portal_admin(user):
            return self.all()
        return self.filter(forum__community__in=_readable_communities(user)).unhidden_for(
            user, including_own=True
        )

    def unhidden_for(self, user: User, *, including_own: bool = False) -> TopicQuerySet:
        """Without the topics hidden by moderation, unless the person animates their
        community (or, `including_own`, wrote them); administrators keep them all."""
        if is_portal_admin(user):
            return self
        return self.filter(topic_shown_condition(user, including_own=including_own))

    def moderated_by(self, user: AnyUser) -> TopicQuerySet:
        return self.filter(forum__community__in=_moderated_communities(user))

    def tagged(self, tag) -> TopicQuerySet:
        tagged = TaggedTopic.objects.filter(content_object=OuterRef("pk"), tag=tag)
        return self.filter(Exists(tagged))

    def open_calls(self) -> TopicQuerySet:
        """Calls for help not solved yet."""
        return self.filter(is_call_for_help=True, solved_at__isnull=True)

    def for_expertise_of(self, user: User) -> TopicQuerySet:
        """Topics someone could answer: one of their expertise tags meets the topic's
        tags, and they did not write it."""
        my_expertise = TaggedExpertise.objects.filter(content_object__user=user).values("tag")
        return self.filter(tag_ids__overlap=ArraySubquery(my_expertise)).exclude(author=user)

    def call_figures(self, *, since) -> dict:
        """How the calls for help among these topics are answered, in one query: how many
        are open, how many of those have no answer yet, and the median time to the first
        answer of the calls opened since `since`."""
        calls = self.filter(is_call_for_help=True)
        open_call = Q(solved_at__isnull=True)
        return calls.aggregate(
            open=models.Count("pk", filter=open_call),
            unanswered=models.Count("pk", filter=open_call & Q(first_answer_at__isnull=True)),
            median_first_answer=Median(
                F("first_answer_at") - F("created_at"),
                filter=Q(created_at__gte=since, first_answer_at__isnull=False),
            ),
        )

    def for_listing(self) -> TopicQuerySet:
        """What a list of topics shows: author, last poster, forum and community."""
        return self.select_related(
            "author__profile", "last_post__author__profile", "forum__community"
        )

    def in_list_order(self) -> TopicQuerySet:
        """Pinned first, then by last activity (the forum page's order)."""
        return self.order_by("-is_pinned", "-last_activity_at", "-pk")

    def with_tag_labels(self) -> TopicQuerySet:
        """`tag_labels`: the topic's tags as {"slug", "name"} dicts by name, in the same
        statement (`cdp_portal.core.tags.tag_labels`)."""
        return self.annotate(
            tag_labels=tag_labels(TaggedTopic.objects.filter(content_object=OuterRef("pk")))
        )

    def tag_labels_by_pk(self) -> dict[int, list[dict]]:
        """These topics' tags (`with_tag_labels`) by topic id, in one query: for what is
        rendered only on a cache miss (list rows, a topic's header)."""
        return dict(self.with_tag_labels().values_list("pk", "tag_labels"))

    def with_watch_state(self, user: AnyUser) -> TopicQuerySet:
        """`watching`: whether the person watches the topic (in the same statement)."""
        if not is_signed_in(user):
            return self.annotate(watching=models.Value(False))
        return self.annotate(watching=Exists(Watch.objects.filter(topic=OuterRef("pk"), user=user)))

    def for_list_rows(self) -> TopicQuerySet:
        """The columns a row of a topic list shows (forums/topic_row.html), with its
        author's and its last post's author's names; not the last post's text nor the
        people's other columns. Its tags are read only to render it (the revision, in the
        row's key, moves with them)."""
        names = ("display_name", "first_name", "last_name", "email")
        return self.select_related("author", "last_post__author").only(
            *TOPIC_ROW_FIELDS,
            *(f"author__{name}" for name in names),
            "last_post__author_id",
            *(f"last_post__author__{name}" for name in names),
        )

    def with_read_state(self, user: AnyUser) -> TopicQuerySet:
        """`last_read_position`: the last post the person has seen (None: never opened)."""
        if not is_signed_in(user):
            return self.annotate(last_read_position=models.Value(None, models.IntegerField()))
        return self.annotate(
            last_read_position=models.Subquery(
                TopicReadState.objects.filter(topic=OuterRef("pk"), user=user).values(
                    "last_read_position"
                )[:1]
            )
        )


class Topic(models.Model):
    forum = models.ForeignKey(
        Forum, verbose_name=_("forum"), on_delete=models.PROTECT, related_name="topics"
    )
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=80, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur·rice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="forum_topics",
    )
    tags = TaggableManager(
        verbose_name=_("étiquettes"),
        through=TaggedTopic,
        related_name="forum_topics",
        blank=True,
        help_text=_("Séparées par des virgules, par exemple : moodle, évaluation."),
    )
    is_pinned = models.BooleanField(_("épinglé"), default=False)
    # Follows its opening post: set by forums.services.post_set_hidden.
    is_hidden = models.BooleanField(
        _("masqué"),
        default=False,
        editable=False,
        help_text=_(
            "Son message d'ouverture est masqué : seuls son auteur et l'animation le voient."
        ),
    )
    is_locked = models.BooleanField(
        _("verrouillé"),
        default=False,
        help_text=_("Un sujet verrouillé n'accepte plus de réponse, sauf de l'animation."),
    )
    is_call_for_help = models.BooleanField(
        _("appel à tous"),
        default=False,
        help_text=_("Les membres dont l'expertise correspond aux étiquettes sont prévenus."),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    # Kept current by forums.services (from the posts that are not hidden).
    last_activity_at = models.DateTimeField(_("dernière activité"), default=timezone.now)
    reply_count = models.PositiveIntegerField(_("réponses"), default=0)
    post_count = models.PositiveIntegerField(
        _("messages (masqués compris)"), default=0, editable=False
    )
    # Moves on with every change to what the topic's posts show (a post written, edited,
    # hidden, moved; its author's or hider's name, its author's profile) and to its tags:
    # PostgreSQL triggers (migrations 0014, 0015) keep it, whatever writes, so a rendered
    # page of posts or list row can be cached under it (forums.views).
    revision = models.BigIntegerField(_("révision des messages"), default=0, editable=False)
    # The ids of its tags, sorted: kept by the same triggers (migration 0020) from
    # TaggedTopic, whatever writes it, so that "topics carrying one of these tags" is one
    # index lookup (`for_expertise_of`). Never written by the ORM (services save topics
    # with update_fields).
    tag_ids = ArrayField(models.IntegerField(), default=list, db_default=Value([]), editable=False)
    last_post = models.ForeignKey(
        "Post",
        verbose_name=_("dernier message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    solved_at = models.DateTimeField(_("résolu le"), null=True, blank=True)
    accepted_post = models.ForeignKey(
        "Post",
        verbose_name=_("réponse acceptée"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    first_answer_at = models.DateTimeField(_("première réponse le"), null=True, blank=True)
    # A discussion opened from a resource's page (a resource "opens a linked discussion").
    resource = models.ForeignKey(
        "resources.Resource",
        verbose_name=_("ressource discutée"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="discussions",
    )

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("sujet")
        verbose_name_plural = _("sujets")
        ordering = ["-last_activity_at", "-pk"]
        indexes = [
            # The forum page: pinned first, then by last activity.
            models.Index(
                F("forum"),
                F("is_pinned").desc(),
                F("last_activity_at").desc(),
                F("id").desc(),
                name="forums_topic_list",
            ),
            # Recent discussions across forums (community home, dashboard, tag pages).
            models.Index(F("last_activity_at").desc(), F("id").desc(), name="forums_topic_recent"),
            models.Index(
                F("forum"),
                F("created_at").desc(),
                condition=Q(is_call_for_help=True, solved_at__isnull=True),
                name="forums_topic_open_calls",
            ),
            # The open calls across forums, oldest first (/forums/calls/: page and count).
            models.Index(
                fields=["created_at", "id"],
                condition=Q(is_call_for_help=True, solved_at__isnull=True),
                name="forums_open_calls_by_age",
            ),
            # Every call, by date, with what TopicQuerySet.call_figures and the visibility
            # rule read of it: the figures come from the index alone, not from the table.
            models.Index(
                fields=["created_at"],
                include=["id", "forum", "author", "is_hidden", "solved_at", "first_answer_at"],
                condition=Q(is_call_for_help=True),
                name="forums_calls_figures",
            ),
            # The open calls carrying given tags (calls for my expertise).
            GinIndex(
                fields=["tag_ids"],
                condition=Q(is_call_for_help=True, solved_at__isnull=True),
                name="forums_open_calls_tags",
            ),
            models.Index(fields=["author", "-created_at"], name="forums_topic_author"),
            # The hidden topics of a forum, which the animation's topic list counts.
            models.Index(fields=["forum"], condition=Q(is_hidden=True), name="forums_topic_hidden"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        if self.slug:
            return reverse("forums:topic_slug", kwargs={"pk": self.pk, "slug": self.slug})
        return reverse("forums:topic", kwargs={"pk": self.pk})

    @property
    def is_solved(self) -> bool:
        return self.solved_at is not None

    @property
    def community(self) -> Community:
        return self.forum.community

    @property
    def community_id(self) -> int:
        return self.forum.community_id


# --- Posts -------------------------------------------------------------------------------


class PostQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> PostQuerySet:
        """Posts of the topics a person may open (`Topic.objects.readable_by`), hidden
        posts included: a hidden post shows as a placeholder (see `readable_by` for the
        posts whose text they may read)."""
        if not is_signed_in(user) or not user.is_active:
            return self.none()
        if is_portal_admin(user):
            return self.all()
        return self.filter(topic__forum__community__in=_readable_communities(user)).filter(
            topic_shown_condition(user, "topic", including_own=True)
        )

    def readable_by(self, user: AnyUser) -> PostQuerySet:
        """Posts whose text a person may read: not hidden, or theirs, or moderated by them."""
        visible = self.visible_to(user)
        if not is_signed_in(user) or is_portal_admin(user):
            return visible
        return visible.filter(
            Q(is_hidden=False)
            | Q(author=user)
            | Q(topic__forum__community__in=_moderated_communities(user))
        )

    def moderated_by(self, user: AnyUser) -> PostQuerySet:
        return self.filter(topic__forum__community__in=_moderated_communities(user))

    def matching(self, text: str) -> PostQuerySet:
        """Posts whose text holds what was typed (web search syntax, French and English
        stemming, accents ignored: `forums.search`), through the GIN index
        `forums_post_search`."""
        return self.filter(search_vector=post_search_query(text))

    def recent_matches(self, text: str) -> PostQuerySet:
        """The POST_WINDOW most recent of these posts holding `text`, newest first, as
        (id, topic id, position, date, rank) rows (`forums.search.best_of_each_topic`
        chooses among them). A common word is found by walking the recency index
        `forums_post_recent`, a rare one through the search index."""
        return (
            self.matching(text)
            .annotate(rank=post_rank(text))
            .order_by("-created_at", "-pk")
            .values_list("pk", "topic_id", "position", "created_at", "rank")[:POST_WINDOW]
        )

    def in_topic_order(self) -> PostQuerySet:
        return self.order_by("position", "pk")

    def for_topic_page(self) -> PostQuerySet:
        """What a topic page shows of each post (forums/post.html): its HTML and state,
        its author's name and profile address, who hid it; not the Markdown source, the
        search column nor the people's other columns."""
        names = ("display_name", "first_name", "last_name", "email")
        return self.select_related("author__profile", "hidden_by").only(
            "topic_id",
            "position",
            "author_id",
            "body_html",
            "created_at",
            "edited_at",
            "is_hidden",
            "hidden_reason",
            "hidden_by_id",
            "hidden_at",
            *(f"author__{name}" for name in names),
            "author__profile__handle",
            *(f"hidden_by__{name}" for name in names),
        )


class Post(models.Model):
    topic = models.ForeignKey(
        Topic, verbose_name=_("sujet"), on_delete=models.PROTECT, related_name="posts"
    )
    # 1 for the topic's opening post, then in the order of writing; never reused.
    position = models.PositiveIntegerField(_("numéro"), default=1, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur·rice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="forum_posts",
    )
    body = models.TextField(_("message"), help_text=_("Markdown : listes, liens, citations."))
    body_html = models.TextField(_("message (HTML)"), blank=True, editable=False)
    created_at = models.DateTimeField(_("écrit le"), default=timezone.now)
    edited_at = models.DateTimeField(_("modifié le"), null=True, blank=True)
    is_hidden = models.BooleanField(_("masqué"), default=False)
    hidden_reason = models.CharField(_("raison du masquage"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("masqué par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hidden_at = models.DateTimeField(_("masqué le"), null=True, blank=True)
    # The one-time token of the form that wrote it (cdp_portal.core.idempotency): the same
    # form sent twice finds this post instead of writing it again.
    submission_token = models.UUIDField(_("jeton d'envoi"), null=True, blank=True, editable=False)
    # Written with the text by forums.services (forums.search.post_search_vector).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["topic", "position"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "position"], name="forums_post_position"),
            models.UniqueConstraint(
                fields=["author", "submission_token"],
                condition=Q(submission_token__isnull=False),
                name="forums_post_submitted_once",
            ),
        ]
        indexes = [
            models.Index(fields=["author", "-created_at"], name="forums_post_author"),
            models.Index(
                fields=["topic", "-created_at"],
                condition=Q(is_hidden=False),
                name="forums_post_visible",
            ),
            models.Index(fields=["-hidden_at"], condition=Q(is_hidden=True), name="forums_hidden"),
            GinIndex(fields=["search_vector"], name="forums_post_search"),
            # The most recent posts holding a common word (PostQuerySet.recent_matches).
            models.Index(F("created_at").desc(), F("id").desc(), name="forums_post_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.position}"

    def get_absolute_url(self) -> str:
        return reverse("forums:post", kwargs={"pk": self.pk})

    @property
    def is_opening(self) -> bool:
        return self.position == 1


class PostRevision(models.Model):
    """A post's previous text, written each time its author edits it."""

    post = models.ForeignKey(
        Post, verbose_name=_("message"), on_delete=models.PROTECT, related_name="revisions"
    )
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modifié par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    body = models.TextField(_("texte précédent"))
    # The topic's previous title, when editing its opening post changed it.
    title = models.CharField(_("titre précédent"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("modifié le"), default=timezone.now)

    class Meta:
        verbose_name = _("version de message")
        verbose_name_plural = _("versions de messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["post", "-created_at"], name="forums_revision_post")]

    def __str__(self) -> str:
        return f"{self.post} · {self.created_at:%Y-%m-%d %H:%M}"


# --- Reading, watching, notifications ------------------------------------------------


class TopicReadState(models.Model):
    """How far a person has read a topic: the unread markers."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="topic_read_states"
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="read_states")
    last_read_position = models.PositiveIntegerField(default=0)
    last_read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lecture de sujet")
        verbose_name_plural = _("lectures de sujets")
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="forums_readstate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.topic} · {self.last_read_position}"


class Watch(models.Model):
    """A person follows a topic (replies) or a forum (new topics)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="forum_watches",
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("sujet"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="watches",
    )  # fmt: skip
    forum = models.ForeignKey(
        Forum, verbose_name=_("forum"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="watches",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("abonnement")
        verbose_name_plural = _("abonnements")
        constraints = [
            models.CheckConstraint(
                condition=Q(topic__isnull=True) ^ Q(forum__isnull=True),
                name="forums_watch_one_target",
            ),
            models.UniqueConstraint(
                fields=["topic", "user"],
                condition=Q(topic__isnull=False),
                name="forums_watch_topic_unique",
            ),
            models.UniqueConstraint(
                fields=["forum", "user"],
                condition=Q(forum__isnull=False),
                name="forums_watch_forum_unique",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="forums_watch_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.topic or self.forum}"


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user: AnyUser) -> NotificationQuerySet:
        """A person's notifications about topics they may still read (someone who left a
        private community no longer sees its titles, even in old notifications)."""
        if not is_signed_in(user):
            return self.none()
        queryset = self.filter(recipient=user)
        if is_portal_admin(user):
            return queryset
        return queryset.filter(topic__forum__community__in=_readable_communities(user)).filter(
            topic_shown_condition(user, "topic", including_own=True)
        )

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def unread_count_for(self, user: AnyUser) -> int:
        """`for_user(user).unread().count()` in exactly one query: the administrators'
        group is checked inside it rather than beforehand (the header calls this on
        every page)."""
        if not is_signed_in(user):
            return 0
        queryset = self.filter(recipient=user, read_at__isnull=True)
        if not user.is_superuser:
            queryset = queryset.filter(
                (
                    content_readable_condition(user, "topic__forum__community")
                    & topic_shown_condition(user, "topic", including_own=True)
                )
                | administrators_group_condition(user)
            )
        return queryset.count()


class Notification(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", _("Réponse")
        MENTION = "mention", _("Mention")
        NEW_TOPIC = "new_topic", _("Nouveau sujet")
        CALL_FOR_HELP = "call_for_help", _("Appel à tous")
        ACCEPTED = "accepted", _("Réponse acceptée")
        FOLLOWED_TAG = "followed_tag", _("Étiquette suivie")
        INVITATION = "invitation", _("Invitation à un appel à tous")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("destinataire"),
        on_delete=models.CASCADE,
        related_name="forum_notifications",
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur·rice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("sujet"), on_delete=models.CASCADE, related_name="notifications"
    )
    post = models.ForeignKey(
        Post, verbose_name=_("message"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="notifications",
    )  # fmt: skip
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("envoyée par e-mail le"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                F("recipient"), F("created_at").desc(), F("id").desc(), name="forums_notif_list"
            ),
            models.Index(
                fields=["recipient", "topic"],
                condition=Q(read_at__isnull=True),
                name="forums_notif_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.topic}"


class CallInvitation(models.Model):
    """An expert invited by name to answer a call for help (by its author or the
    community's animation): once per person and call, so inviting again tells no one
    twice. Kept as the call's history: who asked whom, and when."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("appel à tous"), on_delete=models.CASCADE, related_name="invitations"
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne invitée"),
        on_delete=models.CASCADE,
        related_name="call_invitations",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invitée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("invitée le"), default=timezone.now)

    class Meta:
        verbose_name = _("invitation à un appel")
        verbose_name_plural = _("invitations à des appels")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "invitee"], name="forums_invitation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} · {self.invitee}"


# --- Flags and the moderation log ------------------------------------------------------


class FlagQuerySet(HandledFlagQuerySet):
    def moderated_by(self, user: AnyUser) -> FlagQuerySet:
        return self.filter(post__topic__forum__community__in=_moderated_communities(user))


class Flag(HandledFlagBase):
    """A member's report that a post needs the animation's attention."""

    post = models.ForeignKey(
        Post, verbose_name=_("message"), on_delete=models.PROTECT, related_name="flags"
    )

    objects = FlagQuerySet.as_manager()

    class Meta(HandledFlagBase.Meta):
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=Q(status="open"),
                name="forums_flag_one_open_per_reporter",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="forums_flag_queue"),
            models.Index(fields=["post", "status"], name="forums_flag_post"),
        ]

    def __str__(self) -> str:
        return f"{self.post} · {self.get_status_display()}"


class ModerationLog(models.Model):
    """Who did what, when and why: every moderation action, on the site or in the admin."""

    # The vocabulary is shared with the library (`cdp_portal.core.moderation`).
    Action = ModerationAction

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # None for institution-wide resources (administrators moderate them).
    community = models.ForeignKey(
        Community,
        verbose_name=_("communauté"),
        on_delete=models.PROTECT,
        related_name="forum_moderation_log",
        null=True,
        blank=True,
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("sujet"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    post = models.ForeignKey(
        Post, verbose_name=_("message"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    flag = models.ForeignKey(
        Flag, verbose_name=_("signalement"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    # Library moderation (the resource flag's id, if any, is in `details`).
    resource = models.ForeignKey(
        "resources.Resource", verbose_name=_("ressource"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    reason = models.CharField(_("raison"), max_length=500, blank=True)
    details = models.JSONField(_("détails"), default=dict, blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("action de modération")
        verbose_name_plural = _("journal de modération")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "-created_at"], name="forums_modlog_community"),
            models.Index(fields=["action", "-created_at"], name="forums_modlog_action"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.created_at:%Y-%m-%d %H:%M}"
