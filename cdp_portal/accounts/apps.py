from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cdp_portal.accounts"
    label = "accounts"
    verbose_name = _("Comptes")

    def ready(self):
        # The project-wide checks live in cdp_portal, which is not an app of its own.
        from cdp_portal import checks  # noqa: F401
