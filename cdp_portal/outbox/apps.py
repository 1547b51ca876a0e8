from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """Every e-mail the portal sends, stored first and sent by the background queue.

    Imports no portal app (communities, resources, forums): they all send through it.
    """

    name = "cdp_portal.outbox"
    label = "outbox"
    verbose_name = _("Courriels sortants")
    default_auto_field = "django.db.models.BigAutoField"
