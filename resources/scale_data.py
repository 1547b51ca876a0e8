"""Synthetic library for benchmarks: `generate_resources(count=50_000)`.

Rows are written with bulk_create in batches (resources, then their tags), and the
denormalised `tag_names`, `search_vector` and search vocabulary are computed afterwards
by one set-based reindex. Text comes from French and English word banks, so stemming,
ranking and facet counts behave as they would on real data. Each call adds `count`
resources; run it on a throwaway or freshly generated database.

Called by `generate_scale_data` after communities and people exist.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from taggit.models import Tag

from cdp_portal.core.tags import tag_slug
from communities.models import Community

from .models import Kind, Resource, TaggedResource
from .services import reindex, resource_slug

BATCH_SIZE = 2000
SOURCE_TAGS = (
    "adobe", "apprendre", "bestof", "comprendre", "documentation", "faq", "formation", "forum",
    "meilleures-pratiques", "outil", "pageprincipale", "presenter", "présentation", "scénario",
    "témoignages", "webct", "échanger", "études-de-cas",
)  # fmt: skip

FR = {
    "openers": (
        "Guide de",
        "Retour d'expérience sur",
        "Introduction à",
        "Bonnes pratiques pour",
        "Étude de cas :",
        "FAQ sur",
        "Atelier :",
        "Scénario pour",
        "Méthode de",
        "Comprendre",
        "Outils pour",
        "Témoignage :",
        "Processus de",
        "Formation à",
    ),
    "topics": (
        "l'évaluation formative",
        "la classe inversée",
        "l'apprentissage actif",
        "la rétroaction entre pairs",
        "les forums de discussion",
        "la pédagogie par projets",
        "l'enseignement hybride",
        "les capsules vidéo",
        "la gestion documentaire",
        "l'animation de communauté",
        "la veille technopédagogique",
        "les portfolios numériques",
        "l'accessibilité des contenus",
        "la conception universelle",
        "les laboratoires virtuels",
        "la collaboration en ligne",
        "les questionnaires en ligne",
        "l'encadrement aux cycles supérieurs",
        "la motivation des étudiants",
        "le travail d'équipe",
        "la littératie numérique",
        "les ressources éducatives libres",
        "la planification de cours",
        "les rubriques d'évaluation",
        "les classes virtuelles",
        "l'intégrité académique",
        "les stages et l'alternance",
        "la formation continue",
        "le mentorat",
        "l'innovation pédagogique",
    ),
    "complements": (
        "en première année",
        "au premier cycle",
        "dans les grands groupes",
        "à distance",
        "avec Moodle",
        "avec WebCT",
        "avec Adobe Connect",
        "en sciences",
        "en santé",
        "en génie",
        "en sciences humaines",
        "pour les chargés de cours",
        "en laboratoire",
        "",
        "",
        "",
        "",
    ),
    "words": (
        "enseignant",
        "étudiants",
        "cours",
        "activité",
        "évaluation",
        "groupe",
        "séance",
        "plateforme",
        "outil",
        "ressource",
        "objectif",
        "compétence",
        "rétroaction",
        "projet",
        "discussion",
        "forum",
        "travail",
        "équipe",
        "communauté",
        "pratique",
        "partage",
        "expérience",
        "méthode",
        "démarche",
        "apprentissage",
        "contenu",
        "vidéo",
        "document",
        "question",
        "réponse",
        "exemple",
        "modèle",
        "grille",
        "critère",
        "session",
        "trimestre",
        "programme",
        "faculté",
        "service",
        "conseiller",
        "pédagogique",
        "technologique",
        "numérique",
        "collaboratif",
        "efficace",
        "simple",
        "concret",
        "utile",
        "rapide",
        "adapter",
        "préparer",
        "animer",
        "évaluer",
        "partager",
        "documenter",
        "expliquer",
        "présenter",
        "comprendre",
        "améliorer",
        "organiser",
        "planifier",
        "encourager",
    ),
    "glue": ("le", "la", "les", "des", "du", "de", "pour", "avec", "dans", "et", "un", "une"),
}
EN = {
    "openers": (
        "Guide to",
        "Lessons learned from",
        "Introduction to",
        "Best practices for",
        "Case study:",
        "FAQ about",
        "Workshop:",
        "Scenario for",
        "A method for",
        "Understanding",
        "Tools for",
        "Testimonial:",
        "Training on",
    ),
    "topics": (
        "formative assessment",
        "flipped classrooms",
        "active learning",
        "peer feedback",
        "discussion forums",
        "project-based learning",
        "blended teaching",
        "teaching videos",
        "document management",
        "community facilitation",
        "online collaboration",
        "accessible content",
        "universal design",
        "virtual labs",
        "graduate supervision",
        "student motivation",
        "team work",
        "digital literacy",
        "open educational resources",
        "course planning",
        "grading rubrics",
        "virtual classrooms",
        "academic integrity",
        "mentoring",
        "teaching innovation",
    ),
    "complements": (
        "in first year",
        "in large classes",
        "at a distance",
        "with Moodle",
        "in science",
        "in nursing",
        "in engineering",
        "for part-time lecturers",
        "",
        "",
        "",
    ),
    "words": (
        "teacher",
        "students",
        "course",
        "activity",
        "assessment",
        "group",
        "session",
        "platform",
        "tool",
        "resource",
        "goal",
        "skill",
        "feedback",
        "project",
        "discussion",
        "forum",
        "work",
        "team",
        "community",
        "practice",
        "sharing",
        "experience",
        "method",
        "learning",
        "content",
        "video",
        "document",
        "question",
        "answer",
        "example",
        "template",
        "rubric",
        "criteria",
        "semester",
        "program",
        "faculty",
        "advisor",
        "digital",
        "collaborative",
        "effective",
        "simple",
        "practical",
        "useful",
        "adapt",
        "prepare",
        "facilitate",
        "assess",
        "share",
        "explain",
        "present",
        "improve",
        "organise",
        "plan",
    ),
    "glue": ("the", "a", "of", "for", "with", "in", "and", "to", "on", "by"),
}


def _zipf_weights(n: int) -> list[float]:
    return [1 / (rank + 1) for rank in range(n)]


def _sentence(rng: random.Random, bank: dict, length: int) -> str:
    # Content words follow Zipf's law, as in real text: a few are everywhere, most rare.
    content = rng.choices(bank["words"], weights=bank["weights"], k=length)
    words = [rng.choice(bank["glue"]) if rng.random() < 0.3 else word for word in content]
    return " ".join(words).capitalize() + "."


def _text(rng: random.Random, bank: dict, sentences: int) -> str:
    return " ".join(_sentence(rng, bank, rng.randint(8, 16)) for _ in range(sentences))


def _tag_pool(rng: random.Random) -> list[int]:
    """Tag ids, most used first: the source tags, then topic words (shared taggit
    vocabulary, created when missing)."""
    names = list(SOURCE_TAGS)
    for bank in (FR, EN):
        for topic in bank["topics"]:
            name = topic.split(" ")[-1].strip("'").lower()
            if name not in names:
                names.append(name)
    names += [f"thème-{n}" for n in range(200)]
    existing = {tag.name: tag.pk for tag in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=name, slug=tag_slug(name)) for name in names if name not in existing]
    Tag.objects.bulk_create(missing, ignore_conflicts=True)
    ids = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
    return [ids[name] for name in names if name in ids]


def _weighted_sample(rng: random.Random, pool: list[int], k: int) -> list[int]:
    """k distinct tags, the first ones of the pool far more often (Zipf-like)."""
    chosen: set[int] = set()
    while len(chosen) < k:
        index = min(int(rng.paretovariate(1.1)) - 1, len(pool) - 1)
        chosen.add(pool[index if rng.random() < 0.8 else rng.randrange(len(pool))])
    return list(chosen)


def _shuffle_banks(seed: int) -> None:
    """Which words of the banks are common varies with the seed (each call shuffles the
    banks as the previous call left them)."""
    for bank in (FR, EN):
        words = list(bank["words"])
        random.Random(seed).shuffle(words)
        bank["words"], bank["weights"] = tuple(words), _zipf_weights(len(words))


def _random_resource(
    rng: random.Random,
    *,
    kinds: list[str],
    community_ids: list[int],
    author_ids: list[int],
    now: datetime,
) -> Resource:
    """A resource in French or (three in ten) English, from up to five years ago; one in
    five institution-wide."""
    english = rng.random() < 0.3
    bank = EN if english else FR
    title = " ".join(
        part
        for part in (
            rng.choice(bank["openers"]),
            rng.choice(bank["topics"]),
            rng.choice(bank["complements"]),
        )
        if part
    )
    title = f"{title} ({rng.randint(1, 999)})" if rng.random() < 0.5 else title
    created_at = now - timedelta(minutes=rng.randint(0, 5 * 365 * 24 * 60))
    popularity = int(rng.paretovariate(1.3) * 3)
    return Resource(
        title=title[:200],
        slug=resource_slug(title),
        summary=_text(rng, bank, 2)[:300],
        body=_text(rng, bank, rng.randint(4, 12)),
        kind=rng.choice(kinds),
        language="en" if english else "fr",
        community_id=rng.choice(community_ids) if community_ids and rng.random() < 0.8 else None,
        author_id=rng.choice(author_ids) if author_ids else None,
        created_at=created_at,
        updated_at=created_at,
        featured=rng.random() < 0.01,
        is_hidden=rng.random() < 0.005,
        view_count=popularity,
        download_count=popularity // 3,
    )


def generate_resources(*, count: int = 50_000, seed: int = 42, stdout=None) -> int:
    """Add `count` synthetic resources over the existing communities (one in five
    institution-wide) and people; returns how many were created."""
    rng = random.Random(seed)
    _shuffle_banks(seed)
    community_ids = list(Community.objects.order_by("pk").values_list("pk", flat=True))
    author_ids = list(
        get_user_model().objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    kinds = list(Kind.values)
    tag_pool = _tag_pool(rng)
    now = timezone.now()
    first_pk = None
    created = 0
    while created < count:
        size = min(BATCH_SIZE, count - created)
        resources = [
            _random_resource(
                rng, kinds=kinds, community_ids=community_ids, author_ids=author_ids, now=now
            )
            for _ in range(size)
        ]
        with transaction.atomic():
            Resource.objects.bulk_create(resources)
            TaggedResource.objects.bulk_create(
                [
                    TaggedResource(content_object_id=resource.pk, tag_id=tag_id)
                    for resource in resources
                    for tag_id in _weighted_sample(rng, tag_pool, rng.randint(1, 4))
                ]
            )
        first_pk = first_pk or resources[0].pk
        created += size
        if stdout:
            stdout.write(f"Ressources : {created}/{count}")
    if created:
        if stdout:
            stdout.write("Ressources : index de recherche…")
        reindex(queryset=Resource.objects.filter(pk__gte=first_pk))
        compact()
    return created


def compact() -> None:
    """Rows were written three times (insert, tag names, vectors): rewrite the table so
    the benchmark reads a table as compact as one filled over time, and refresh the
    planner's statistics and visibility maps (index-only scans). VACUUM cannot run inside
    a transaction: skipped there (generate_scale_data calls it again after its own)."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL resources_resource")
        cursor.execute(
            "VACUUM ANALYZE resources_resource, resources_taggedresource,"
            " resources_resourcecount, resources_countedresource"
        )
