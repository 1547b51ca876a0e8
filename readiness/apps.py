from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReadinessConfig(AppConfig):
    name = "readiness"
    verbose_name = _("Préparation au démarrage")

    def ready(self) -> None:
        from communities.services import grant_animator_permissions

        from .permissions import ANIMATOR_READINESS_PERMISSIONS

        grant_animator_permissions(ANIMATOR_READINESS_PERMISSIONS)
