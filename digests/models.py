"""Which digest each person got: one row per person and period, written in the same
transaction as the message it stored in the outbox (or with none, when there was nothing
to tell), so that no period is ever sent twice, whatever runs twice or stops half way."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cdp_portal.outbox.models import OutgoingEmail
from communities.models import Profile


class DigestDelivery(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("personne"),
        on_delete=models.CASCADE,
        related_name="digest_deliveries",
        # The unique constraint's index starts with the person.
        db_index=False,
    )
    frequency = models.CharField(
        _("fréquence"), max_length=8, choices=Profile.DigestFrequency.choices
    )
    # The period's first day (digests.periods.Period.start).
    period_start = models.DateField(_("période du"))
    # What this digest covered: the next one starts where this one ended.
    window_start = models.DateTimeField(_("depuis"))
    window_end = models.DateTimeField(_("jusqu'à"))
    # None when there was nothing to send; SET_NULL once the outbox forgets sent messages.
    email = models.ForeignKey(
        OutgoingEmail,
        verbose_name=_("courriel"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    item_count = models.PositiveIntegerField(_("éléments"), default=0)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("résumé envoyé")
        verbose_name_plural = _("résumés envoyés")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "frequency", "period_start"], name="digests_once_per_period"
            ),
        ]
        # The unique constraint's index serves a person's latest digests (by `user`);
        # this one what a run finds done and what the pruning forgets.
        indexes = [models.Index(fields=["period_start"], name="digests_by_period")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.frequency} · {self.period_start}"

    @property
    def was_sent(self) -> bool:
        return self.item_count > 0
