from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = _("Communautés")

    def ready(self) -> None:
        from cdp_portal.page_sections import TAG_SECTIONS

        from . import directory_views

        TAG_SECTIONS.register(directory_views.experts_section, order=10)
        TAG_SECTIONS.register(directory_views.interested_section, order=90)
