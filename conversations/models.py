"""Private conversations: messages between two or more people, who reach each other from
the directory without anyone's e-mail address being shown.

Who sees what is decided here and nowhere else: a conversation exists only for its
participants who have not left it (`ConversationQuerySet.of_participant`), so every other
person, administrators included, gets a 404. A flagged message reaches the portal's
administrators through its flag (`MessageFlag`), never the rest of the conversation.
Writes go through `conversations.services`, which keep the denormalised columns (last
message, message count, the header's unread count) in the transaction that writes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cdp_portal.accounts.types import AnyUser, is_signed_in
from cdp_portal.core.moderation import HandledFlagBase, HandledFlagQuerySet

# The longest subject, as a topic's title.
SUBJECT_MAX_LENGTH = 200


class ConversationQuerySet(models.QuerySet):
    def of_participant(self, user: AnyUser) -> ConversationQuerySet:
        """Conversations the person takes part in and has not left: the only ones that
        exist for them (anonymous visitors and inactive accounts have none)."""
        if not is_signed_in(user) or not user.is_active:
            return self.none()
        return self.filter(
            Exists(Participant.objects.active().filter(conversation=OuterRef("pk"), user=user))
        )


class Conversation(models.Model):
    subject = models.CharField(_("sujet"), max_length=SUBJECT_MAX_LENGTH)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lancée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("lancée le"), default=timezone.now)
    # Kept by conversations.services with each message.
    last_message_at = models.DateTimeField(_("dernier message"), default=timezone.now)
    message_count = models.PositiveIntegerField(_("messages"), default=0, editable=False)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-pk"]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("conversations:detail", kwargs={"pk": self.pk})


def unread_condition(path: str = "") -> Q:
    """The participant reached by `path` has not read the conversation's last message:
    the one rule of "unread", for the list's markers and the header's count."""
    prefix = f"{path}__" if path else ""
    return Q(**{f"{prefix}last_read_at__isnull": True}) | Q(
        **{f"{prefix}last_read_at__lt": F(f"{prefix}conversation__last_message_at")}
    )


class ParticipantQuerySet(models.QuerySet):
    def active(self) -> ParticipantQuerySet:
        """Those who have not left."""
        return self.filter(left_at__isnull=True)

    def unread(self) -> ParticipantQuerySet:
        return self.filter(unread_condition())

    def for_inbox(self, user: AnyUser) -> ParticipantQuerySet:
        """The person's conversations as their list shows them, most recent first, each
        with whether it is unread (`is_unread`)."""
        if not is_signed_in(user) or not user.is_active:
            return self.none()
        return (
            self.active()
            .filter(user=user)
            .select_related("conversation")
            .annotate(
                is_unread=models.ExpressionWrapper(
                    unread_condition(), output_field=models.BooleanField()
                )
            )
            .order_by("-conversation__last_message_at", "-conversation_id")
        )


class Participant(models.Model):
    """A person in a conversation: since when, how far they read, whether they left."""

    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="conversation_participations",
    )
    joined_at = models.DateTimeField(_("depuis le"), default=timezone.now)
    # Set when the person leaves: no more notifications, out of their list; the others
    # see that they left. What they wrote stays.
    left_at = models.DateTimeField(_("a quitté le"), null=True, blank=True)
    # The last message they saw was written no later than this.
    last_read_at = models.DateTimeField(_("lu jusqu'au"), null=True, blank=True)
    # The date of the message they were last e-mailed about: one e-mail until they have
    # read the conversation that far.
    emailed_at = models.DateTimeField(
        _("prévenu·e par courriel du message du"), null=True, blank=True
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant·e")
        verbose_name_plural = _("participant·e·s")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="conversations_participant_unique"
            ),
        ]
        indexes = [
            # A person's list and the header's count: their active participations.
            models.Index(
                fields=["user", "conversation"],
                condition=Q(left_at__isnull=True),
                name="conversations_inbox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.conversation}"

    @property
    def has_left(self) -> bool:
        return self.left_at is not None


class MessageQuerySet(models.QuerySet):
    def in_order(self) -> MessageQuerySet:
        return self.order_by("created_at", "pk")

    def for_page(self) -> MessageQuerySet:
        """What a conversation page shows of each message: its HTML and state, its
        author's name and profile address."""
        names = ("display_name", "first_name", "last_name", "email")
        return self.select_related("author__profile").only(
            "conversation_id",
            "author_id",
            "body_html",
            "created_at",
            "is_hidden",
            "hidden_reason",
            "hidden_at",
            *(f"author__{name}" for name in names),
            "author__profile__handle",
        )

    def flagged(self) -> MessageQuerySet:
        """Messages someone flagged: the only ones the administrators see (the rest of
        a conversation stays between its participants)."""
        return self.filter(Exists(MessageFlag.objects.filter(message=OuterRef("pk"))))


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversation"),
        on_delete=models.PROTECT,
        related_name="messages",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auteur·rice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversation_messages",
    )
    body = models.TextField(_("message"), help_text=_("Markdown : listes, liens, citations."))
    body_html = models.TextField(_("message (HTML)"), blank=True, editable=False)
    created_at = models.DateTimeField(_("écrit le"), default=timezone.now)
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
    # The one-time token of the form that wrote it (cdp_portal.core.idempotency).
    submission_token = models.UUIDField(_("jeton d'envoi"), null=True, blank=True, editable=False)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message privé")
        verbose_name_plural = _("messages privés")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "submission_token"],
                condition=Q(submission_token__isnull=False),
                name="conversations_message_sent_once",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at", "id"], name="conversations_thread"),
            # The writing limit counts the author's recent messages.
            models.Index(fields=["author", "-created_at"], name="conversations_message_author"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation} · {self.created_at:%Y-%m-%d %H:%M}"


class Block(models.Model):
    """`blocker` no longer hears from `blocked`: no new conversation, no message in a
    conversation where the blocker still is."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("a bloqué"),
        on_delete=models.CASCADE,
        related_name="blocks_made",
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne bloquée"),
        on_delete=models.CASCADE,
        related_name="blocks_received",
    )
    created_at = models.DateTimeField(_("bloqué le"), default=timezone.now)

    class Meta:
        verbose_name = _("blocage")
        verbose_name_plural = _("blocages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="conversations_block_once"),
            models.CheckConstraint(
                condition=~Q(blocker=F("blocked")), name="conversations_block_not_oneself"
            ),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"], name="conversations_blocked")]

    def __str__(self) -> str:
        return f"{self.blocker} → {self.blocked}"


class MessageFlag(HandledFlagBase):
    """A participant's report that a private message needs the administrators'
    attention: they see that message, and nothing else of the conversation."""

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.PROTECT, related_name="flags"
    )

    objects = HandledFlagQuerySet.as_manager()

    class Meta(HandledFlagBase.Meta):
        verbose_name = _("signalement de message privé")
        verbose_name_plural = _("signalements de messages privés")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "reporter"],
                condition=Q(status="open"),
                name="conversations_flag_one_open_per_reporter",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="conversations_flag_queue"),
            models.Index(fields=["message", "status"], name="conversations_flag_message"),
        ]

    def __str__(self) -> str:
        return f"{self.message} · {self.get_status_display()}"
