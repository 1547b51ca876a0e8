from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The site: the layer above every app, which composes their pages and holds the
    commands that span them (`seed_demo`, `generate_scale_data`)."""

    name = "cdp_portal"
    verbose_name = _("Portail")

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the deployment checks)
        from .composition import compose_pages

        compose_pages()
