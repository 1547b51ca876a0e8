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
        from communities.services import grant_animator_permissions

        grant_animator_permissions(ANIMATOR_RESOURCE_PERMISSIONS)
