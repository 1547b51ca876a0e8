"""What every flag has, wherever it is raised (forum posts, library resources)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
