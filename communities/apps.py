from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = _("Communautés")

    def ready(self) -> None:
        from cdp_portal.core.page_sections import COMMUNITY_SECTIONS, DASHBOARD_PANELS, TAG_SECTIONS

        from . import directory_views, services, signals  # noqa: F401 (connects the receivers)
        from .readiness import sections as readiness_sections
        from .readiness.permissions import ANIMATOR_READINESS_PERMISSIONS

        TAG_SECTIONS.register(directory_views.experts_section, order=10)
        TAG_SECTIONS.register(directory_views.interested_section, order=90)
        # Launch readiness: my checklist tasks, and the progress on a community's home.
        DASHBOARD_PANELS.register(readiness_sections.my_tasks_panel, order=40)
        COMMUNITY_SECTIONS.register(readiness_sections.readiness_section, order=5)
        for permission in ANIMATOR_READINESS_PERMISSIONS:
            if permission not in services.ANIMATOR_PERMISSIONS:
                services.ANIMATOR_PERMISSIONS.append(permission)
