"""What every flag has, wherever it is raised (forum posts, library resources, private
messages), and the one flow that handles a flag and writes the moderation log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FlagStatus(models.TextChoices):
    """Where a flag stands, for the flags whose moderators handle or dismiss them (forum
    posts, private messages); the library's say what was done to the resource instead."""

    OPEN = "open", _("À traiter")
    RESOLVED = "resolved", _("Traité")
    DISMISSED = "dismissed", _("Rejeté")


class FlagBase(models.Model):
    """Who raised the flag and why, and who closed it, when and with what note. Each app
    adds what is flagged, the statuses its moderators choose from and its constraints."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signalé par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    reason = models.CharField(_("raison"), max_length=500)
    created_at = models.DateTimeField(_("signalé le"), default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("traité par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    resolution_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]


class HandledFlagQuerySet(models.QuerySet):
    def open(self) -> HandledFlagQuerySet:
        return self.filter(status=FlagStatus.OPEN)


class HandledFlagBase(FlagBase):
    """A flag its moderators mark handled or dismiss (`FlagStatus`)."""

    Status = FlagStatus

    status = models.CharField(
        _("statut"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )

    class Meta(FlagBase.Meta):
        abstract = True


# --- The flag flow and the moderation log ---------------------------------------------------
#
# One flow for every kind of flag: hiding the flagged thing closes every open flag on it,
# closing without hiding closes only the one, and each step is written to the moderation
# log, all in one transaction. The log is a forums model (it sits next to the posts and
# topics it links) but the library moderates too, and `forums` imports `resources`, not
# the reverse: so the apps report moderation here (`log_moderation`), and `forums`
# registers the writer (`forums.apps`). This module imports no app.


class ModerationAction(models.TextChoices):
    """What a line of the moderation log records (forum posts and topics, library
    resources, flags of both)."""

    HIDE = "hide", _("Masquer un message")
    UNHIDE = "unhide", _("Rendre visible un message")
    LOCK = "lock", _("Verrouiller un sujet")
    UNLOCK = "unlock", _("Déverrouiller un sujet")
    PIN = "pin", _("Épingler un sujet")
    UNPIN = "unpin", _("Désépingler un sujet")
    MOVE = "move", _("Déplacer un sujet")
    RESOLVE_FLAG = "resolve_flag", _("Traiter un signalement")
    DISMISS_FLAG = "dismiss_flag", _("Rejeter un signalement")
    HIDE_RESOURCE = "hide_resource", _("Masquer une ressource")
    UNHIDE_RESOURCE = "unhide_resource", _("Rendre visible une ressource")
    HIDE_PRIVATE_MESSAGE = "hide_private", _("Masquer un message privé")
    UNHIDE_PRIVATE_MESSAGE = "unhide_private", _("Rendre visible un message privé")


@dataclass(frozen=True)
class ModerationEvent:
    """One line of the moderation log: who, what, in
    which community (None for institution-wide content), why, and on what (`targets`:
    the log's foreign keys by name, e.g. post, topic, flag, resource)."""

    by: Any
    action: ModerationAction
    community_id: int | None
    reason: str = ""
    targets: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)


moderation_logged = Signal()


def log_moderation(event: ModerationEvent) -> None:
    """Write `event` to the moderation log, in the caller's transaction (receivers run
    synchronously). A moderation that nobody logs is a configuration error, not silence."""
    if not moderation_logged.send(sender=ModerationEvent, event=event):
        raise ImproperlyConfigured("No moderation log writer is registered (forums.apps).")


FlagT = TypeVar("FlagT", bound=FlagBase)


def settle_flag(
    flag: FlagT,
    *,
    by: Any,
    open_flags: models.QuerySet[FlagT],
    status: str,
    note: str = "",
    hide: Callable[[], object] | None = None,
    log_closed: Callable[[FlagT], None],
) -> FlagT:
    """Close `flag` with `status`. With `hide` (the app's own hide service, which checks
    `by` and logs the hiding), the flagged thing is hidden first and every open flag on it
    (`open_flags`, the flag itself included) is closed with it: nothing is left to handle.
    `log_closed` writes the log line of each closed flag. The caller checks `by` may
    moderate before calling."""
    with transaction.atomic():
        if hide is not None:
            hide()
            closing = open_flags
        else:
            closing = open_flags.filter(pk=flag.pk)
        closed = list(closing.select_for_update().order_by("pk"))
        now = timezone.now()
        for each in closed:
            each.status = status
            each.resolved_by = by
            each.resolved_at = now
            each.resolution_note = (note or "")[:500]
        type(flag).objects.bulk_update(
            closed, ["status", "resolved_by", "resolved_at", "resolution_note"]
        )
        for each in closed:
            log_closed(each)
    flag.refresh_from_db()
    return flag
