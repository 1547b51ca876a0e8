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
        from communities.services import grant_animator_permissions

        from . import signals  # noqa: F401 (connects the receivers)
        from .services import write_moderation_log

        # Every app's moderation (the library's too) lands in the forums' log.
        moderation_logged.connect(write_moderation_log, dispatch_uid="forums_moderation_log")

        grant_animator_permissions(ANIMATOR_FORUM_PERMISSIONS)
