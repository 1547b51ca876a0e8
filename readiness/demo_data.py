"""Launch readiness in the demo institution: two communities getting ready, at different
levels, one with a recorded decision.

- "Laboratoire d'innovation pédagogique" (private, deciding): barely started, a few items
  in hand, one overdue; its sponsor postponed the decision until the middle managers are
  briefed.
- "Veille et ressources en pédagogie universitaire" (closed, preparing): most items done;
  the go that moved it from deciding to preparing is in its history. The demo animator
  (animation@demo.example) owns two of its open items, so the dashboard shows them.

`seed_demo_readiness()` runs after `seed_demo` has created the communities and people.
Idempotent: a community whose checklist exists keeps its state; a decision is added only
when the community has none. Items are set through `readiness.services` by the people who
would set them; the one exception is the past "go" of the preparing community, written as
the service would have left it (the community is already in the phase that go led to).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from communities.models import Community, Phase

from .loader import load_directory
from .models import ChecklistItem, DecisionOutcome, ItemStatus, ReadinessDecision
from .services import checklist_ensure, checklist_item_update, decision_record

User = get_user_model()
DOMAIN = "demo.example"

# slug -> (person who sets the items, [(item key, status, owner or None, due in days or
# None, note)])
ITEMS = {
    "laboratoire-innovation": (
        "nathalie.bergeron",
        [
            (
                "facilitating-environment",
                ItemStatus.DONE,
                "nathalie.bergeron",
                None,
                "Le vice-rectorat aux études accueille le laboratoire dans ses locaux.",
            ),
            (
                "relevant-purpose",
                ItemStatus.IN_PROGRESS,
                "nathalie.bergeron",
                14,
                "Sondage envoyé à douze personnes pressenties ; sept réponses pour l'instant.",
            ),
            (
                "strategic-theme",
                ItemStatus.DONE,
                "francois.bouchard",
                None,
                "Relié à l'orientation « Innover en enseignement » du plan stratégique.",
            ),
            (
                "middle-managers",
                ItemStatus.TODO,
                "francois.bouchard",
                -7,
                "Présenter le projet aux vice-doyennes et vice-doyens aux études.",
            ),
            ("synchronous-communication", ItemStatus.NOT_APPLICABLE, None, None, ""),
        ],
    ),
    "veille-documentaire": (
        "animation",
        [
            ("facilitating-environment", ItemStatus.DONE, "isabelle.cote", None, ""),
            ("relevant-purpose", ItemStatus.DONE, "isabelle.cote", None, ""),
            ("integration", ItemStatus.DONE, "chantal.gosselin", None, ""),
            (
                "strategic-theme",
                ItemStatus.DONE,
                "helene.lavoie",
                None,
                "La veille partagée figure au plan d'action de la Bibliothèque.",
            ),
            ("groupware", ItemStatus.DONE, "animation", None, ""),
            ("synchronous-communication", ItemStatus.DONE, "animation", None, ""),
            (
                "calls-for-help",
                ItemStatus.IN_PROGRESS,
                "animation",
                10,
                "Expliquer le forum « Appels à tous » à la prochaine rencontre.",
            ),
            ("legitimate-structure", ItemStatus.DONE, "helene.lavoie", None, ""),
            (
                "recognised-participation",
                ItemStatus.TODO,
                "animation",
                -3,
                "Demander à la Direction des ressources humaines comment reconnaître la "
                "participation dans le plan de formation.",
            ),
            ("middle-managers", ItemStatus.DONE, "helene.lavoie", None, ""),
            ("threatened-managers", ItemStatus.DONE, "isabelle.cote", None, ""),
            ("benefits-shared", ItemStatus.DONE, "isabelle.cote", None, ""),
        ],
    ),
}

POSTPONE = (
    "laboratoire-innovation",
    "francois.bouchard",
    "Le thème est porteur et l'équipe est prête, mais les cadres intermédiaires des "
    "facultés n'ont pas encore été rencontrés. Nous reprendrons la décision après la "
    "présentation aux vice-doyennes et vice-doyens aux études.",
)
PAST_GO = (
    "veille-documentaire",
    "helene.lavoie",
    "La Bibliothèque appuie la démarche, les rôles sont pourvus et le temps des membres est "
    "reconnu par leurs unités : la communauté passe à la préparation.",
    30,  # days ago
)


def _person(local: str, people: dict):
    email = f"{local}@{DOMAIN}"
    if email not in people:
        people[email] = User.objects.filter(email=email).first()
    return people[email]


def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


@transaction.atomic
def seed_demo_readiness(stdout=None) -> dict[str, int]:
    """Checklists, item states and decisions of the demo communities (idempotent)."""
    load_directory()
    created = {"checklists": 0, "items": 0, "decisions": 0}
    people: dict = {}
    communities = {c.slug: c for c in Community.objects.filter(slug__in=ITEMS)}
    for slug, (editor_local, items) in ITEMS.items():
        community = communities.get(slug)
        editor = _person(editor_local, people)
        if community is None or editor is None:
            continue  # the demo institution is not seeded
        if community.phase not in (Phase.DECIDING, Phase.PREPARING):
            continue
        fresh = not ChecklistItem.objects.filter(checklist__community=community).exists()
        checklist = checklist_ensure(community=community, by=editor)
        if not fresh or checklist is None:
            continue
        created["checklists"] += 1
        by_key = {
            item.template_item.key: item
            for item in checklist.items.select_related("template_item", "checklist__community")
        }
        today = timezone.localdate()
        for key, status, owner_local, due_in, note in items:
            item = by_key.get(key)
            if item is None:
                continue
            checklist_item_update(
                item=item,
                by=editor,
                status=status,
                owner=_person(owner_local, people) if owner_local else None,
                due_date=today + timedelta(days=due_in) if due_in is not None else None,
                note=note,
            )
            created["items"] += 1

    slug, sponsor_local, rationale = POSTPONE
    community, sponsor = communities.get(slug), _person(sponsor_local, people)
    if community and sponsor and not ReadinessDecision.objects.filter(community=community).exists():
        decision_record(
            community=community, by=sponsor, outcome=DecisionOutcome.POSTPONE, rationale=rationale
        )
        created["decisions"] += 1

    slug, sponsor_local, rationale, days_ago = PAST_GO
    community, sponsor = communities.get(slug), _person(sponsor_local, people)
    if community and sponsor and not ReadinessDecision.objects.filter(community=community).exists():
        ReadinessDecision.objects.create(
            community=community,
            outcome=DecisionOutcome.GO,
            rationale=rationale,
            decided_by=sponsor,
            decided_at=timezone.now() - timedelta(days=days_ago),
            phase_before=Phase.DECIDING,
            phase_after=Phase.PREPARING,
        )
        created["decisions"] += 1

    if any(created.values()):
        summary = ", ".join(f"{count} {what}" for what, count in created.items() if count)
        _write(stdout, f"Launch readiness: created {summary}.")
    else:
        _write(stdout, "Launch readiness already seeded: nothing was changed.")
    return created
