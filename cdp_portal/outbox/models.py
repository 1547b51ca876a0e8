from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingEmail(models.Model):
    """One message as it will be handed to the mail transport, kept until it is sent.

    Stored in the caller's transaction: a rollback leaves nothing to send and a commit
    means the message survives a mail server that is down or a worker that dies.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        SENDING = "sending", _("En cours d'envoi")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec")

    from_email = models.TextField(_("expéditeur"))
    to = models.JSONField(_("destinataires"), default=list)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.TextField(_("objet"))
    body = models.TextField(_("texte"))
    # [{"content": "...", "mimetype": "text/html"}], e.g. allauth's HTML version.
    alternatives = models.JSONField(default=list, blank=True)
    # [{"filename": ..., "content_b64": ..., "mimetype": ...}]
    attachments = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=dict, blank=True)

    status = models.CharField(
        _("état"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    # When a sender claimed it: a claim older than PORTAL_EMAIL_SENDING_TIMEOUT belongs to
    # a worker that died, and the message is queued again.
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("courriel sortant")
        verbose_name_plural = _("courriels sortants")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"
