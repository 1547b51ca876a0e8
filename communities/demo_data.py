"""The demo institution, as data: its communities, people and memberships.

`manage.py seed_demo` turns this into accounts, profiles and memberships through the
services, as the site would. The content is French, like the institution it imitates: a
Québec university whose digital learning office (the BENA of the source document) runs
communities of practice on teaching with technology. The themes are the source document's
sections, the tags its labels; e-mail addresses end in @demo.example (a reserved domain).
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEMO_PASSWORD = "demo-cdp-2026"
DEMO_DOMAIN = "demo.example"

# The accounts people sign in with to try the portal (the others have no password).
ADMIN_EMAIL = "admin@demo.example"
ANIMATOR_EMAIL = "animation@demo.example"
MEMBER_EMAIL = "membre@demo.example"
DEMO_ACCOUNTS = [
    {"email": ADMIN_EMAIL, "role": "administrateur·rice"},
    {"email": ANIMATOR_EMAIL, "role": "animateur·rice"},
    {"email": MEMBER_EMAIL, "role": "membre"},
]

# The source document's tags (its navigation page names left aside), then the everyday
# vocabulary of teaching with technology. Shared with generate_scale_data.
SOURCE_TAGS = [
    "adobe",
    "apprendre",
    "bestof",
    "comprendre",
    "documentation",
    "faq",
    "formation",
    "forum",
    "meilleures-pratiques",
    "outil",
    "présentation",
    "scénario",
    "témoignages",
    "webct",
    "échanger",
    "études-de-cas",
]
PRACTICE_TAGS = [
    "moodle",
    "évaluation",
    "vidéo",
    "pédagogie-active",
    "classe-inversée",
    "enseignement-hybride",
    "formation-à-distance",
    "accessibilité",
    "rétroaction",
    "portfolio",
    "simulation",
    "baladodiffusion",
    "droit-d-auteur",
    "veille",
    "intelligence-artificielle",
]

THEMES = [
    "Enseigner avec les technologies",
    "Utiliser les outils technopédagogiques",
    "Se documenter",
    "Innover",
]

UNITS = {
    "bena": "Bureau de l'environnement numérique d'apprentissage (BENA)",
    "sse": "Service de soutien à l'enseignement",
    "biblio": "Bibliothèque",
    "dti": "Direction des technologies de l'information",
    "rh": "Direction des ressources humaines",
    "vre": "Vice-rectorat aux études",
    "educ": "Faculté des sciences de l'éducation",
    "med": "Faculté de médecine",
    "fsg": "Faculté des sciences et de génie",
    "flsh": "Faculté des lettres et des sciences humaines",
    "fsa": "Faculté des sciences de l'administration",
    "droit": "Faculté de droit",
    "fsi": "Faculté des sciences infirmières",
    "langues": "École de langues",
}
CAMPUSES = [
    "Campus principal",
    "Campus de Lévis",
    "Pavillon du centre-ville",
    "Campus de Longueuil",
    "À distance",
]


@dataclass(frozen=True)
class DemoCommunity:
    slug: str
    name: str
    summary: str
    theme: str
    visibility: str
    phase: str
    benefits: list[str]
    description: str
    age_days: int  # how long ago it was created


@dataclass(frozen=True)
class DemoPerson:
    email: str
    first_name: str
    last_name: str
    job_title: str
    unit: str
    campus: str
    bio: str
    expertise: list[str]
    interests: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: ["fr"])
    ask_me_about: bool = False

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class DemoMembership:
    email: str
    roles: list[str] = field(default_factory=lambda: ["member"])
    hours: int | None = None  # allocated hours per month


def _members(*emails: str) -> list[DemoMembership]:
    return [DemoMembership(f"{email}@{DEMO_DOMAIN}") for email in emails]


def _m(email: str, roles: list[str], hours: int | None = None) -> DemoMembership:
    return DemoMembership(f"{email}@{DEMO_DOMAIN}", roles, hours)


COMMUNITIES = [
    DemoCommunity(
        slug="technopedagogie",
        name="Technopédagogie au quotidien",
        summary=(
            "Partager nos pratiques d'enseignement avec les technologies, du premier cours "
            "en ligne aux scénarios hybrides."
        ),
        theme="Enseigner avec les technologies",
        visibility="open",
        phase="growing",
        benefits=[
            "learning",
            "reduce_duplication",
            "pool_resources",
            "sharing_information",
            "collaboration",
            "less_isolation",
            "time_savings",
        ],
        age_days=540,
        description="""\
