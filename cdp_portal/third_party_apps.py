"""Third-party apps named in the portal's languages.

allauth.account, allauth.mfa, taggit and django_tasks_db name themselves and their
models in English only (or not translatably): the admin showed "MFA", "Taggit", "Tasks
Database Backend" to French readers, and allauth's "Accounts" beside the portal's. These
subclasses, listed in INSTALLED_APPS instead of the apps' own configurations, keep
everything else of theirs (name, label, ready(), default_auto_field).
The models' names are set on `_meta` once the models are loaded: migrations read the
options a model declared (`_meta.original_attrs`, a field's `_verbose_name`), so none is
generated, and an upgrade that renames a model or field fails at start, not silently.

Not in cdp_portal/apps.py: with several configurations there, Django would no longer
take PortalConfig as the site's.
"""

from allauth.account.apps import AccountConfig as AllauthAccountConfig
from allauth.mfa.apps import MFAConfig as MFAAppConfig
from allauth.socialaccount.apps import SocialAccountConfig as AllauthSocialAccountConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig as TasksDatabaseAppConfig
from taggit.apps import TaggitAppConfig


def _rename_models(config: AppConfig, names: dict) -> None:
    """`names`: model name -> (verbose_name, verbose_name_plural, {field: verbose_name})."""
    for model_name, (singular, plural, fields) in names.items():
        opts = config.get_model(model_name)._meta
        opts.verbose_name, opts.verbose_name_plural = singular, plural
        for field_name, label in fields.items():
            opts.get_field(field_name).verbose_name = label


class AccountConfig(AllauthAccountConfig):
    # allauth calls its app "Accounts", as the portal calls its own: the admin listed two
    # "Comptes". What allauth keeps there is the people's e-mail addresses.
    verbose_name = _("Adresses de courriel")


class MFAConfig(MFAAppConfig):
    verbose_name = _("Double authentification")

    def ready(self) -> None:
        super().ready()
        _rename_models(
            self,
            {
                "Authenticator": (
                    _("authentificateur"),
                    _("authentificateurs"),
                    {
                        "user": _("compte"),
                        "type": _("type"),
                        "data": _("données"),
                        "created_at": _("créé le"),
                        "last_used_at": _("dernière utilisation"),
                    },
                )
            },
        )


class SocialAccountConfig(AllauthSocialAccountConfig):
    # allauth's "Social Accounts": here, the identities the institution's identity
    # provider vouches for (README, "Single sign-on").
    verbose_name = _("Authentification unique")


class TaggitConfig(TaggitAppConfig):
    verbose_name = _("Étiquettes")

    def ready(self) -> None:
        super().ready()
        _rename_models(
            self,
            {
                "Tag": (_("étiquette"), _("étiquettes"), {}),
                "TaggedItem": (_("élément étiqueté"), _("éléments étiquetés"), {}),
            },
        )


class TasksConfig(TasksDatabaseAppConfig):
    verbose_name = _("Tâches en arrière-plan")

    def ready(self) -> None:
        super().ready()
        _rename_models(
            self,
            {
                "DBTaskResult": (
                    _("résultat de tâche"),
                    _("résultats de tâches"),
                    {
                        "status": _("statut"),
                        "enqueued_at": _("mise en file le"),
                        "started_at": _("commencée le"),
                        "finished_at": _("terminée le"),
                        "priority": _("priorité"),
                        "queue_name": _("file"),
                        "task_path": _("tâche"),
                        "args_kwargs": _("arguments"),
                        "worker_ids": _("processus"),
                        "backend_name": _("moteur"),
                        "run_after": _("à lancer après"),
                        "return_value": _("valeur renvoyée"),
                        "exception_class_path": _("exception"),
                        "traceback": _("trace d'appels"),
                    },
                )
            },
        )
