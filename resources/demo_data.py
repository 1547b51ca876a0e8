"""The demo library: about 150 resources drawn from the source document's tags and
sections, in French and English, some with a small file, spread over the communities
that exist and the whole institution. Idempotent: a resource is keyed by its title.

Called by `seed_demo` (after communities and people exist): `seed_demo_resources()`.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from communities.models import Community, Membership, Role

from . import services
from .models import Bookmark, Kind, Resource

SECTIONS = (
    "Enseigner avec les technologies",
    "Utiliser les outils technopédagogiques",
    "Se documenter",
    "Innover",
)

# (subject, section, tags from the source document)
FRENCH_SUBJECTS = (
    ("le démarrage d'une communauté de pratique", "Innover", ["comprendre", "pageprincipale"]),
    (
        "les forums de discussion dans WebCT",
        "Utiliser les outils technopédagogiques",
        ["webct", "forum", "outil"],
    ),
    (
        "les classes virtuelles avec Adobe Connect",
        "Utiliser les outils technopédagogiques",
        ["adobe", "outil", "presenter"],
    ),
    (
        "l'animation d'une communauté en ligne",
        "Enseigner avec les technologies",
        ["échanger", "forum", "meilleures-pratiques"],
    ),
    ("la veille documentaire partagée", "Se documenter", ["documentation", "apprendre"]),
    (
        "l'apprentissage juste assez, juste-à-temps, juste pour moi",
        "Enseigner avec les technologies",
        ["apprendre", "formation"],
    ),
    ("le transfert intergénérationnel des savoirs", "Innover", ["échanger", "témoignages"]),
    (
        "la réduction de l'isolement des enseignants",
        "Enseigner avec les technologies",
        ["témoignages", "échanger"],
    ),
    ("la résolution de problèmes en groupe", "Innover", ["comprendre", "meilleures-pratiques"]),
    (
        "les appels à tous dans une communauté",
        "Utiliser les outils technopédagogiques",
        ["forum", "faq"],
    ),
    ("la gestion documentaire d'une communauté", "Se documenter", ["documentation", "outil"]),
    (
        "la présentation des bénéfices aux cadres intermédiaires",
        "Innover",
        ["présentation", "presenter"],
    ),
    ("le rôle du coach et de la documentaliste", "Se documenter", ["comprendre", "formation"]),
    ("la légitimité de la communauté dans l'organisation", "Innover", ["comprendre", "bestof"]),
    ("la reconnaissance du temps alloué aux membres", "Innover", ["meilleures-pratiques"]),
    (
        "les scénarios pédagogiques en formation hybride",
        "Enseigner avec les technologies",
        ["scénario", "apprendre"],
    ),
    (
        "l'évaluation par les pairs en ligne",
        "Enseigner avec les technologies",
        ["scénario", "études-de-cas"],
    ),
    (
        "les outils de communication synchrone et asynchrone",
        "Utiliser les outils technopédagogiques",
        ["outil", "échanger"],
    ),
    ("la rédaction d'une foire aux questions de cours", "Se documenter", ["faq", "documentation"]),
    (
        "la capsule vidéo en classe inversée",
        "Enseigner avec les technologies",
        ["présentation", "formation"],
    ),
    (
        "la mise en commun des outils et des références",
        "Se documenter",
        ["documentation", "bestof", "outil"],
    ),
    ("le passage de l'idée à la réalisation", "Innover", ["études-de-cas", "bestof"]),
)
ENGLISH_SUBJECTS = (
    ("running online workshops", "Enseigner avec les technologies", ["formation", "presenter"]),
    ("onboarding new community members", "Innover", ["apprendre", "échanger"]),
    (
        "moderating discussion forums",
        "Utiliser les outils technopédagogiques",
        ["forum", "meilleures-pratiques"],
    ),
    (
        "sharing teaching practices across campuses",
        "Enseigner avec les technologies",
        ["échanger", "témoignages"],
    ),
    ("measuring the value of a community of practice", "Innover", ["comprendre", "études-de-cas"]),
    ("writing a community charter", "Se documenter", ["documentation", "pageprincipale"]),
    (
        "recording short teaching videos",
        "Utiliser les outils technopédagogiques",
        ["adobe", "présentation", "outil"],
    ),
    ("answering frequently asked questions", "Se documenter", ["faq", "documentation"]),
)

# kind: (French title prefix, English title prefix, French summary, English summary)
PATTERNS = {
    Kind.DOCUMENT: (
        "Guide pratique",
        "Practical guide",
        "Un guide pas à pas sur {s}, tiré de l'expérience des communautés.",
        "A step-by-step guide to {s}, drawn from our communities' experience.",
    ),
    Kind.CASE_STUDY: (
        "Étude de cas",
        "Case study",
        "Comment une équipe de l'établissement a abordé {s}, et ce qu'elle en retient.",
        "How a team at the institution approached {s}, and what it learned.",
    ),
    Kind.TESTIMONIAL: (
        "Témoignage",
        "Testimonial",
        "Une participante raconte son expérience : {s}.",
        "A participant tells her story: {s}.",
    ),
    Kind.FAQ: (
        "FAQ",
        "FAQ",
        "Les questions qui reviennent le plus souvent sur {s}.",
        "The questions most often asked about {s}.",
    ),
    Kind.BEST_PRACTICE: (
        "Meilleures pratiques",
        "Best practices",
        "Ce qui fonctionne pour {s}, selon les animateurs et animatrices.",
        "What works for {s}, according to community animators.",
    ),
    Kind.SCENARIO: (
        "Scénario",
        "Scenario",
        "Un scénario prêt à adapter pour {s}.",
        "A ready-to-adapt scenario for {s}.",
    ),
    Kind.PRESENTATION: (
        "Présentation",
        "Slides",
        "Le support d'une présentation sur {s}.",
        "Slides from a talk about {s}.",
    ),
    Kind.TRAINING: (
        "Formation",
        "Training",
        "Une formation courte pour se lancer dans {s}.",
        "A short training session to get started with {s}.",
    ),
    Kind.METHOD: (
        "Méthode",
        "Method",
        "Une méthode éprouvée pour {s}.",
        "A tried and tested method for {s}.",
    ),
    Kind.PROCESS: (
        "Processus",
        "Process",
        "Les étapes et les rôles pour {s}.",
        "The steps and roles involved in {s}.",
    ),
    Kind.TOOL: (
        "Outil",
        "Tool",
        "Un outil en ligne utile pour {s}.",
        "An online tool that helps with {s}.",
    ),
    Kind.LINK: (
        "Lien utile",
        "Useful link",
        "Une ressource externe recommandée sur {s}.",
        "A recommended external resource about {s}.",
    ),
}
KIND_ORDER = list(PATTERNS)
PER_SUBJECT = 5

FRENCH_POINTS = (
    "Regrouper les informations dispersées.",
    "Partager les savoir-faire, les outils, les méthodes et les processus.",
    "Stimuler la créativité et faire émerger de nouvelles idées.",
    "Réduire la duplication et gagner du temps.",
    "Faciliter le transfert intergénérationnel.",
    "Développer de nouveaux réseaux d'influence.",
    "Réduire l'isolement et soutenir le sentiment d'appartenance.",
    "Allouer le temps requis aux membres et reconnaître leur participation.",
    "Expliquer aux cadres intermédiaires ce qu'apporte la communauté.",
)
ENGLISH_POINTS = (
    "Bring scattered information together.",
    "Share know-how, tools, methods and processes.",
    "Spark creativity and let new ideas emerge.",
    "Avoid duplicated work and save time.",
    "Help knowledge pass between generations.",
    "Reduce isolation and build a sense of belonging.",
    "Give members time for the community and recognise their participation.",
)


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF showing `text` (ASCII), with a correct cross-reference table."""
    safe = "".join(c for c in text if 32 <= ord(c) < 127).replace("\\", "")
    safe = safe.replace("(", "[").replace(")", "]")[:80]
    stream = f"BT /F1 14 Tf 30 60 Td ({safe}) Tj ET".encode("ascii")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 140]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length " + str(len(stream)).encode() + b">>stream\n" + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj".encode() + body + b"endobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _body(rng: random.Random, subject: str, section: str, english: bool) -> str:
    points = rng.sample(ENGLISH_POINTS if english else FRENCH_POINTS, 3)
    if english:
        intro = (
            f"This resource belongs to the *{section}* section of the library. It collects "
            f"what our communities of practice learned about {subject}."
        )
        heading, outro = "Key points", "Adapt it to your own community and share your feedback."
    else:
        intro = (
            f"Cette ressource fait partie de la rubrique *{section}* de la bibliothèque. Elle "
            f"rassemble ce que nos communautés de pratique ont appris sur {subject}."
        )
        heading = "Points clés"
        outro = "Adaptez-la à votre communauté et partagez vos retours dans le forum."
    bullets = "\n".join(f"- {point}" for point in points)
    return f"{intro}\n\n## {heading}\n\n{bullets}\n\n{outro}\n"


