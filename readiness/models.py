"""Launch-readiness checklists: templates loaded from YAML, a community's checklist and
its items, and the recorded launch decisions.

Registered under the `communities` app (imported at the end of communities/models.py).

A template is versioned: loading a changed YAML file creates a new `ChecklistTemplate`
row (same slug, next version) with its own sections and items, and the checklists made
from an older version keep pointing at it, untouched. Auto-evaluated items (those whose
template item names a `rule`) are computed from live data (see `readiness.rules`); their
`ChecklistItem` row only exists so every item has an address, and nobody sets its status.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cdp_portal.accounts.types import AnyUser, is_signed_in
from communities.models import Community, Phase

__all__ = [
    "READINESS_PHASES",
    "Checklist",
    "ChecklistItem",
    "ChecklistItemRevision",
    "ChecklistTemplate",
    "DecisionOutcome",
    "ItemStatus",
    "ReadinessDecision",
    "TemplateItem",
    "TemplateSection",
]

# The phases in which a community works through its checklist.
READINESS_PHASES = (Phase.DECIDING, Phase.PREPARING)


def _localised(obj, field: str) -> str:
    """The English text when the interface is in English and there is one, else French."""
    if (get_language() or "fr").startswith("en"):
        return getattr(obj, f"{field}_en") or getattr(obj, f"{field}_fr")
    return getattr(obj, f"{field}_fr")


class ItemStatus(models.TextChoices):
    TODO = "todo", _("À faire")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Fait")
    NOT_APPLICABLE = "not_applicable", _("Sans objet")


OPEN_STATUSES = (ItemStatus.TODO, ItemStatus.IN_PROGRESS)


class DecisionOutcome(models.TextChoices):
    GO = "go", _("Go : passer à la phase suivante")
    POSTPONE = "postpone", _("Reporter la décision")
    STOP = "stop", _("Arrêter le projet")


# --- Templates -----------------------------------------------------------------------------


class ChecklistTemplateQuerySet(models.QuerySet):
    def latest_version(self, slug: str) -> ChecklistTemplate | None:
        return self.filter(slug=slug).order_by("-version").first()


class ChecklistTemplate(models.Model):
    slug = models.SlugField(_("identifiant"), max_length=80)
    version = models.PositiveIntegerField(_("version"))
    content_hash = models.CharField(_("empreinte du contenu"), max_length=64)
    title_fr = models.CharField(_("titre (français)"), max_length=200)
    title_en = models.CharField(_("titre (anglais)"), max_length=200)
    description_fr = models.TextField(_("description (français)"), blank=True)
    description_en = models.TextField(_("description (anglais)"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    source_file = models.CharField(_("fichier"), max_length=300, blank=True)
    loaded_at = models.DateTimeField(_("chargé le"), default=timezone.now)

    objects = ChecklistTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("modèle de liste de préparation")
        verbose_name_plural = _("modèles de listes de préparation")
        # Created when readiness was part of the communities app; the name stays.
        db_table = "communities_checklisttemplate"
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "version"], name="communities_checklisttemplate_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def title(self) -> str:
        return _localised(self, "title")

    @property
    def description(self) -> str:
        return _localised(self, "description")


class TemplateSection(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("modèle"),
        on_delete=models.CASCADE,
        related_name="sections",
    )
    key = models.SlugField(_("clé"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"))
    title_fr = models.CharField(_("titre (français)"), max_length=200)
    title_en = models.CharField(_("titre (anglais)"), max_length=200)
    description_fr = models.TextField(_("description (français)"), blank=True)
    description_en = models.TextField(_("description (anglais)"), blank=True)

    class Meta:
        verbose_name = _("section de modèle")
        verbose_name_plural = _("sections de modèle")
        # Created when readiness was part of the communities app; the name stays.
        db_table = "communities_templatesection"
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "key"], name="communities_templatesection_key"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _localised(self, "title")

    @property
    def description(self) -> str:
        return _localised(self, "description")


class TemplateItem(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("modèle"), on_delete=models.CASCADE, related_name="items"
    )
    section = models.ForeignKey(
        TemplateSection, verbose_name=_("section"), on_delete=models.CASCADE, related_name="items"
    )
    key = models.SlugField(_("clé"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"))
    text_fr = models.CharField(_("texte (français)"), max_length=300)
    text_en = models.CharField(_("texte (anglais)"), max_length=300)
    help_fr = models.TextField(_("aide (français)"), blank=True)
    help_en = models.TextField(_("aide (anglais)"), blank=True)
    weight = models.PositiveSmallIntegerField(_("poids"))
    rule = models.CharField(
        _("règle d'évaluation automatique"),
        max_length=60,
        blank=True,
        help_text=_("Vide : l'élément est renseigné par l'animation."),
    )

    class Meta:
        verbose_name = _("élément de modèle")
        verbose_name_plural = _("éléments de modèle")
        # Created when readiness was part of the communities app; the name stays.
        db_table = "communities_templateitem"
        ordering = ["template", "section__position", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "key"], name="communities_templateitem_key"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return _localised(self, "text")

    @property
    def help(self) -> str:
        return _localised(self, "help")

    @property
    def is_auto(self) -> bool:
        return bool(self.rule)


# --- A community's checklist ---------------------------------------------------------------


class ChecklistQuerySet(models.QuerySet):
    def visible_to(self, user: AnyUser) -> ChecklistQuerySet:
        """Checklists of the communities whose content the person may read."""
        return self.filter(community__in=Community.objects.content_visible_to(user))


class Checklist(models.Model):
    community = models.OneToOneField(
        Community,
        verbose_name=_("communauté"),
        on_delete=models.CASCADE,
        related_name="readiness_checklist",
    )
    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("modèle"),
        on_delete=models.PROTECT,
        related_name="checklists",
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        verbose_name = _("liste de préparation")
        verbose_name_plural = _("listes de préparation")
        # Created when readiness was part of the communities app; the name stays.
        db_table = "communities_checklist"
        ordering = ["community__name"]

    def __str__(self) -> str:
        return f"{self.community} · {self.template}"


class ChecklistItemQuerySet(models.QuerySet):
    def manual(self) -> ChecklistItemQuerySet:
        return self.filter(template_item__rule="")

    def open(self) -> ChecklistItemQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def owned_by(self, user: AnyUser) -> ChecklistItemQuerySet:
        if not is_signed_in(user):
            return self.none()
        return self.filter(owner=user)

    def in_readiness_phase(self) -> ChecklistItemQuerySet:
        return self.filter(checklist__community__phase__in=READINESS_PHASES)

    def visible_to(self, user: AnyUser) -> ChecklistItemQuerySet:
        return self.filter(
            checklist__community__in=Community.objects.content_visible_to(user).values("pk")
        )

    def overdue_first(self) -> ChecklistItemQuerySet:
        """Earliest due date first (so the overdue ones lead), undated ones last."""
        return self.order_by(F("due_date").asc(nulls_last=True), "pk")

    def for_checklist_page(self) -> ChecklistItemQuerySet:
        return self.select_related(
            "template_item", "owner__profile", "evidence", "updated_by"
        ).order_by("template_item__section__position", "template_item__position")

    def my_tasks(self, user: AnyUser) -> ChecklistItemQuerySet:
        """The dashboard's list: open, hand-set items the person owns, in communities they
        may still read and that are still getting ready."""
        return (
            self.owned_by(user)
            .manual()
            .open()
            .in_readiness_phase()
            .visible_to(user)
            .select_related("checklist__community", "template_item")
            .overdue_first()
        )


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("liste"), on_delete=models.CASCADE, related_name="items"
    )
    template_item = models.ForeignKey(
        TemplateItem,
        verbose_name=_("élément du modèle"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("statut"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.TODO
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsable"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="readiness_items",
    )
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    evidence = models.ForeignKey(
        "resources.Resource",
        verbose_name=_("ressource à l'appui"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("modifié le"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modifié par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ChecklistItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("élément de liste de préparation")
        verbose_name_plural = _("éléments de listes de préparation")
        # Created when readiness was part of the communities app; the name stays.
        db_table = "communities_checklistitem"
        ordering = ["checklist", "template_item__section__position", "template_item__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "template_item"], name="communities_checklistitem_unique"
            ),
        ]
        indexes = [
            # The dashboard's "my tasks": owner, open statuses, by due date.
            models.Index(
                fields=["owner", "due_date"],
                condition=Q(status__in=["todo", "in_progress"]),
                name="communities_item_my_tasks",
            ),
        ]

    def __str__(self) -> str:
        return str(self.template_item)

    @property
    def is_auto(self) -> bool:
        return self.template_item.is_auto

    @property
    def is_overdue(self) -> bool:
        return (
            self.due_date is not None
            and self.status in OPEN_STATUSES
            and self.due_date < timezone.localdate()
        )


class ChecklistItemRevision(models.Model):
    """An item as someone left it: the history behind `updated_by`/`updated_at`."""

    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("élément"), on_delete=models.CASCADE, related_name="revisions"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("modifié par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("date"), default=timezone.now)
    status = models.CharField(_("statut"), max_length=20, choices=ItemStatus.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsable"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    evidence = models.ForeignKey(
        "resources.Resource",
        verbose_name=_("ressource à l'appui"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("version d'élément")
        verbose_name_plural = _("versions d'éléments")
        # Created when readiness was part of the communities app; the name stays.
        db_table = "communities_checklistitemrevision"
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(fields=["item", "-changed_at"], name="communities_item_revisions"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} · {self.changed_at:%Y-%m-%d %H:%M}"


# --- Decisions -----------------------------------------------------------------------------


class ReadinessDecisionQuerySet(models.QuerySet):
    def for_community(self, community: Community) -> ReadinessDecisionQuerySet:
        return (
            self.filter(community=community)
            .select_related("decided_by__profile")
            .order_by("-decided_at", "-pk")
        )


class ReadinessDecision(models.Model):
    """A launch decision recorded from the decision dossier. Never edited nor deleted:
    a new decision is added when the sponsor decides again."""

    community = models.ForeignKey(
        Community,
        verbose_name=_("communauté"),
        on_delete=models.PROTECT,
        related_name="readiness_decisions",
    )
    outcome = models.CharField(_("décision"), max_length=10, choices=DecisionOutcome.choices)
    rationale = models.TextField(_("justification"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décidée le"), default=timezone.now)
    phase_before = models.CharField(_("phase avant"), max_length=10, choices=Phase.choices)
    phase_after = models.CharField(_("phase après"), max_length=10, choices=Phase.choices)
    score = models.PositiveSmallIntegerField(
        _("score de préparation"), null=True, blank=True, help_text=_("En pourcentage.")
    )

    objects = ReadinessDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("décision de démarrage")
        verbose_name_plural = _("décisions de démarrage")
        # Created when readiness was part of the communities app; the name stays.
        db_table = "communities_readinessdecision"
        ordering = ["-decided_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "-decided_at"], name="communities_decision_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.community} · {self.get_outcome_display()}"

    @property
    def changed_phase(self) -> bool:
        return self.phase_before != self.phase_after
