from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigestsConfig(AppConfig):
    """The e-mail digest: what happened in what a person follows, daily or weekly.

    Above readiness in the layers (ARCHITECTURE.md): it reads the forums, the library,
    the readiness checklists and the communities, through their `visible_to` querysets."""

    name = "digests"
    verbose_name = _("Résumés par courriel")
    default_auto_field = "django.db.models.BigAutoField"
