"""Django admin for communities, memberships and profiles, scoped for animators.

Animators see only the communities they animate and what belongs to them
(`CommunityScopedAdminMixin`); administrators see everything. Status and role changes go
through `communities.services`, like on the site, so e-mail and admin access follow.
"""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.models import Tag

from cdp_portal.core.admin import ArchiveNotDeleteAdminMixin, archive_action
from cdp_portal.core.tags import TagNameForm

from . import user_admin  # noqa: F401 (registers the accounts' admin page)
from .admin_scoping import CommunityScopedAdminMixin
from .benefits import BENEFIT_CHOICES
from .models import Community, Language, Membership, Profile, Role, is_portal_admin
from .services import (
    community_set_archived,
    membership_approve,
    membership_refuse,
    membership_roles_check,
    membership_set_roles,
)

User = get_user_model()


# --- Communities ----------------------------------------------------------------------


class CommunityAdminForm(forms.ModelForm):
    benefits = forms.MultipleChoiceField(
        label=_("bénéfices visés"),
        choices=BENEFIT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Community
        fields = [
            "name",
            "slug",
            "summary",
            "description",
            "theme",
            "phase",
            "visibility",
            "sponsor",
            "benefits",
        ]


class ArchivedFilter(admin.SimpleListFilter):
    title = _("archivage")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", _("En activité")), ("yes", _("Archivées"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        return queryset


@admin.register(Community)
class CommunityAdmin(ArchiveNotDeleteAdminMixin, CommunityScopedAdminMixin, admin.ModelAdmin):
    community_path = ""
    form = CommunityAdminForm
    list_display = ["name", "phase", "visibility", "theme", "sponsor", "member_count", "archived"]
    list_filter = [ArchivedFilter, "phase", "visibility", "theme"]
    actions = [
        archive_action(
            community_set_archived,
            archived=True,
            description=_("Archiver les communautés choisies"),
            target="community",
        ),
        archive_action(
            community_set_archived,
            archived=False,
            description=_("Désarchiver les communautés choisies"),
            target="community",
        ),
    ]
    search_fields = ["name", "slug", "summary"]
    list_select_related = ["sponsor"]
    ordering = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "description"]}),
        (_("Charte"), {"fields": ["theme", "phase", "visibility", "sponsor", "benefits"]}),
        (_("Dates"), {"fields": ["created_at", "updated_at", "archived_at"]}),
    ]
    # Only administrators change how a community is reached (its address and visibility)
    # and its phase: animators move it on by recording a decision in the readiness dossier.
    # Nor do animators name the sponsor, who records that decision (see
    # `permissions.can_grant_sponsor`).
    admin_only_fields = ["slug", "visibility", "phase", "sponsor"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_member_count_subquery()

    @admin.display(description=_("membres actifs"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    @admin.display(description=_("archivée"), boolean=True, ordering="archived_at")
    def archived(self, obj):
        return obj.archived_at is not None

    def has_archive_permission(self, request):
        return is_portal_admin(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["created_at", "updated_at", "archived_at"]
        if not is_portal_admin(request.user):
            readonly += self.admin_only_fields
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        if is_portal_admin(request.user):
            return {"slug": ("name",)}
        return {}

    def get_autocomplete_fields(self, request):
        # Administrators pick the sponsor among every account; for animators it is
        # read-only (admin_only_fields).
        return ["sponsor"] if is_portal_admin(request.user) else []


# --- Memberships ----------------------------------------------------------------------


class ModeratedCommunityFilter(admin.SimpleListFilter):
    """By community, among those the person moderates only (the default related filter
    would list every community, private ones included)."""

    title = _("communauté")
    parameter_name = "community"

    def lookups(self, request, model_admin):
        return [
            (str(pk), name)
            for pk, name in Community.objects.moderated_by(request.user)
            .order_by("name")
            .values_list("pk", "name")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(community_id=int(value))


class RoleFilter(admin.SimpleListFilter):
    title = _("rôle")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value not in Role.values:
            return queryset.none()
        return queryset.filter(roles__contains=[value])


class MembershipAdminForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("rôles"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Le rôle d'animation donne accès à l'administration de la communauté."),
    )

    class Meta:
        model = Membership
        fields = ["roles", "allocated_hours_per_month"]

    # Set by MembershipAdmin.get_form: who is changing the roles (the sponsor rule).
    acting_user = None

    def clean_roles(self):
        # The service's own rules (known roles, a community keeps an animator, who gives
        # the sponsor role), checked here so that a refusal is shown next to the field
        # rather than as an error page.
        return membership_roles_check(
            membership=self.instance, roles=self.cleaned_data["roles"], by=self.acting_user
        )


def _csv_safe(value) -> str:
    """Text for a spreadsheet cell: a leading = + - @ would make Excel run a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin.register(Membership)
class MembershipAdmin(CommunityScopedAdminMixin, admin.ModelAdmin):
    community_path = "community"
    form = MembershipAdminForm
    list_display = [
        "user",
        "user_email",
        "community",
        "roles_display",
        "status",
        "allocated_hours_per_month",
        "joined_at",
    ]
    list_filter = ["status", ModeratedCommunityFilter, RoleFilter]
    search_fields = ["user__email", "user__display_name", "user__first_name", "user__last_name"]
    list_select_related = ["user", "community"]
    ordering = ["community__name", "user__display_name", "user__email"]
    actions = ["approve_requests", "refuse_requests", "export_csv"]
    fieldsets = [
        (
            None,
            {"fields": ["user", "community", "status", "roles", "allocated_hours_per_month"]},
        ),
        (
            _("Historique"),
            {
                "fields": [
                    "request_message",
                    "invited_by",
                    "decided_by",
                    "created_at",
                    "joined_at",
                    "left_at",
                    "updated_at",
                ]
            },
        ),
    ]
    readonly_fields = [
        "user",
        "community",
        "status",
        "request_message",
        "invited_by",
        "decided_by",
        "created_at",
        "joined_at",
        "left_at",
        "updated_at",
    ]

    @admin.display(description=_("adresse e-mail"), ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    @admin.display(description=_("rôles"))
    def roles_display(self, obj):
        return ", ".join(obj.get_roles_display())

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Deleting a membership must not leave a community with no one to animate it
        # (as membership_leave and membership_set_roles refuse too).
        chosen = {membership.pk for membership in objs}
        orphaned = {
            membership.community.name
            for membership in objs
            if membership.is_active
            and Role.ANIMATOR in membership.roles
            and not Membership.objects.active()
            .with_role(Role.ANIMATOR)
            .filter(community=membership.community_id)
            .exclude(pk__in=chosen)
            .exists()
        }
        refusals = [
            _("%(community)s n'aurait plus personne à l'animation.") % {"community": name}
            for name in sorted(orphaned)
        ]
        return deleted, model_count, perms_needed, [*refusals, *protected]

    def has_add_permission(self, request, *args):
        # People join, ask, are invited or imported on the site, where e-mail and checks
        # follow; the admin changes roles and allocated time of existing memberships.
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A subclass per request: the acting user never leaks into another request's form.
        return type(form.__name__, (form,), {"acting_user": request.user})

    def save_model(self, request, obj, form, change):
        if not (change and "roles" in form.changed_data):
            super().save_model(request, obj, form, change)
            return
        wanted = obj.roles
        obj.roles = list(form.initial.get("roles") or [])
        super().save_model(request, obj, form, change)
        try:
            membership_set_roles(membership=obj, roles=wanted, by=request.user)
        except (PermissionDenied, ValidationError) as error:
            # Checked by the form already; only a concurrent change can get here.
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def _decide(self, request, queryset, decide, done_message):
        done = skipped = 0
        for membership in queryset.select_related("user", "community"):
            if membership.status != Membership.Status.REQUESTED:
                skipped += 1
                continue
            try:
                decide(membership=membership, by=request.user)
            except ValidationError:
                skipped += 1
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d adhésion ignorée : ce n'était pas une demande en attente.",
                    "%(count)d adhésions ignorées : ce n'étaient pas des demandes en attente.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Accepter les demandes sélectionnées"), permissions=["change"])
    def approve_requests(self, request, queryset):
        self._decide(
            request,
            queryset,
            membership_approve,
            lambda count: (
                ngettext("%(count)d demande acceptée.", "%(count)d demandes acceptées.", count)
                % {"count": count}
            ),
        )

    @admin.action(description=_("Refuser les demandes sélectionnées"), permissions=["change"])
    def refuse_requests(self, request, queryset):
        self._decide(
            request,
            queryset,
            membership_refuse,
            lambda count: (
                ngettext("%(count)d demande refusée.", "%(count)d demandes refusées.", count)
                % {"count": count}
            ),
        )

    @admin.action(description=_("Exporter les membres sélectionnés (CSV)"), permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = f"membres-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        # A byte order mark, so that Excel reads the accents as UTF-8; semicolons, the
        # list separator of French-language spreadsheets.
        response.write("\ufeff")
        writer = csv.writer(response, delimiter=";")
        writer.writerow(
            [
                _("Adresse e-mail"),
                _("Nom affiché"),
                _("Communauté"),
                _("Rôles"),
                _("Statut"),
                _("Unité"),
                _("Membre depuis"),
            ]
        )
        # Labels translated once, not once a row: an export can hold every membership.
        role_labels = {value: str(label) for value, label in Role.choices}
        status_labels = {value: str(label) for value, label in Membership.Status.choices}
        rows = (
            queryset.select_related("user__profile", "community")
            .only(
                "roles",
                "status",
                "joined_at",
                "user__email",
                "user__display_name",
                "user__first_name",
                "user__last_name",
                "user__profile__unit",
                "community__name",
            )
            .order_by("community__name", "user__email")
        )
        for membership in rows.iterator(chunk_size=2000):
            profile = getattr(membership.user, "profile", None)
            joined = (
                timezone.localtime(membership.joined_at).strftime("%Y-%m-%d %H:%M")
                if membership.joined_at
                else ""
            )
            writer.writerow(
                [
                    _csv_safe(value)
                    for value in (
                        membership.user.email,
                        membership.user.get_full_name(),
                        membership.community.name,
                        ", ".join(role_labels.get(role, role) for role in membership.roles),
                        status_labels.get(membership.status, membership.status),
                        profile.unit if profile else "",
                        joined,
                    )
                ]
            )
        return response


# --- Profiles -------------------------------------------------------------------------


class ProfileAdminForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("langues parlées"),
        choices=Language.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Profile
        fields = [
            "handle",
            "job_title",
            "unit",
            "campus",
            "phone",
            "bio",
            "languages",
            "expertise",
            "interests",
            "show_email",
            "show_phone",
            "ask_me_about",
        ]


@admin.register(Profile)
class ProfileAdmin(CommunityScopedAdminMixin, admin.ModelAdmin):
    """Animators consult the profiles of their communities' members (view permission
    only); administrators may correct them."""

    community_path = None
    form = ProfileAdminForm
    list_display = ["user", "user_email", "job_title", "unit", "campus", "expertise_list"]
    list_filter = ["ask_me_about", "campus"]
    search_fields = [
        "user__display_name",
        "user__first_name",
        "user__last_name",
        "user__email",
        "handle",
        "unit",
        "job_title",
    ]
    list_select_related = ["user"]
    ordering = ["user__display_name", "user__email"]
    readonly_fields = ["user", "updated_at"]
    fieldsets = [
        (None, {"fields": ["user", "handle", "job_title", "unit", "campus", "phone"]}),
        (_("Présentation"), {"fields": ["bio", "languages", "expertise", "interests"]}),
        (_("Préférences"), {"fields": ["show_email", "show_phone", "ask_me_about"]}),
        (_("Dates"), {"fields": ["updated_at"]}),
    ]

    def scope_queryset(self, request, queryset):
        return queryset.moderated_by(request.user)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("expertise")

    @admin.display(description=_("adresse e-mail"), ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    @admin.display(description=_("expertises"))
    def expertise_list(self, obj):
        return ", ".join(sorted(tag.name for tag in obj.expertise.all()))

    def has_add_permission(self, request, *args):
        # Every account gets its profile on first sign-in (services.profile_ensure).
        return False


# --- Tags -----------------------------------------------------------------------------


admin.site.unregister(Tag)


@admin.register(Tag)
class PortalTagAdmin(TaggitTagAdmin):
    """taggit's Tag admin held to the portal's tag rule. Its "merge" action is left out:
    it moves only taggit's generic TaggedItem rows, which the portal does not use (its
    tags go through TaggedResource, TaggedTopic, TaggedExpertise, TaggedInterest)."""

    form = TagNameForm
    actions = []

    def get_urls(self):
        return admin.ModelAdmin.get_urls(self)