## Notre raison d'être

Enseignantes, enseignants, chargées et chargés de cours, conseillères et conseillers
pédagogiques : nous intégrons les technologies à nos cours et nous voulons le faire
**ensemble** plutôt que chacun dans son coin. La communauté est née en 2024 des
rencontres informelles du BENA autour de Moodle.

## Ce que nous faisons

- Un **midi-partage** par mois : une personne présente un scénario pédagogique qu'elle a
  vécu, avec ce qui a fonctionné et ce qu'elle changerait.
- Des **appels à tous** quand une question bloque : évaluation en ligne, vidéo, forum,
  droits d'auteur…
- Une bibliothèque de **témoignages**, d'**études de cas** et de **meilleures pratiques**,
  classée par étiquettes.

## Pour qui ?

Toute personne qui enseigne ou accompagne l'enseignement à l'Université, débutante ou
chevronnée. On y apprend « juste assez, juste à temps, juste pour moi ».
""",
    ),
    DemoCommunity(
        slug="video-classe-inversee",
        name="Vidéo pédagogique et classe inversée",
        summary=(
            "Produire de courtes capsules vidéo et repenser le temps de classe pour "
            "l'apprentissage actif."
        ),
        theme="Utiliser les outils technopédagogiques",
        visibility="closed",
        phase="launching",
        benefits=["innovation", "build_capabilities", "technical_learning", "risk_taking"],
        age_days=120,
        description="""\
## La classe inversée, concrètement

Les notions se découvrent avant le cours, en capsules de cinq à dix minutes ; le temps de
classe sert aux exercices, aux études de cas et aux échanges. Encore faut-il savoir
**scénariser**, **tourner** et **monter** une capsule sans y passer ses soirées.

## Notre démarche

1. Un atelier de démarrage sur la scénarisation d'une capsule (gabarit fourni).
2. Des plages de tournage accompagnées au studio du BENA.
3. Une revue entre pairs des capsules avant leur mise en ligne dans Moodle.

La communauté est fermée le temps du lancement : écrivez à l'animation pour la rejoindre.
""",
    ),
    DemoCommunity(
        slug="veille-documentaire",
        name="Veille et ressources en pédagogie universitaire",
        summary=(
            "Repérer, résumer et classer les lectures qui comptent sur l'enseignement "
            "supérieur et le numérique."
        ),
        theme="Se documenter",
        visibility="closed",
        phase="preparing",
        benefits=["productivity", "pool_resources", "save_time", "knowledge_development"],
        age_days=60,
        description="""\
## Pourquoi une veille partagée ?

Chaque conseillère, chaque bibliothécaire fait sa propre veille ; les mêmes articles sont
lus trois fois et les bonnes trouvailles restent dans une boîte courriel. Nous voulons
**regrouper les informations dispersées** et gagner du temps.

## En préparation

