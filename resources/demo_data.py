"""The demo library: about 150 resources drawn from the source document's tags and
sections, in French and English, some with a small file, spread over the communities
that exist and the whole institution. Idempotent: a resource is keyed by its title.

Called by `seed_demo` (after communities and people exist): `seed_demo_resources()`.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from cdp_portal.core.schema import Choice, Dict, List, Mapping, Text, load
from communities.models import Community, Membership, Role

from . import services
from .models import Bookmark, Kind, Resource

LIBRARY_FILE = Path(__file__).resolve().parent / "demo" / "library.yaml"
PER_SUBJECT = 5
# The French subjects first, then the English ones.
LANGUAGES = ("fr", "en")

# The limits are those of Resource.title and summary and of the tag names (a section is
# a tag too).
LANGUAGE = Mapping(
    {
        "subjects": List(
            Mapping(
                {
                    "subject": Text(150, required=True),
                    "section": Text(100, required=True),
                    "tags": List(Text(100, required=True), required=True, nonempty=True),
                }
            ),
            required=True,
            nonempty=True,
        ),
        "points": List(Text(required=True), required=True, nonempty=True),
        "intro": Text(required=True),
        "heading": Text(required=True),
        "outro": Text(required=True),
    },
    required=True,
)


def _bilingual(limit: int) -> Mapping:
    return Mapping(
        {language: Text(limit, required=True) for language in LANGUAGES},
        required=True,
    )


LIBRARY = Mapping(
    {
        **dict.fromkeys(LANGUAGES, LANGUAGE),
        "kinds": Dict(
            Mapping({"title": _bilingual(200), "summary": _bilingual(300)}, required=True),
            key=Choice(Kind.values, noun="kind", required=True),
            required=True,
        ),
    }
)
LIBRARY_CONTENT: dict = load(LIBRARY_FILE, LIBRARY)
# Each subject's resources take the next kinds of this list, in turn.
KIND_ORDER = [Kind(kind) for kind in LIBRARY_CONTENT["kinds"]]


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


def _body(rng: random.Random, subject: str, section: str, language: str) -> str:
    texts = LIBRARY_CONTENT[language]
    points = rng.sample(texts["points"], 3)
    intro = texts["intro"].format(section=section, subject=subject)
    bullets = "\n".join(f"- {point}" for point in points)
    return f"{intro}\n\n## {texts['heading']}\n\n{bullets}\n\n{texts['outro']}\n"


def _plan() -> list[dict]:
    """The 150 resources, deterministic (same titles every run)."""
    plan = []
    subjects = [
        (entry, language)
        for language in LANGUAGES
        for entry in LIBRARY_CONTENT[language]["subjects"]
    ]
    for index, (entry, language) in enumerate(subjects):
        subject, section = entry["subject"], entry["section"]
        rng = random.Random(index)
        for k in range(PER_SUBJECT):
            kind = KIND_ORDER[(index + k * 5) % len(KIND_ORDER)]
            texts = LIBRARY_CONTENT["kinds"][kind]
            plan.append(
                {
                    "title": texts["title"][language].format(subject=subject)[:200],
                    "summary": texts["summary"][language].format(subject=subject),
                    "kind": kind,
                    "language": language,
                    "body": _body(rng, subject, section, language),
                    "tags": [*entry["tags"], section.lower()],
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
