"""Admin behaviour every app shares, whatever it administers: changelists that survive any
query string, records that are read-only or never deleted, containers that are archived
rather than deleted, and a "view on site" that gives nothing away.

Scoping an admin to the communities an animator moderates is the communities' business
(`communities.admin_scoping`).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext

from django.contrib import admin, messages
from django.contrib.admin.filters import FieldListFilter
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldError, PermissionDenied, ValidationError
from django.db import DataError, connections, models, router, transaction
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext


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
        except (
            DataError,
            ValueError,
            TypeError,
            OverflowError,
            ValidationError,
            FieldError,
        ) as error:
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


def boolean_icon(value: bool | None) -> str:
    """The admin's yes/no/unknown icon, with a text alternative in the reader's language:
    Django's own says Python's "True", "False" or "None" to a screen reader."""
    name, text = {
        True: ("yes", _("Oui")),
        False: ("no", _("Non")),
        None: ("unknown", _("Inconnu")),
    }[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{name}.svg"), text)


def localize_boolean_icons() -> None:
    """Draw every boolean of the admin with `boolean_icon` (called from the URLconf, with
    `harden_admin_site`). Lists, read-only fields and `@admin.display(boolean=True)` all
    import Django's private `admin_list._boolean_icon` when they draw one, so replacing it
    there covers the portal's admins and the third-party ones; the admin's tests
    (tests/core/test_admin_language.py) fail if an upgrade stops going through it."""
    from django.contrib.admin.templatetags import admin_list

    admin_list._boolean_icon = boolean_icon


class BlankNamedValuesFilter(admin.AllValuesFieldListFilter):
    """Django's filter by the values a field holds, where the blank value ("" in an
    optional text field: a profile without a campus) is a link named "(vide)" rather than
    a link with no text, which a screen reader cannot name and a mouse can hardly hit."""

    def choices(self, changelist):
        # Django yields "All", then one choice per non-null value of `lookup_choices` (a
        # queryset it has just evaluated: iterating it again costs no query), in order,
        # then the null one.
        values = [None, *(value for value in self.lookup_choices if value is not None)]
        for index, choice in enumerate(super().choices(changelist)):
            if index < len(values) and values[index] == "":
                # With facets the display is " (count)": the name goes before it.
                choice = {**choice, "display": _("(vide)") + choice["display"]}
            yield choice


def name_blank_filter_values() -> None:
    """Filter every admin's text fields without choices with `BlankNamedValuesFilter`
    (called from the URLconf, with `harden_admin_site`): the fields `AllValuesFieldListFilter`
    would otherwise take, in the portal's admins and the third-party ones alike."""
    if any(cls is BlankNamedValuesFilter for _test, cls in FieldListFilter._field_list_filters):
        return  # registered already (the URLconf was imported again)
    FieldListFilter.register(
        lambda field: (
            isinstance(field, (models.CharField, models.TextField))
            and not field.choices
            and not field.is_relation
        ),
        BlankNamedValuesFilter,
        take_priority=True,
    )


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


def run_on_each(modeladmin, request, objects, action) -> None:
    """An admin action's work: `action(obj)` (a service, which checks the person) on each
    object, then one message for those done and one for those the service refused."""
    done = refused = 0
    for obj in objects:
        try:
            action(obj)
        except (PermissionDenied, ValidationError):
            refused += 1
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request,
            ngettext("%(n)d élément modifié.", "%(n)d éléments modifiés.", done) % {"n": done},
            messages.SUCCESS,
        )
    if refused:
        modeladmin.message_user(
            request,
            ngettext(
                "%(n)d élément n'a pas pu être modifié (droits insuffisants).",
                "%(n)d éléments n'ont pas pu être modifiés (droits insuffisants).",
                refused,
            )
            % {"n": refused},
            messages.WARNING,
        )


# What every flag shows in the admin (`cdp_portal.core.moderation.FlagBase` and its status),
# read-only: flags are settled through their app's service, never edited.
FLAG_FIELDS = (
    "reporter",
    "reason",
    "status",
    "created_at",
    "resolved_by",
    "resolved_at",
    "resolution_note",
)


def flag_actions(resolve, *, related: Sequence[str], hide: tuple[str, object], default_hide_reason):
    """The admin actions of a flag queue: mark handled, dismiss, and hide what is flagged
    (`hide`: that action's name and description; with the flag's reason, else
    `default_hide_reason`), each through the app's `resolve`
    service (`flag=, by=, dismiss=, hide=, hide_reason=`) on the open flags chosen, with
    `related` loaded for the service."""

    def action(name: str, description, *, dismiss: bool = False, hiding: bool = False):
        def run(modeladmin, request, queryset):
            def handle(flag) -> None:
                reason = (flag.reason or str(default_hide_reason)) if hiding else None
                resolve(
                    flag=flag, by=request.user, dismiss=dismiss, hide=hiding, hide_reason=reason
                )

            open_flags = queryset.filter(status="open").select_related(*related)
            run_on_each(modeladmin, request, open_flags, handle)

        run.__name__ = name
        return admin.action(description=description)(run)

    return [
        action("resolve_flags", _lazy("Marquer les signalements choisis comme traités")),
        action("dismiss_flags", _lazy("Rejeter les signalements choisis"), dismiss=True),
        action(*hide, hiding=True),
    ]


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