- Choisir nos sources (revues, rapports, sites d'organismes) et un rythme de lecture.
- Définir une fiche de lecture commune : référence, résumé en cinq lignes, pour qui c'est
  utile, étiquettes.
- Former les membres aux outils de gestion documentaire de la Bibliothèque.

Les fiches seront publiées dans la bibliothèque du portail, ouvertes à toute l'Université.
""",
    ),
    DemoCommunity(
        slug="laboratoire-innovation",
        name="Laboratoire d'innovation pédagogique",
        summary=(
            "Explorer, en petit groupe et à l'abri des regards, des idées neuves avant de "
            "les proposer aux facultés."
        ),
        theme="Innover",
        visibility="private",
        phase="deciding",
        benefits=["innovation", "innovate", "faster_to_market", "intellectual_energy"],
        age_days=21,
        description="""\
## Un lieu pour essayer

Intelligence artificielle en rédaction, évaluation par les pairs à grande échelle,
portfolios numériques : certaines idées ont besoin d'un lieu où l'on peut **se tromper
sans conséquence** avant d'en parler publiquement.

## Se décider

Nous sommes à l'étape de la décision. Avant de lancer la communauté, nous vérifions :

- que le thème est porteur et d'intérêt stratégique pour l'Université ;
- que les ressources humaines sont là (animation, coach, soutien) ;
- que le temps des membres est reconnu par leurs unités ;
- que les cadres intermédiaires comprennent ce que la communauté leur apporte.

La participation se fait sur invitation.
""",
    ),
    DemoCommunity(
        slug="migration-webct-moodle",
        name="De WebCT à Moodle : bilan de la migration",
        summary=(
            "La communauté qui a accompagné le passage de WebCT à Moodle ferme ses portes : "
            "ses FAQ et ses retours d'expérience restent."
        ),
        theme="Utiliser les outils technopédagogiques",
        visibility="open",
        phase="closing",
        benefits=[
            "reduce_duplication",
            "intergenerational_transfer",
            "improve_processes",
            "fewer_repeated_errors",
        ],
        age_days=1460,
        description="""\
## Mission accomplie

Pendant quatre ans, nous avons accompagné la migration des cours de **WebCT** vers
**Moodle** : scripts de conversion, séances de formation, entraide entre facultés.

## Ce qui reste

- La **FAQ** de la migration, toujours utile pour récupérer un ancien cours.
- Le **best of** des retours d'expérience, classé par faculté.
- Les **témoignages** des premières personnes à avoir migré.

## La suite

La communauté entre dans sa phase de clôture : les échanges se poursuivent dans
« Technopédagogie au quotidien ». Merci à toutes et à tous !
""",
    ),
]


PEOPLE = [
    DemoPerson(
        ANIMATOR_EMAIL,
        "Camille",
        "Animation",
        "Conseillère pédagogique",
        UNITS["bena"],
        CAMPUSES[0],
        "J'accompagne les équipes enseignantes qui intègrent Moodle et la vidéo à leurs "
        "cours. J'anime les **midis-partage** de la communauté Technopédagogie.",
        ["formation", "scénario", "moodle", "pédagogie-active", "échanger"],
        ["veille", "accessibilité"],
        ["fr", "en"],
        True,
    ),
    DemoPerson(
        MEMBER_EMAIL,
        "Dominique",
        "Membre",
        "Chargé·e de cours",
        UNITS["flsh"],
        CAMPUSES[2],
        "J'enseigne la rédaction professionnelle. Je cherche des idées pour rendre mes "
        "présentations plus interactives.",
        ["présentation", "vidéo"],
        ["moodle", "évaluation", "classe-inversée"],
    ),
    DemoPerson(
        "sophie.tremblay@demo.example",
        "Sophie",
        "Tremblay",
        "Conseillère pédagogique principale",
        UNITS["sse"],
        CAMPUSES[0],
        "Vingt ans d'accompagnement pédagogique. Je coache les animatrices et animateurs "
        "de communautés de pratique au démarrage.",
        ["pédagogie-active", "scénario", "formation", "apprendre"],
        ["enseignement-hybride"],
        ["fr", "en"],
        True,
    ),
    DemoPerson(
        "marc-andre.gagnon@demo.example",
        "Marc-André",
        "Gagnon",
        "Technopédagogue",
        UNITS["bena"],
        CAMPUSES[0],
        "Capsules vidéo, montage et scénarisation : je vous aide à passer de l'idée à la "
        "capsule publiée dans Moodle.",
        ["vidéo", "adobe", "outil", "moodle", "classe-inversée"],
        ["baladodiffusion"],
        ["fr", "en"],
        True,
    ),
    DemoPerson(
        "isabelle.cote@demo.example",
        "Isabelle",
        "Côté",
        "Bibliothécaire-conseil en pédagogie",
        UNITS["biblio"],
        CAMPUSES[0],
        "Je fais de la veille sur la pédagogie universitaire et je forme aux outils de "
        "gestion documentaire.",
        ["documentation", "études-de-cas", "bestof", "veille"],
        ["droit-d-auteur"],
        ["fr", "en"],
        True,
    ),
    DemoPerson(
        "nathalie.bergeron@demo.example",
        "Nathalie",
        "Bergeron",
        "Professeure titulaire",
        UNITS["educ"],
        CAMPUSES[0],
        "Mes recherches portent sur l'innovation pédagogique et l'évaluation des "
        "apprentissages en contexte numérique.",
        ["pédagogie-active", "évaluation", "comprendre", "intelligence-artificielle"],
        ["portfolio"],
        ["fr", "en", "es"],
    ),
    DemoPerson(
        "jean-francois.roy@demo.example",
        "Jean-François",
        "Roy",
        "Analyste en environnement numérique d'apprentissage",
        UNITS["dti"],
        CAMPUSES[0],
        "J'ai piloté la migration de WebCT à Moodle. Je connais encore les vieux formats "
        "d'exportation par cœur.",
        ["webct", "moodle", "outil", "faq"],
    ),
    DemoPerson(
        "louise.gauthier@demo.example",
        "Louise",
        "Gauthier",
        "Vice-rectrice adjointe aux études",
        UNITS["vre"],
        CAMPUSES[0],
        "Je soutiens les communautés de pratique comme levier de développement "
        "professionnel du corps enseignant.",
        ["formation"],
        ["pédagogie-active"],
        ["fr", "en"],
    ),
    DemoPerson(
        "pierre.morin@demo.example",
        "Pierre",
        "Morin",
        "Directeur du BENA",
        UNITS["bena"],
        CAMPUSES[0],
        "Je dirige le Bureau de l'environnement numérique d'apprentissage.",
        ["outil", "moodle"],
    ),
    DemoPerson(
        "helene.lavoie@demo.example",
        "Hélène",
        "Lavoie",
        "Directrice de la Bibliothèque",
        UNITS["biblio"],
        CAMPUSES[0],
        "La Bibliothèque appuie la veille partagée et l'accès libre aux ressources.",
        ["documentation"],
    ),
    DemoPerson(
        "francois.bouchard@demo.example",
        "François",
        "Bouchard",
        "Doyen de la Faculté des sciences de l'éducation",
        UNITS["educ"],
        CAMPUSES[0],
        "Je parraine le Laboratoire d'innovation pédagogique.",
        ["apprendre"],
    ),
    DemoPerson(
        "julie.fortin@demo.example",
        "Julie",
        "Fortin",
        "Agente de secrétariat",
        UNITS["sse"],
        CAMPUSES[0],
        "Je m'occupe de la logistique des rencontres et des comptes rendus.",
        ["faq"],
    ),
    DemoPerson(
        "mathieu.gagne@demo.example",
        "Mathieu",
        "Gagné",
        "Technicien en audiovisuel",
        UNITS["dti"],
        CAMPUSES[0],
        "Studio de tournage, micros, éclairage : passez me voir avant votre première capsule.",
        ["vidéo", "outil", "baladodiffusion"],
    ),
    DemoPerson(
        "emilie.ouellet@demo.example",
        "Émilie",
        "Ouellet",
        "Professeure agrégée",
        UNITS["fsi"],
        CAMPUSES[1],
        "J'utilise la simulation et la vidéo pour former les infirmières et infirmiers "
        "au raisonnement clinique.",
        ["simulation", "vidéo", "évaluation"],
        ["classe-inversée"],
        ["fr", "en"],
        True,
    ),
    DemoPerson(
        "alexandre.pelletier@demo.example",
        "Alexandre",
        "Pelletier",
        "Professeur adjoint",
        UNITS["fsg"],
        CAMPUSES[0],
        "Cours de première année à grands groupes : questionnaires Moodle et rétroaction "
        "automatisée.",
        ["moodle", "évaluation", "rétroaction", "apprendre"],
    ),
    DemoPerson(
        "marie-eve.caron@demo.example",
        "Marie-Ève",
        "Caron",
        "Technicienne en documentation",
        UNITS["biblio"],
        CAMPUSES[0],
        "Je classe et j'étiquette la bibliothèque de la communauté Technopédagogie.",
        ["documentation", "outil", "droit-d-auteur"],
    ),
    DemoPerson(
        "olivier.belanger@demo.example",
        "Olivier",
        "Bélanger",
        "Chargé de cours",
        UNITS["fsa"],
        CAMPUSES[2],
        "Études de cas et forums de discussion en gestion de projet.",
        ["études-de-cas", "présentation", "forum"],
    ),
    DemoPerson(
        "catherine.levesque@demo.example",
        "Catherine",
        "Lévesque",
        "Conseillère en formation à distance",
        UNITS["sse"],
        CAMPUSES[4],
        "J'aide à concevoir des cours entièrement à distance, asynchrones ou comodaux.",
        ["formation-à-distance", "moodle", "vidéo", "enseignement-hybride"],
        [],
        ["fr", "en"],
        True,
    ),
    DemoPerson(
        "simon.girard@demo.example",
        "Simon",
        "Girard",
        "Professeur titulaire",
        UNITS["med"],
        CAMPUSES[0],
        "Apprentissage par problèmes et études de cas cliniques.",
        ["études-de-cas", "apprendre", "témoignages"],
    ),
    DemoPerson(
        "genevieve.paquette@demo.example",
        "Geneviève",
        "Paquette",
        "Conseillère pédagogique",
        UNITS["med"],
        CAMPUSES[0],
        "Évaluation des compétences et examens cliniques objectifs structurés.",
        ["évaluation", "scénario"],
        ["veille"],
    ),
    DemoPerson(
        "david.simard@demo.example",
        "David",
        "Simard",
        "Analyste en informatique",
        UNITS["dti"],
        CAMPUSES[0],
        "Intégrations Moodle, comptes et inscriptions automatiques.",
        ["outil", "moodle", "webct"],
    ),
    DemoPerson(
        "annie.boucher@demo.example",
        "Annie",
        "Boucher",
        "Agente de gestion des études",
        UNITS["droit"],
        CAMPUSES[0],
        "Je tiens à jour la FAQ et le calendrier des formations.",
        ["faq", "formation"],
    ),
    DemoPerson(
        "kevin.nguyen@demo.example",
        "Kevin",
        "Nguyen",
        "Chargé de cours",
        UNITS["langues"],
        CAMPUSES[2],
        "Forums et baladodiffusion pour pratiquer l'oral en langue seconde.",
        ["forum", "échanger", "apprendre", "baladodiffusion"],
        [],
        ["fr", "en"],
    ),
    DemoPerson(
        "fatima.benali@demo.example",
        "Fatima",
        "Benali",
        "Professeure adjointe",
        UNITS["flsh"],
        CAMPUSES[0],
        "Pédagogie active en sciences humaines ; je recueille des témoignages "
        "d'étudiantes et d'étudiants sur leurs apprentissages.",
        ["présentation", "témoignages", "pédagogie-active"],
        ["accessibilité"],
        ["fr", "ar", "en"],
    ),
    DemoPerson(
        "luc.poirier@demo.example",
        "Luc",
        "Poirier",
        "Professeur titulaire",
        UNITS["droit"],
        CAMPUSES[0],
        "Enseignement du droit par la méthode des cas.",
        ["études-de-cas", "documentation", "droit-d-auteur"],
    ),
    DemoPerson(
        "valerie.dube@demo.example",
        "Valérie",
        "Dubé",
        "Conseillère pédagogique",
        UNITS["fsg"],
        CAMPUSES[0],
        "Je rassemble les meilleures pratiques d'évaluation dans les cours de génie.",
        ["évaluation", "moodle", "meilleures-pratiques"],
        ["intelligence-artificielle"],
    ),
    DemoPerson(
        "maxime.cloutier@demo.example",
        "Maxime",
        "Cloutier",
        "Auxiliaire d'enseignement",
        UNITS["educ"],
        CAMPUSES[0],
        "Doctorant ; je monte les capsules vidéo de deux cours de la Faculté.",
        ["vidéo", "adobe"],
    ),
    DemoPerson(
        "chantal.gosselin@demo.example",
        "Chantal",
        "Gosselin",
        "Bibliothécaire",
        UNITS["biblio"],
        CAMPUSES[1],
        "Repérage de ressources libres et de manuels ouverts.",
        ["documentation", "bestof", "comprendre"],
    ),
    DemoPerson(
        "patrick.leblanc@demo.example",
        "Patrick",
        "Leblanc",
        "Professeur agrégé",
        UNITS["fsa"],
        CAMPUSES[3],
        "Jeux sérieux et simulations d'entreprise.",
        ["pédagogie-active", "études-de-cas", "simulation"],
    ),
    DemoPerson(
        "isabel.rodriguez@demo.example",
        "Isabel",
        "Rodríguez",
        "Chargée de cours",
        UNITS["langues"],
        CAMPUSES[2],
        "Cours d'espagnol en classe inversée : vidéos avant, conversation pendant.",
        ["forum", "échanger", "vidéo", "classe-inversée"],
        [],
        ["es", "fr", "en"],
    ),
    DemoPerson(
        "martin.lachance@demo.example",
        "Martin",
        "Lachance",
        "Spécialiste en moyens et techniques d'enseignement",
        UNITS["bena"],
        CAMPUSES[0],
        "Suite Adobe, présentations et affiches scientifiques.",
        ["adobe", "présentation", "vidéo"],
    ),
    DemoPerson(
        "sylvie.demers@demo.example",
        "Sylvie",
        "Demers",
        "Coordonnatrice de programme",
        UNITS["fsi"],
        CAMPUSES[1],
        "Je coordonne la formation des préceptrices et précepteurs en milieu clinique.",
        ["formation", "faq"],
    ),
    DemoPerson(
        "thomas.bernier@demo.example",
        "Thomas",
        "Bernier",
        "Professeur adjoint",
        UNITS["med"],
        CAMPUSES[0],
        "Capsules d'anatomie et scénarios de cas interactifs.",
        ["vidéo", "scénario"],
    ),
    DemoPerson(
        "melanie.roussel@demo.example",
        "Mélanie",
        "Roussel",
        "Conseillère en développement des compétences",
        UNITS["rh"],
        CAMPUSES[0],
        "Je cherche comment reconnaître la participation aux communautés de pratique "
        "dans les pratiques de ressources humaines.",
        ["formation", "témoignages"],
    ),
    DemoPerson(
        "yves.thibault@demo.example",
        "Yves",
        "Thibault",
        "Professeur associé",
        UNITS["fsg"],
        CAMPUSES[0],
        "Retraité actif : je transmets trente ans de cours en ligne, de WebCT à aujourd'hui.",
        ["webct", "meilleures-pratiques", "témoignages"],
        [],
        ["fr", "en", "de"],
        True,
    ),
    DemoPerson(
        "amelie.fournier@demo.example",
        "Amélie",
        "Fournier",
        "Technopédagogue",
        UNITS["flsh"],
        CAMPUSES[0],
        "Forums, ateliers Moodle et scénarisation de cours hybrides.",
        ["moodle", "forum", "scénario", "enseignement-hybride"],
        [],
        ["fr", "en"],
        True,
    ),
    DemoPerson(
        "nicolas.hebert@demo.example",
        "Nicolas",
        "Hébert",
        "Chargé de cours",
        UNITS["educ"],
        CAMPUSES[3],
        "Didactique et apprentissage actif ; je teste tout ce qui fait parler les groupes.",
        ["pédagogie-active", "apprendre"],
    ),
    DemoPerson(
        "josee.mercier@demo.example",
        "Josée",
        "Mercier",
        "Conseillère en communication",
        UNITS["vre"],
        CAMPUSES[0],
        "Je fais connaître les bons coups pédagogiques de l'Université.",
        ["présentation", "témoignages"],
    ),
    DemoPerson(
        "gabriel.fortier@demo.example",
        "Gabriel",
        "Fortier",
        "Professeur adjoint",
        UNITS["flsh"],
        CAMPUSES[0],
        "Nouveau professeur ; je prépare mon premier cours hybride.",
        ["documentation", "comprendre"],
        ["enseignement-hybride", "évaluation"],
    ),
    DemoPerson(
        "olivia.tanguay@demo.example",
        "Olivia",
        "Tanguay",
        "Conseillère pédagogique",
        UNITS["sse"],
        CAMPUSES[1],
        "J'accompagne les équipes du campus de Lévis.",
        ["portfolio", "rétroaction"],
        ["intelligence-artificielle"],
    ),
    DemoPerson(
        "marie-josee.vollant@demo.example",
        "Marie-Josée",
        "Vollant",
        "Conseillère pédagogique en réussite autochtone",
        UNITS["sse"],
        CAMPUSES[0],
        "J'aide à adapter les cours aux réalités des étudiantes et étudiants des "
        "Premières Nations.",
        ["accessibilité", "témoignages", "échanger"],
        [],
        ["fr", "innu", "en"],
        True,
    ),
]

# Memberships, animators first: they are the ones who invite the others in closed and
# private communities.
MEMBERSHIPS: dict[str, list[DemoMembership]] = {
    "technopedagogie": [
        DemoMembership(ANIMATOR_EMAIL, ["animator"], 8),
        _m("amelie.fournier", ["member", "animator"], 4),
        _m("sophie.tremblay", ["member", "coach"], 4),
        _m("marie-eve.caron", ["member", "documentalist"], 4),
        _m("julie.fortin", ["administrative_support"], 2),
        _m("louise.gauthier", ["sponsor"]),
        DemoMembership(MEMBER_EMAIL),
        *_members(
            "emilie.ouellet",
            "alexandre.pelletier",
            "olivier.belanger",
            "catherine.levesque",
            "simon.girard",
            "genevieve.paquette",
            "kevin.nguyen",
            "fatima.benali",
            "valerie.dube",
            "maxime.cloutier",
            "nicolas.hebert",
            "gabriel.fortier",
            "olivia.tanguay",
            "marie-josee.vollant",
            "thomas.bernier",
            "isabel.rodriguez",
        ),
    ],
    "video-classe-inversee": [
        _m("marc-andre.gagnon", ["animator"], 6),
        _m("mathieu.gagne", ["technical_support"], 3),
        _m("martin.lachance", ["member", "technical_support"], 2),
        _m("sophie.tremblay", ["coach"], 2),
        _m("pierre.morin", ["sponsor"]),
        DemoMembership(MEMBER_EMAIL),
        *_members(
            "emilie.ouellet",
            "thomas.bernier",
            "maxime.cloutier",
            "isabel.rodriguez",
            "catherine.levesque",
            "patrick.leblanc",
        ),
    ],
    "veille-documentaire": [
        DemoMembership(ANIMATOR_EMAIL, ["animator"], 4),
        _m("isabelle.cote", ["member", "animator", "documentalist"], 6),
        _m("chantal.gosselin", ["documentalist"], 4),
        _m("julie.fortin", ["administrative_support"], 1),
        _m("helene.lavoie", ["sponsor"]),
        *_members("luc.poirier", "genevieve.paquette", "fatima.benali", "simon.girard"),
    ],
    "laboratoire-innovation": [
        _m("nathalie.bergeron", ["animator"], 6),
        _m("sophie.tremblay", ["coach"], 2),
        _m("francois.bouchard", ["sponsor"]),
        *_members(
            "patrick.leblanc", "valerie.dube", "nicolas.hebert", "melanie.roussel", "josee.mercier"
        ),
    ],
    "migration-webct-moodle": [
        _m("jean-francois.roy", ["animator"], 2),
        _m("david.simard", ["technical_support"], 2),
        _m("annie.boucher", ["administrative_support"]),
        _m("pierre.morin", ["sponsor"]),
        *_members(
            "yves.thibault",
            "alexandre.pelletier",
            "amelie.fournier",
            "sylvie.demers",
            "luc.poirier",
            "marie-eve.caron",
            "kevin.nguyen",
            "melanie.roussel",
        ),
    ],
}

# (community slug, person, message): a request waiting for an animator's decision.
PENDING_REQUESTS = [
    (
        "veille-documentaire",
        "gabriel.fortier@demo.example",
        "Bonjour ! Je prépare mon premier cours hybride et j'aimerais profiter de votre "
        "veille sur l'évaluation en ligne.",
    ),
]

# (community slug, person, roles, inviting animator): an invitation not yet answered.
PENDING_INVITATIONS = [
    (
        "laboratoire-innovation",
        "olivia.tanguay@demo.example",
        ["member"],
        "nathalie.bergeron@demo.example",
    ),
]
