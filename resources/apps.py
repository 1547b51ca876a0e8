from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Model permissions the "Animateurs" group carries for the library; the scoped admin then
# narrows them to the communities each animator moderates.
ANIMATOR_RESOURCE_PERMISSIONS = (
    "resources.view_resource",
    "resources.change_resource",
    "resources.view_resourcerevision",
    "resources.view_resourceflag",
)


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Ressources")

    def ready(self) -> None:
        from cdp_portal.core.page_sections import COMMUNITY_SECTIONS, DASHBOARD_PANELS, TAG_SECTIONS
        from communities import services

        from . import sections

        TAG_SECTIONS.register(sections.tag_resources_section, order=20)
        COMMUNITY_SECTIONS.register(sections.community_resources_section, order=30)
        DASHBOARD_PANELS.register(sections.followed_tags_panel, order=50)
        DASHBOARD_PANELS.register(sections.flags_to_handle_panel, order=15)

        for permission in ANIMATOR_RESOURCE_PERMISSIONS:
            if permission not in services.ANIMATOR_PERMISSIONS:
                services.ANIMATOR_PERMISSIONS.append(permission)
