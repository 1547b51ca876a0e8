from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Model permissions the "Animateurs" group carries for the forums; the scoped admin then
# narrows them to the communities each animator moderates.
ANIMATOR_FORUM_PERMISSIONS = (
    # Animators add forums to their communities ("Annonces", a forum per project…).
    "forums.add_forum",
    "forums.change_forum",
    "forums.view_forum",
    "forums.view_topic",
    "forums.change_topic",
    "forums.view_post",
    "forums.change_post",
    "forums.view_postrevision",
    "forums.view_flag",
    "forums.change_flag",
    "forums.view_moderationlog",
)


class ForumsConfig(AppConfig):
    name = "forums"
    verbose_name = _("Forums")

    def ready(self) -> None:
        from cdp_portal.core.moderation import moderation_logged
        from cdp_portal.core.page_sections import (
            COMMUNITY_SECTIONS,
            DASHBOARD_PANELS,
            RESOURCE_SECTIONS,
            TAG_SECTIONS,
        )
        from communities import services

        from . import sections, signals  # noqa: F401 (connects the receivers)
        from .services import write_moderation_log

        # Every app's moderation (the library's too) lands in the forums' log.
        moderation_logged.connect(write_moderation_log, dispatch_uid="forums_moderation_log")

        for permission in ANIMATOR_FORUM_PERMISSIONS:
            if permission not in services.ANIMATOR_PERMISSIONS:
                services.ANIMATOR_PERMISSIONS.append(permission)

        DASHBOARD_PANELS.register(sections.calls_for_me_panel, order=20)
        DASHBOARD_PANELS.register(sections.recent_activity_panel, order=40)
        COMMUNITY_SECTIONS.register(sections.open_calls_section, order=10)
        COMMUNITY_SECTIONS.register(sections.recent_topics_section, order=30)
        TAG_SECTIONS.register(sections.discussions_section, order=30)
        RESOURCE_SECTIONS.register(sections.resource_discussions_section, order=10)
