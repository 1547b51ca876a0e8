"""Django admin scoped to the communities a person animates.

Animators reach `/admin/` through the "Animateurs" group (model permissions, see
`communities.services.ANIMATOR_PERMISSIONS`); this mixin narrows what those permissions
reach to the objects of the communities they moderate. Administrators (superusers and the
"Administrateurs" group) see everything: `Community.objects.moderated_by` returns all
communities for them.

Usage, in any app's admin.py::

    @admin.register(Topic)
    class TopicAdmin(CommunityScopedAdminMixin, admin.ModelAdmin):
        community_path = "forum__community"

`community_path` is the lookup from the model to its community ("community" for a
membership; "" when the object is the community itself). A model reached through a
multi-valued relation sets `community_path = None` and overrides `scope_queryset`.
"""

from __future__ import annotations

from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from taggit.managers import TaggableManager

from cdp_portal.core.admin import SafeChangelistMixin
from cdp_portal.core.fields import SingleLineCharField
from cdp_portal.core.markdown import MAX_MARKDOWN_LENGTH
from cdp_portal.core.tags import PortalTagField

from .models import Community, is_portal_admin

_IS_THE_COMMUNITY = ("", "pk")


def moderated_community_ids(request) -> frozenset[int]:
    """Ids of the communities the person moderates, fetched once per request."""
    cached = getattr(request, "_moderated_community_ids", None)
    if cached is None:
        cached = frozenset(
            Community.objects.moderated_by(request.user).values_list("pk", flat=True)
        )
        request._moderated_community_ids = cached
    return cached


class CommunityScopedAdminMixin(SafeChangelistMixin):
    community_path: str | None = "community"
    # Nothing a member wrote is lost and memberships are history: only superusers delete.
    deletion_requires_superuser = True

    # --- Scope ------------------------------------------------------------------------

    def scope_queryset(self, request, queryset: QuerySet) -> QuerySet:
        if is_portal_admin(request.user):
            return queryset
        moderated = Community.objects.moderated_by(request.user).values("pk")
        if self.community_path in _IS_THE_COMMUNITY:
            return queryset.filter(pk__in=moderated)
        if self.community_path is None:
            raise NotImplementedError(
                f"{type(self).__name__} sets community_path = None: override scope_queryset."
            )
        return queryset.filter(**{f"{self.community_path}__in": moderated})

    def object_community_id(self, obj) -> int | None:
        """The community an object belongs to, read from its attributes (no query when the
        path is a single foreign key); None when it has none."""
        if self.community_path in _IS_THE_COMMUNITY:
            return obj.pk
        *through, last = self.community_path.split("__")
        target = obj
        for name in through:
            target = getattr(target, name, None)
            if target is None:
                return None
        return getattr(target, f"{last}_id", None)

    def in_scope(self, request, obj) -> bool:
        if obj is None or is_portal_admin(request.user):
            return True
        if obj.pk is None:
            return False
        if self.community_path is not None:
            return self.object_community_id(obj) in moderated_community_ids(request)
        cache = request.__dict__.setdefault("_admin_scope_cache", {})
        key = (obj._meta.label, obj.pk)
        if key not in cache:
            cache[key] = (
                self.scope_queryset(request, self.model._default_manager.filter(pk=obj.pk))
                .order_by()
                .exists()
            )
        return cache[key]

    # --- ModelAdmin hooks -------------------------------------------------------------

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self.deletion_requires_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj) and self.in_scope(request, obj)

    def has_add_permission(self, request, *args):
        # InlineModelAdmin passes the parent object as well.
        if not super().has_add_permission(request, *args):
            return False
        if is_portal_admin(request.user):
            return True
        # A new community belongs to nobody's scope yet: administrators create them. Other
        # objects need a community the person moderates to be attached to.
        if self.community_path in _IS_THE_COMMUNITY:
            return False
        return bool(moderated_community_ids(request))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Tags typed in the admin follow the same rule as everywhere else.
        if isinstance(db_field, TaggableManager):
            kwargs.setdefault("form_class", PortalTagField)
        # Names and titles are one line; Markdown texts have the portal's maximum. Exact
        # types: SlugField, EmailField… are CharFields with their own form field.
        elif type(db_field) is models.CharField and not db_field.choices:
            kwargs.setdefault("form_class", SingleLineCharField)
        elif type(db_field) is models.TextField and not db_field.choices:
            kwargs.setdefault("max_length", MAX_MARKDOWN_LENGTH)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Community and "queryset" not in kwargs:
            kwargs["queryset"] = Community.objects.moderated_by(request.user)
        self.scope_related_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def scope_related_choices(self, db_field, request, kwargs: dict) -> None:
        """A foreign key to a model with a visibility rule (`objects.visible_to`: topics,
        resources…) offers, accepts and names only what the person may see. Without it,
        a raw-id field printed the title of any id typed in (the widget looks the label
        up with the model's unfiltered manager) and the form accepted it."""
        related = db_field.related_model
        visible_to = getattr(related._default_manager.all(), "visible_to", None)
        if "queryset" in kwargs or visible_to is None or is_portal_admin(request.user):
            return
        kwargs["queryset"] = visible_to(request.user)
        if db_field.name in self.raw_id_fields:
            kwargs["widget"] = ScopedForeignKeyRawIdWidget(
                db_field.remote_field,
                self.admin_site,
                queryset=kwargs["queryset"],
                using=kwargs.get("using"),
            )


class ScopedForeignKeyRawIdWidget(ForeignKeyRawIdWidget):
    """The raw-id widget, naming the chosen object only when it is in `queryset`."""

    def __init__(self, rel, admin_site, *, queryset: QuerySet, attrs=None, using=None):
        super().__init__(rel, admin_site, attrs=attrs, using=using)
        self.queryset = queryset

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            self.queryset.using(self.db).get(**{key: value})
        except (ValueError, TypeError, self.queryset.model.DoesNotExist, ValidationError):
            return "", ""
        return super().label_and_url_for_value(value)
