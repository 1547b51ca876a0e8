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

from contextlib import nullcontext

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldError, ValidationError
from django.db import DataError, connections, models, router, transaction
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from taggit.managers import TaggableManager

from cdp_portal.fields import SingleLineCharField
from cdp_portal.markdown import MAX_MARKDOWN_LENGTH
from cdp_portal.tags import PortalTagField
from communities.models import Community, is_portal_admin

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


class SafeChangelistMixin:
    """A changelist's filters and actions come from the address bar and can be anything:
    `?pk=abc`, `?created_at__gte=notadate`, `?roles__contains=x` on an array,
    `_selected_action=abc`. Django catches some at `filter()` time; the others only fail
    in PostgreSQL. Either way the person gets Django's "?e=1" page (or a message), never
    a 500. `harden_admin_site` adds this to every ModelAdmin registered, the portal's and
    third-party ones alike."""

    def get_changelist_instance(self, request):
        # ChangeList counts and fetches its rows while being built: a lookup PostgreSQL
        # refuses fails here. Inside a transaction, a savepoint keeps it usable; in
        # autocommit (the portal's requests) the failed statement leaves nothing behind.
        using = router.db_for_read(self.model)
        guard = transaction.atomic(using) if connections[using].in_atomic_block else nullcontext()
        try:
            with guard:
                return super().get_changelist_instance(request)
        except (DataError, ValueError, TypeError, ValidationError, FieldError) as error:
            raise IncorrectLookupParameters(error) from error

    def response_action(self, request, queryset):
        pk_field = self.model._meta.pk
        try:
            for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
                pk_field.to_python(value)
        except ValidationError:
            self.message_user(
                request,
                _("La sélection envoyée n'est pas valide : rien n'a été fait."),
                messages.WARNING,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)


def harden_admin_site(site: admin.AdminSite) -> None:
    """Give every registered ModelAdmin the SafeChangelistMixin (called once the admin
    modules are loaded, from the URLconf)."""
    for model_admin in list(site._registry.values()):
        cls = type(model_admin)
        if not isinstance(model_admin, SafeChangelistMixin):
            model_admin.__class__ = type(f"Safe{cls.__name__}", (SafeChangelistMixin, cls), {})


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
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdminMixin:
    """Records written by the services (revisions, the moderation log): listed and read,
    never added or changed in the admin."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
