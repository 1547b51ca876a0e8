"""Django admin for the forums, scoped for animators.

Animators see the forums, topics, posts and flags of the communities they animate
(`CommunityScopedAdminMixin`) and moderate them with the same services as the site:
hide or show posts again, lock, unlock, pin, unpin topics, resolve or dismiss flags. Every
action lands in the moderation log (read-only here). Content is written on the site; here
only the moderation fields change. Posts, topics, revisions, flags and the log are
never deleted, not even by a superuser: posts are hidden instead, and a forum that holds
topics is archived (an empty one may still be deleted by a superuser).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from cdp_portal.core.admin import (
    FLAG_FIELDS,
    ArchiveNotDeleteAdminMixin,
    NeverDeleteAdminMixin,
    ReadOnlyAdminMixin,
    archive_action,
    flag_actions,
    run_on_each,
)
from communities.admin_scoping import CommunityScopedAdminMixin
from communities.models import is_portal_admin

from . import services
from .forms import HideForm
from .models import Flag, Forum, ModerationLog, Post, PostRevision, Topic

# When a moderator changes a post in the form or hides flagged posts without a reason.
ADMIN_HIDE_REASON = _("Masqué depuis l'administration")


# --- Forums ------------------------------------------------------------------------------


@admin.register(Forum)
class ForumAdmin(ArchiveNotDeleteAdminMixin, CommunityScopedAdminMixin, admin.ModelAdmin):
    community_path = "community"
    list_display = [
        "name",
        "community",
        "position",
        "topic_count",
        "last_activity_at",
        "archived",
    ]
    list_filter = [("community", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "community__name"]
    list_select_related = ["community"]
    ordering = ["community__name", "position"]
    readonly_fields = ["topic_count", "last_activity_at", "archived_at"]
    actions = [
        archive_action(
            services.forum_set_archived,
            archived=True,
            description=_("Archiver les forums choisis"),
            target="forum",
        ),
        archive_action(
            services.forum_set_archived,
            archived=False,
            description=_("Désarchiver les forums choisis"),
            target="forum",
        ),
    ]

    @admin.display(description=_("archivé"), boolean=True, ordering="archived_at")
    def archived(self, obj):
        return obj.archived_at is not None

    def has_archive_permission(self, request):
        return is_portal_admin(request.user)


# --- Topics ------------------------------------------------------------------------------


class SolvedFilter(admin.SimpleListFilter):
    title = _("résolu")
    parameter_name = "solved"

    def lookups(self, request, model_admin):
        return [("yes", _("Oui")), ("no", _("Non"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(solved_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(solved_at__isnull=True)
        return queryset


def _topic_action(flag: str, value: bool):
    def run(modeladmin, request, queryset):
        service = services.topic_set_locked if flag == "locked" else services.topic_set_pinned
        run_on_each(
            modeladmin,
            request,
            queryset.select_related("forum__community"),
            lambda topic: service(topic=topic, by=request.user, **{flag: value}),
        )

    return run


lock_topics = admin.action(description=_("Verrouiller les sujets choisis"))(
    _topic_action("locked", True)
)
lock_topics.__name__ = "lock_topics"
unlock_topics = admin.action(description=_("Déverrouiller les sujets choisis"))(
    _topic_action("locked", False)
)
unlock_topics.__name__ = "unlock_topics"
pin_topics = admin.action(description=_("Épingler les sujets choisis"))(
    _topic_action("pinned", True)
)
pin_topics.__name__ = "pin_topics"
unpin_topics = admin.action(description=_("Désépingler les sujets choisis"))(
    _topic_action("pinned", False)
)
unpin_topics.__name__ = "unpin_topics"

TOPIC_MODERATION_FIELDS = ("is_pinned", "is_locked")


@admin.register(Topic)
class TopicAdmin(NeverDeleteAdminMixin, CommunityScopedAdminMixin, admin.ModelAdmin):
    community_path = "forum__community"
    list_display = [
        "title",
        "forum",
        "author",
        "is_pinned",
        "is_locked",
        "is_hidden",
        "is_call_for_help",
        "reply_count",
        "last_activity_at",
        "solved_at",
    ]
    list_filter = [
        "is_pinned",
        "is_locked",
        "is_hidden",
        "is_call_for_help",
        SolvedFilter,
        ("forum__community", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title"]
    list_select_related = ["forum__community", "author"]
    date_hierarchy = "created_at"
    ordering = ["-last_activity_at"]
    actions = [lock_topics, unlock_topics, pin_topics, unpin_topics]
    fields = [
        *TOPIC_MODERATION_FIELDS,
        "title",
        "forum",
        "author",
        "resource",
        "is_hidden",
        "is_call_for_help",
        "created_at",
        "last_activity_at",
        "reply_count",
        "solved_at",
        "accepted_post",
        "first_answer_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.fields if name not in TOPIC_MODERATION_FIELDS]

    def has_add_permission(self, request, *args):
        return False  # topics are written on the site

    def save_model(self, request, obj, form, change):
        saved = Topic.objects.select_related("forum__community").get(pk=obj.pk)
        if obj.is_locked != saved.is_locked:
            services.topic_set_locked(topic=saved, by=request.user, locked=obj.is_locked)
        if obj.is_pinned != saved.is_pinned:
            services.topic_set_pinned(topic=saved, by=request.user, pinned=obj.is_pinned)

    def save_related(self, request, form, formsets, change):
        pass


# --- Posts -------------------------------------------------------------------------------


@admin.action(description=_("Masquer les messages choisis"))
def hide_posts(modeladmin, request, queryset):
    """Asks for the reason first (an intermediate page, as Django's own delete action
    does): the author sees it and the moderation log keeps it."""
    posts = queryset.select_related("topic__forum__community", "author")
    form = HideForm(request.POST if "confirm_hide" in request.POST else None)
    if form.is_bound and form.is_valid():
        reason = form.cleaned_data["reason"]
        run_on_each(
            modeladmin,
            request,
            posts,
            lambda post: services.post_set_hidden(
                post=post, by=request.user, hidden=True, reason=reason
            ),
        )
        return None
    return TemplateResponse(
        request,
        "admin/forums/post/hide_confirmation.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Masquer des messages"),
            "opts": modeladmin.model._meta,
            "posts": posts,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.action(description=_("Rendre visibles les messages choisis"))
def unhide_posts(modeladmin, request, queryset):
    run_on_each(
        modeladmin,
        request,
        queryset.select_related("topic__forum__community"),
        lambda post: services.post_set_hidden(post=post, by=request.user, hidden=False),
    )


POST_MODERATION_FIELDS = ("is_hidden", "hidden_reason")


@admin.register(Post)
class PostAdmin(NeverDeleteAdminMixin, CommunityScopedAdminMixin, admin.ModelAdmin):
    community_path = "topic__forum__community"
    list_display = ["__str__", "author", "created_at", "is_hidden", "edited_at"]
    list_filter = [
        "is_hidden",
        ("topic__forum__community", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["body", "topic__title"]
    list_select_related = ["topic", "author"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    actions = [hide_posts, unhide_posts]
    fields = [
        *POST_MODERATION_FIELDS,
        "topic",
        "position",
        "author",
        "created_at",
        "edited_at",
        "hidden_by",
        "hidden_at",
        "body",
    ]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.fields if name not in POST_MODERATION_FIELDS]

    def has_add_permission(self, request, *args):
        return False

    def save_model(self, request, obj, form, change):
        saved = Post.objects.select_related("topic__forum__community").get(pk=obj.pk)
        if obj.is_hidden != saved.is_hidden:
            reason = obj.hidden_reason or str(ADMIN_HIDE_REASON)
            try:
                services.post_set_hidden(
                    post=saved, by=request.user, hidden=obj.is_hidden, reason=reason
                )
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, str(error), messages.ERROR)


@admin.register(PostRevision)
class PostRevisionAdmin(
    NeverDeleteAdminMixin, ReadOnlyAdminMixin, CommunityScopedAdminMixin, admin.ModelAdmin
):
    community_path = "post__topic__forum__community"
    list_display = ["post", "editor", "created_at"]
    list_select_related = ["post__topic", "editor"]
    search_fields = ["body", "post__topic__title"]
    ordering = ["-created_at"]


# --- Flags and the log ----------------------------------------------------------------------


flag_admin_actions = flag_actions(
    services.flag_resolve,
    related=["post__topic__forum__community"],
    hide=(
        "hide_flagged_posts",
        _("Masquer les messages signalés et traiter les signalements"),
    ),
    default_hide_reason=ADMIN_HIDE_REASON,
)


@admin.register(Flag)
class FlagAdmin(NeverDeleteAdminMixin, CommunityScopedAdminMixin, admin.ModelAdmin):
    community_path = "post__topic__forum__community"
    list_display = ["post", "reporter", "reason", "status", "created_at", "resolved_by"]
    list_filter = [
        "status",
        ("post__topic__forum__community", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["reason", "post__body", "post__topic__title"]
    list_select_related = ["post__topic", "reporter", "resolved_by"]
    ordering = ["-created_at"]
    actions = flag_admin_actions
    readonly_fields = ["post", *FLAG_FIELDS]

    def has_add_permission(self, request, *args):
        return False


@admin.register(ModerationLog)
class ModerationLogAdmin(
    NeverDeleteAdminMixin, ReadOnlyAdminMixin, CommunityScopedAdminMixin, admin.ModelAdmin
):
    community_path = "community"
    list_display = ["created_at", "actor", "action", "community", "topic", "reason"]
    list_filter = ["action", ("community", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reason", "topic__title"]
    list_select_related = ["actor", "community", "topic"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