def _plan() -> list[dict]:
    """The 150 resources, deterministic (same titles every run)."""
    plan = []
    subjects = [(s, sec, tags, False) for s, sec, tags in FRENCH_SUBJECTS] + [
        (s, sec, tags, True) for s, sec, tags in ENGLISH_SUBJECTS
    ]
    for index, (subject, section, tags, english) in enumerate(subjects):
        rng = random.Random(index)
        for k in range(PER_SUBJECT):
            kind = KIND_ORDER[(index + k * 5) % len(KIND_ORDER)]
            fr_prefix, en_prefix, fr_summary, en_summary = PATTERNS[kind]
            title = f"{en_prefix}: {subject}" if english else f"{fr_prefix} : {subject}"
            plan.append(
                {
                    "title": title[:200],
                    "summary": (en_summary if english else fr_summary).format(s=subject),
                    "kind": kind,
                    "language": "en" if english else "fr",
                    "body": _body(rng, subject, section, english),
                    "tags": [*tags, section.lower()],
                    "section": section,
                }
            )
    return plan


def _file_for(item: dict, number: int):
    kind = item["kind"]
    if kind in (Kind.DOCUMENT, Kind.PRESENTATION, Kind.TRAINING) and number % 2 == 0:
        return SimpleUploadedFile(
            f"ressource-{number:03d}.pdf", tiny_pdf(item["title"]), "application/pdf"
        )
    if kind == Kind.FAQ and number % 3 == 0:
        text = f"# {item['title']}\n\n{item['body']}"
        return SimpleUploadedFile(f"faq-{number:03d}.md", text.encode(), "text/markdown")
    if kind == Kind.CASE_STUDY and number % 4 == 0:
        rows = "etape;responsable;duree\nlancement;animation;2 semaines\nbilan;coach;1 jour\n"
        return SimpleUploadedFile(f"etapes-{number:03d}.csv", rows.encode(), "text/csv")
    return None


