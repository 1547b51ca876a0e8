"""Django admin for readiness checklists and decisions, scoped for animators (§5.7).

Templates are loaded from YAML by `manage.py load_checklist_templates`: the admin shows
them read-only. Animators see the checklists of the communities they animate and change
hand-set items through `readiness.services` (auto-evaluated items are read-only);
decisions are recorded from the dossier and only read here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from communities.admin_scoping import CommunityScopedAdminMixin
from communities.models import Community

from .models import (
    Checklist,
    ChecklistItem,
    ChecklistTemplate,
    ReadinessDecision,
    TemplateItem,
)
from .services import checklist_item_check, checklist_item_update, owner_candidates


class _ScopedCommunityFilter(admin.SimpleListFilter):
    """By community, among those the person moderates only."""

    title = _("communauté")
    parameter_name = "community"
    lookup = "community_id"

    def lookups(self, request, model_admin):
        return list(
            Community.objects.moderated_by(request.user).order_by("name").values_list("pk", "name")
        )

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not str(value).isdigit():
            return queryset.none()
        return queryset.filter(**{self.lookup: int(value)})


class ItemCommunityFilter(_ScopedCommunityFilter):
    lookup = "checklist__community_id"


# --- Templates (read-only) ---------------------------------------------------------------


class TemplateItemInline(admin.TabularInline):
    model = TemplateItem
    fields = ["section", "position", "key", "text_fr", "text_en", "weight", "rule"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["section__position", "position"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["slug", "version", "title_fr", "source_file", "loaded_at"]
    list_filter = ["slug"]
    search_fields = ["slug", "title_fr", "title_en"]
    readonly_fields = [
        "slug",
        "version",
        "content_hash",
        "title_fr",
        "title_en",
        "description_fr",
        "description_en",
        "source",
        "source_file",
        "loaded_at",
    ]
    inlines = [TemplateItemInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Checklists -----------------------------------------------------------------------------


@admin.register(Checklist)
class ChecklistAdmin(CommunityScopedAdminMixin, admin.ModelAdmin):
    community_path = "community"
    list_display = ["community", "template", "created_at"]
    list_filter = [_ScopedCommunityFilter]
    list_select_related = ["community", "template"]
    search_fields = ["community__name"]
    readonly_fields = ["community", "template", "created_at", "created_by"]

    def has_add_permission(self, request, *args):
        return False  # created by the readiness page when a community first needs one


class ChecklistItemAdminForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["status", "owner", "due_date", "note", "evidence"]

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.instance.pk is None:
            return cleaned
        try:
            checklist_item_check(
                item=self.instance,
                by=self.request_user,
                status=cleaned.get("status"),
                owner=cleaned.get("owner"),
                evidence=cleaned.get("evidence"),
            )
        except PermissionDenied as error:
            raise ValidationError(str(error)) from error
        return cleaned


@admin.register(ChecklistItem)
class ChecklistItemAdmin(CommunityScopedAdminMixin, admin.ModelAdmin):
    community_path = "checklist__community"
    form = ChecklistItemAdminForm
    list_display = [
        "item_text",
        "community",
        "status",
        "is_auto",
        "owner",
        "due_date",
        "updated_at",
    ]
    list_filter = ["status", ItemCommunityFilter, "template_item__section__key"]
    list_select_related = ["checklist__community", "template_item", "owner"]
    search_fields = ["template_item__text_fr", "template_item__text_en", "note"]
    raw_id_fields = ["evidence"]
    ordering = [
        "checklist__community__name",
        "template_item__section__position",
        "template_item__position",
    ]

    @admin.display(description=_("élément"))
    def item_text(self, obj):
        return obj.template_item.text

    @admin.display(description=_("communauté"))
    def community(self, obj):
        return obj.checklist.community

    @admin.display(description=_("automatique"), boolean=True)
    def is_auto(self, obj):
        return obj.template_item.is_auto

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("checklist__community", "template_item")

    def get_readonly_fields(self, request, obj=None):
        base = ["checklist", "template_item", "updated_by", "updated_at"]
        if obj is not None and obj.template_item.is_auto:
            return [*base, "status", "owner", "due_date", "note", "evidence"]
        return base

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        if obj is not None and "owner" in form.base_fields:
            form.base_fields["owner"].queryset = owner_candidates(obj.checklist.community)
        return form

    def has_add_permission(self, request, *args):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        checklist_item_update(
            item=obj,
            by=request.user,
            status=data["status"],
            owner=data.get("owner"),
            due_date=data.get("due_date"),
            note=data.get("note", ""),
            evidence=data.get("evidence"),
        )


@admin.register(ReadinessDecision)
class ReadinessDecisionAdmin(CommunityScopedAdminMixin, admin.ModelAdmin):
    community_path = "community"
    list_display = [
        "community",
        "outcome",
        "decided_by",
        "decided_at",
        "phase_before",
        "phase_after",
        "score",
    ]
    list_filter = ["outcome", _ScopedCommunityFilter]
    list_select_related = ["community", "decided_by"]
    search_fields = ["community__name", "rationale"]
    readonly_fields = [
        "community",
        "outcome",
        "rationale",
        "decided_by",
        "decided_at",
        "phase_before",
        "phase_after",
        "score",
    ]

    def has_add_permission(self, request, *args):
        return False  # recorded from the decision dossier

    def has_change_permission(self, request, obj=None):
        return False
