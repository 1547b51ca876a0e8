"""The demo institution: its accounts, vocabulary, and where its data files are.

Its communities and their members are in `communities/demo/communities.yaml` (the format
of `manage.py seed_communities`), its people and their profiles in
`communities/demo/people.csv` (the format of `manage.py import_members`, plus the profile
columns bio, languages, interests and ask_me_about); `manage.py seed_demo` loads both
through the same code as those commands. The content is French, like the institution it
imitates: a Québec university whose digital learning office (the BENA of the source
document) runs communities of practice on teaching with technology. The themes are the
source document's sections, the tags its labels; e-mail addresses end in @demo.example
(a reserved domain).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

DEMO_PASSWORD = "demo-cdp-2026"
DEMO_DOMAIN = "demo.example"

DEMO_DIR = Path(__file__).resolve().parent / "demo"
COMMUNITIES_FILE = DEMO_DIR / "communities.yaml"
PEOPLE_FILE = DEMO_DIR / "people.csv"

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


# How many days ago each demo community was created (a seed file gives dates, the demo
# stays the same age whenever it is loaded).
COMMUNITY_AGE_DAYS = {
    "technopedagogie": 540,
    "video-classe-inversee": 120,
    "veille-documentaire": 60,
    "laboratoire-innovation": 21,
    "migration-webct-moodle": 1460,
}


@dataclass(frozen=True)
class DemoMembership:
    email: str
    roles: list[str] = field(default_factory=lambda: ["member"])
    hours: int | None = None  # allocated hours per month


@cache
def memberships() -> dict[str, list[DemoMembership]]:
    """The active members of each demo community, as communities.yaml lists them."""
    data = yaml.safe_load(COMMUNITIES_FILE.read_text(encoding="utf-8"))
    return {
        entry["slug"]: [
            DemoMembership(person["email"], person.get("roles", ["member"]), person.get("hours"))
            for person in entry.get("people", [])
        ]
        for entry in data["communities"]
    }


def __getattr__(name: str):
    # `MEMBERSHIPS`, read from the YAML file on first use (tests and scripts use it).
    if name == "MEMBERSHIPS":
        return memberships()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
