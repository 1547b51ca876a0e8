"""The benefits a community of practice brings, from the source document (CEFRIO 2005).

Defined once, here: the landing page pitches them, a community's charter picks its
targeted benefits among them by key (seed files use the keys), and the readiness checklist
checks that some were chosen. Keys are stable identifiers; labels are translated.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Benefit:
    key: str
    label: Promise
    detail: Promise | str = ""


@dataclass(frozen=True)
class BenefitGroup:
    key: str
    title: Promise
    audience: str  # "institution" or "participants"
    benefits: tuple[Benefit, ...]


INSTITUTION_POTENTIALS = BenefitGroup(
    "potentials",
    _("Potentiels pour l'institution"),
    "institution",
    (
        Benefit(
            "productivity",
            _("Gains de productivité"),
            _("Regrouper les informations dispersées."),
        ),
        Benefit(
            "learning",
            _("Apprentissage"),
            _(
                "Au-delà de la transmission des connaissances, c'est le partage de valeurs, "
                "des savoir-faire, des savoir-être et des éléments pratiques tels les outils, "
                "méthodes, processus."
            ),
        ),
        Benefit(
            "innovation",
            _("Innovation"),
            _(
                "Stimuler la créativité, faire émerger de nouvelles idées, de nouveaux "
                "concepts, fonctionner différemment que dans le milieu de travail quotidien."
            ),
        ),
    ),
)

INSTITUTION_BENEFITS = BenefitGroup(
    "institution",
    _("Bénéfices des communautés de pratique pour l'institution"),
    "institution",
    (
        Benefit("reduce_relocation_impact", _("Réduire l'impact de la délocalisation")),
        Benefit("reduce_duplication", _("Réduire la duplication")),
        Benefit("save_time", _("Gagner du temps")),
        Benefit("motivation_loyalty", _("Accroître motivation et loyauté")),
        Benefit("intergenerational_transfer", _("Faciliter le transfert intergénérationnel")),
        Benefit("organisational_culture", _("Façonner la culture organisationnelle")),
        Benefit("pool_resources", _("Mettre en commun outils, références, etc.")),
        Benefit("faster_to_market", _("Passer plus vite de l'idée au marché")),
        Benefit("build_capabilities", _("Développer des capacités")),
        Benefit("innovate", _("Innover")),
        Benefit("improve_processes", _("Bonifier les processus")),
    ),
)

PARTICIPANT_ATTITUDES = BenefitGroup(
    "attitudes",
    _("Attitudes de développement personnel à développer pour les participants"),
    "participants",
    (
        Benefit("technical_learning", _("Apprentissages techniques")),
        Benefit("expressing_ideas", _("Expression d'idées")),
        Benefit("sharing_information", _("Partage d'informations")),
        Benefit("collaboration", _("Collaboration")),
        Benefit("debate_consensus", _("Débat ; atteinte de consensus")),
        Benefit("problem_solving", _("Résolution de problèmes")),
        Benefit("knowledge_development", _("Développement de connaissances")),
        Benefit("influence_networks", _("Développement de nouveaux réseaux d'influence")),
        Benefit("task_efficiency", _("Efficacité accrue dans les tâches de travail")),
        Benefit(
            "learning_3j",
            _("Apprentissage « 3J » : juste assez, juste-à-temps, juste pour moi"),
        ),
    ),
)

PARTICIPANT_BENEFITS = BenefitGroup(
    "participants",
    _("Bénéfices pour les participants"),
    "participants",
    (
        Benefit("time_savings", _("Économies de temps")),
        Benefit("risk_taking", _("Goût du risque accru grâce à l'appui de la communauté")),
        Benefit("less_isolation", _("Réduction de l'isolement")),
        Benefit("belonging", _("Sentiment d'appartenance, moral soutenu")),
        Benefit(
            "intellectual_energy",
            _(
                "Stimulation de l'énergie intellectuelle de chacun : "
                "innovation et créativité accrues"
            ),
        ),
        Benefit(
            "fewer_repeated_errors",
            _("Réduction des coûts de la duplication ou des erreurs répétées"),
        ),
        Benefit("execution_quality", _("Qualité d'exécution accrue")),
    ),
)

BENEFIT_GROUPS = (
    INSTITUTION_POTENTIALS,
    INSTITUTION_BENEFITS,
    PARTICIPANT_ATTITUDES,
    PARTICIPANT_BENEFITS,
)
BENEFITS_BY_KEY = {benefit.key: benefit for group in BENEFIT_GROUPS for benefit in group.benefits}
BENEFIT_CHOICES = [
    (group.title, [(benefit.key, benefit.label) for benefit in group.benefits])
    for group in BENEFIT_GROUPS
]
