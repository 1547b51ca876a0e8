from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person of the institution. People sign in with their e-mail address."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    display_name = models.CharField(
        _("nom affiché"),
        max_length=150,
        blank=True,
        help_text=_("Le nom que vos collègues verront sur le portail."),
    )
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("accès à l'administration"),
        default=False,
        help_text=_("Peut se connecter à l'interface d'administration."),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("date d'inscription"), default=timezone.now)
    # The header's unread notification count, read with the person on every page instead
    # of counted per request. None: to be counted again (forums.unread keeps it: anything
    # that could change it sets None, the next page counts it once under a row lock).
    unread_notification_count = models.PositiveIntegerField(
        _("notifications non lues"), null=True, blank=True, default=0, editable=False
    )
    # The header's count of conversations with unread messages, kept the same way
    # (conversations.unread: None means "to be counted again").
    unread_conversation_count = models.PositiveIntegerField(
        _("conversations non lues"),
        null=True,
        blank=True,
        default=0,
        db_default=0,
        editable=False,
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("utilisateur·rice")
        verbose_name_plural = _("utilisateur·rice·s")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name()

    def get_full_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return self.display_name or full or self.email.split("@")[0]

    def get_short_name(self) -> str:
        return self.first_name or self.get_full_name()

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)


class FeedToken(models.Model):
    """The secret of a person's personal feed addresses (`cdp_portal.accounts.feeds`).

    The token in those addresses is an HMAC of `key` under the site's SECRET_KEY, so a
    copy of the database alone gives no working address; `token_hash` (its SHA-256) is
    what a fetch looks up. Revoking empties both: no address works until the person asks
    for a new one, which draws a new key."""

    user = models.OneToOneField(
        User,
        verbose_name=_("utilisateur·rice"),
        on_delete=models.CASCADE,
        related_name="feed_token",
    )
    key = models.CharField(_("clé"), max_length=64, blank=True, editable=False)
    # NULL when revoked: revoked rows must not collide on the unique index, and a plain
    # unique index (not a partial one) serves a lookup whatever the plan.
    token_hash = models.CharField(  # noqa: DJ001
        _("empreinte du jeton"), max_length=64, unique=True, null=True, editable=False
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("jeton de fils personnels")
        verbose_name_plural = _("jetons de fils personnels")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_active(self) -> bool:
        return bool(self.key)