def _url_for(item: dict, number: int) -> str:
    if item["kind"] in (Kind.LINK, Kind.TOOL):
        return f"https://www.example.org/cdp/ressources/{number:03d}"
    return ""


def _authors_by_community() -> dict[int | None, list]:
    """Active members of each community (documentalists first), and everyone for the
    institution-wide resources."""
    authors: dict[int | None, list] = {}
    memberships = (
        Membership.objects.active()
        .select_related("user")
        .filter(user__is_active=True)
        .order_by("community_id", "pk")
    )
    for membership in memberships:
        people = authors.setdefault(membership.community_id, [])
        if Role.DOCUMENTALIST in membership.roles:
            people.insert(0, membership.user)
        else:
            people.append(membership.user)
    authors[None] = list(get_user_model().objects.filter(is_active=True).order_by("pk")[:50])
    return authors


def seed_demo_resources(stdout=None) -> int:
    """Create the demo library (skipping titles that exist); returns how many were made."""
    existing = set(Resource.objects.values_list("title", flat=True))
    communities = list(Community.objects.order_by("pk"))
    authors = _authors_by_community()
    if not authors[None]:
        if stdout:
            stdout.write("Ressources de démonstration : aucune personne, rien à créer.")
        return 0
    now = timezone.now()
    created = 0
    plan = _plan()
    for number, item in enumerate(plan):
        if item["title"] in existing:
            continue
        # One in five institution-wide, the others spread over the communities.
        slot = number % (len(communities) + max(1, len(communities) // 4))
        community = communities[slot] if slot < len(communities) else None
        people = authors.get(community.pk if community else None) or []
        if not people:
            community, people = None, authors[None]
        author = people[number % len(people)]
        with transaction.atomic():
            resource = services.resource_create(
                author=author,
                community=community,
                title=item["title"],
                summary=item["summary"],
                kind=item["kind"],
                language=item["language"],
                body=item["body"],
                url=_url_for(item, number),
                file=_file_for(item, number),
                tags=item["tags"],
                featured=number % 23 == 0,
                # French and English, every kind, interleaved over five months.
                created_at=now - timedelta(days=1 + (number * 61) % len(plan), hours=number % 7),
            )
            Resource.objects.filter(pk=resource.pk).update(
                view_count=(number * 37) % 211, download_count=(number * 13) % 47
            )
        created += 1
    _bookmark_for_demo_member()
    if stdout:
        stdout.write(
            f"Ressources de démonstration : {created} créées, {len(plan) - created} déjà là."
        )
    return created


def _bookmark_for_demo_member() -> None:
    member = get_user_model().objects.filter(email="membre@demo.example").first()
    if member is None:
        return
    for resource in Resource.objects.visible_to(member).order_by("-view_count")[:3]:
        Bookmark.objects.get_or_create(user=member, resource=resource)
