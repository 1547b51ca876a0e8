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
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import FieldError, PermissionDenied, ValidationError
from django.db import DataError, connections, models, router, transaction
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from taggit.managers import TaggableManager

from cdp_portal.core.fields import SingleLineCharField
from cdp_portal.core.markdown import MAX_MARKDOWN_LENGTH
from cdp_portal.core.tags import PortalTagField
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

    def get_object(self, request, object_id, from_field=None):
        # `?_to_field=` (empty) passes the admin's to_field check, being falsy, then asks
        # the model for a field named "": an empty value means the primary key.
        return super().get_object(request, object_id, from_field or None)

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


class ReadOnlyAdminMixin:
    """Records written by the services (revisions, the moderation log): listed and read,
    never added or changed in the admin."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class NeverDeleteAdminMixin:
    """What members wrote and the records of what was done with it (posts, topics,
    resources, their revisions, flags, the moderation log): hidden, never deleted, not
    even by a superuser. Deleting one would also leave the counters of its topic and
    forum wrong."""

    def has_delete_permission(self, request, obj=None):
        return False


class ArchiveNotDeleteAdminMixin:
    """A container of members' writing (a community, a forum) is archived while it holds
    any; only an empty one may be deleted. The model says what it holds with
    `holds_content()`; the database refuses the cascade too (PROTECT), this mixin says
    why in the admin's own "cannot delete" page instead of an error."""

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.holds_content():
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        holding = [str(obj) for obj in objs if obj.holds_content()]
        if holding:
            # The content's own admins refuse deletion (NeverDeleteAdminMixin), which Django
            # would report as missing permissions: say what to do instead.
            perms_needed = set()
            protected = [
                *(
                    _(
                        "%(name)s contient des contributions de membres : archivez plutôt "
                        "que supprimer."
                    )
                    % {"name": name}
                    for name in holding
                ),
                *protected,
            ]
        return deleted, model_count, perms_needed, protected


def archive_action(service, *, archived: bool, description, target: str):
    """An admin action archiving (or bringing back) the chosen objects through `service`,
    for administrators only (`has_archive_permission`)."""

    def run(modeladmin, request, queryset):
        done = 0
        for obj in queryset:
            try:
                service(**{target: obj}, by=request.user, archived=archived)
            except PermissionDenied as error:
                modeladmin.message_user(request, str(error), messages.ERROR)
                return
            done += 1
        modeladmin.message_user(
            request,
            ngettext("%(n)d élément modifié.", "%(n)d éléments modifiés.", done) % {"n": done},
            messages.SUCCESS,
        )

    run.__name__ = f"{'archive' if archived else 'unarchive'}_{target}"
    return admin.action(description=description, permissions=["archive"])(run)


def view_on_site(request, content_type_id: str, object_id: str):
    """The admin's "view on site" shortcut (`/admin/r/<content type>/<id>/`), answering only
    for an object the person may view in the admin: Django's own view redirects to any
    object's address, which gives away the slug and title of private content. Anything
    else, including a model the admin does not register, is a 404 as if it did not exist.
    """
    from django.contrib import admin
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.contenttypes.views import shortcut
    from django.core.exceptions import ObjectDoesNotExist, ValidationError
    from django.http import Http404

    try:
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
    except (ContentType.DoesNotExist, ValueError, OverflowError):
        raise Http404 from None
    model_admin = admin.site._registry.get(model) if model is not None else None
    if model_admin is None:
        raise Http404
    try:
        obj = model_admin.get_queryset(request).get(pk=object_id)
    except (ObjectDoesNotExist, ValueError, ValidationError, OverflowError):
        raise Http404 from None
    if not model_admin.has_view_permission(request, obj):
        raise Http404
    return shortcut(request, content_type_id, object_id)
