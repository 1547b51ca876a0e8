"""Django admin for the library, scoped for animators.

Animators see and moderate the resources of the communities they animate
(`CommunityScopedAdminMixin`): hide or show again, put "à la une". Institution-wide
resources are the administrators'. Content is edited on the site, where uploads are
checked and the history written; here only the moderation flags change, through the
same services. Resources, their revisions and flags are never deleted here, not even by
a superuser: hiding is the way.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cdp_portal.core.admin import NeverDeleteAdminMixin, ReadOnlyAdminMixin
from communities.admin_scoping import CommunityScopedAdminMixin

from . import services
from .models import Bookmark, Resource, ResourceFlag, ResourceRevision

MODERATION_FIELDS = ("featured", "is_hidden")


def _bulk(modeladmin, request, queryset, action, **kwargs) -> None:
    _each(
        modeladmin,
        request,
        queryset.select_related("community"),
        lambda resource: action(resource=resource, by=request.user, **kwargs),
    )


def _each(modeladmin, request, objects, action) -> None:
    done = refused = 0
    for obj in objects:
        try:
            action(obj)
        except PermissionDenied:
            refused += 1
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request,
            ngettext("%(n)d ressource modifiée.", "%(n)d ressources modifiées.", done)
            % {"n": done},
            messages.SUCCESS,
        )
    if refused:
        modeladmin.message_user(
            request,
            ngettext(
                "%(n)d ressource n'a pas pu être modifiée (droits insuffisants).",
                "%(n)d ressources n'ont pas pu être modifiées (droits insuffisants).",
                refused,
            )
            % {"n": refused},
            messages.WARNING,
        )


@admin.action(description=_("Masquer les ressources choisies"))
def hide(modeladmin, request, queryset):
    _bulk(modeladmin, request, queryset, services.resource_set_hidden, hidden=True)


@admin.action(description=_("Rendre visibles les ressources choisies"))
def unhide(modeladmin, request, queryset):
    _bulk(modeladmin, request, queryset, services.resource_set_hidden, hidden=False)


@admin.action(description=_("Mettre à la une"))
def feature(modeladmin, request, queryset):
    _bulk(modeladmin, request, queryset, services.resource_set_featured, featured=True)


@admin.action(description=_("Retirer de la une"))
def unfeature(modeladmin, request, queryset):
    _bulk(modeladmin, request, queryset, services.resource_set_featured, featured=False)


@admin.register(Resource)
class ResourceAdmin(NeverDeleteAdminMixin, CommunityScopedAdminMixin, admin.ModelAdmin):
    community_path = "community"
    list_display = [
        "title",
        "kind",
        "community",
        "language",
        "author",
        "featured",
        "is_hidden",
        "created_at",
        "view_count",
        "download_count",
    ]
    list_filter = [
        "is_hidden",
        "featured",
        "kind",
        "language",
        ("community", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "summary", "tag_names"]
    list_select_related = ["community", "author"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    actions = [hide, unhide, feature, unfeature]
    fieldsets = [
        (_("Modération"), {"fields": list(MODERATION_FIELDS)}),
        (
            _("Ressource"),
            {
                "fields": [
                    "title",
                    "summary",
                    "kind",
                    "language",
                    "community",
                    "author",
                    "tag_names",
                    "url",
                    "file_name",
                    "file_content_type",
                    "file_size",
                    "body",
                ]
            },
        ),
        (_("Suivi"), {"fields": ["created_at", "updated_at", "view_count", "download_count"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [
            name
            for fields in (options["fields"] for _title, options in self.fieldsets)
            for name in fields
            if name not in MODERATION_FIELDS
        ]

    def has_add_permission(self, request, *args):
        # Resources are added on the site, where uploads are checked.
        return False

    def save_model(self, request, obj, form, change):
        saved = Resource.objects.get(pk=obj.pk)
        if obj.featured != saved.featured:
            services.resource_set_featured(resource=saved, by=request.user, featured=obj.featured)
        if obj.is_hidden != saved.is_hidden:
            services.resource_set_hidden(resource=saved, by=request.user, hidden=obj.is_hidden)

    def save_related(self, request, form, formsets, change):
        # Tags are read-only here (the services keep tag_names and the index current).
        pass


@admin.register(ResourceRevision)
class ResourceRevisionAdmin(
    NeverDeleteAdminMixin, ReadOnlyAdminMixin, CommunityScopedAdminMixin, admin.ModelAdmin
):
    community_path = "resource__community"
    list_display = ["resource", "editor", "created_at", "title"]
    list_select_related = ["resource", "editor"]
    search_fields = ["title", "resource__title"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]


@admin.register(Bookmark)
class BookmarkAdmin(ReadOnlyAdminMixin, CommunityScopedAdminMixin, admin.ModelAdmin):
    community_path = "resource__community"
    list_display = ["user", "resource", "created_at"]
    list_select_related = ["user", "resource"]
    search_fields = ["resource__title", "user__email"]
    ordering = ["-created_at"]


@admin.action(description=_("Masquer les ressources signalées et traiter les signalements"))
def hide_flagged_resources(modeladmin, request, queryset):
    """The site's "hide" decision (the same service): the resource is hidden, every open
    flag on it closed, the moderation log written."""
    _each(
        modeladmin,
        request,
        queryset.filter(status=ResourceFlag.Status.OPEN).select_related("resource__community"),
        lambda flag: services.resource_flag_resolve(flag=flag, by=request.user, hide=True),
    )


@admin.register(ResourceFlag)
class ResourceFlagAdmin(
    NeverDeleteAdminMixin, ReadOnlyAdminMixin, CommunityScopedAdminMixin, admin.ModelAdmin
):
    """Listed and filtered here, and hidden in bulk with the site's service; handled one
    by one on the site (/resources/flags/)."""

    actions = [hide_flagged_resources]

    community_path = "resource__community"
    list_display = ["resource", "reporter", "created_at", "status", "resolved_by"]
    list_filter = ["status", ("resource__community", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["resource", "reporter", "resolved_by"]
    search_fields = ["resource__title", "reason"]
    ordering = ["-created_at"]
