"""Launch readiness in the demo institution: two communities getting ready, at different
levels, one with a recorded decision (the content is `demo/readiness.yaml`, read against
the schema below).

`seed_demo_readiness()` runs after `seed_demo` has created the communities and people.
Idempotent: a community whose checklist exists keeps its state; a decision is added only
when the community has none. Items are set through `readiness.services` by the people who
would set them; the one exception is the past "go" of the preparing community, written as
the service would have left it (the community is already in the phase that go led to).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cdp_portal.core.schema import Choice, Email, Integer, List, Mapping, Text, load
from communities.models import Community, Phase

from .loader import load_directory
from .models import ChecklistItem, DecisionOutcome, ItemStatus, ReadinessDecision
from .services import checklist_ensure, checklist_item_update, decision_record

User = get_user_model()
READINESS_FILE = Path(__file__).resolve().parent / "demo" / "readiness.yaml"

_SLUG = Text(80, required=True)
CHECKLIST = Mapping(
    {
        "community": _SLUG,
        "editor": Email(required=True),
        "items": List(
            Mapping(
                {
                    "key": Text(80, required=True),
                    "status": Choice(ItemStatus.values, required=True),
                    "owner": Email(),
                    "due_in_days": Integer(-365, 365),
                    "note": Text(default=""),
                }
            ),
            required=True,
        ),
    }
)
_DECISION = {"community": _SLUG, "by": Email(required=True), "rationale": Text(required=True)}
READINESS = Mapping(
    {
        "checklists": List(CHECKLIST, required=True),
        "postponed": Mapping(_DECISION, required=True),
        "past_go": Mapping(
            {**_DECISION, "days_ago": Integer(0, 3650, required=True)}, required=True
        ),
    }
)
_readiness = load(READINESS_FILE, READINESS)
CHECKLISTS: list[dict] = _readiness["checklists"]
POSTPONED: dict = _readiness["postponed"]
PAST_GO: dict = _readiness["past_go"]


def _person(email: str | None, people: dict):
    if email is None:
        return None
    if email not in people:
        people[email] = User.objects.filter(email=email).first()
    return people[email]


def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _seed_checklist(community: Community | None, spec: dict, people: dict) -> int | None:
    """The community's checklist and its items' states, when it has none yet; how many
    items were set (None: no checklist was made)."""
    editor = _person(spec["editor"], people)
    if community is None or editor is None:
        return None  # the demo institution is not seeded
    if community.phase not in (Phase.DECIDING, Phase.PREPARING):
        return None
    fresh = not ChecklistItem.objects.filter(checklist__community=community).exists()
    checklist = checklist_ensure(community=community, by=editor)
    if not fresh or checklist is None:
        return None
    by_key = {
        item.template_item.key: item
        for item in checklist.items.select_related("template_item", "checklist__community")
    }
    today = timezone.localdate()
    written = 0
    for wanted in spec["items"]:
        item = by_key.get(wanted["key"])
        if item is None:
            continue
        due_in = wanted.get("due_in_days")
        checklist_item_update(
            item=item,
            by=editor,
            status=wanted["status"],
            owner=_person(wanted.get("owner"), people),
            due_date=today + timedelta(days=due_in) if due_in is not None else None,
            note=wanted["note"],
        )
        written += 1
    return written


def _seed_decisions(communities: dict[str, Community], people: dict) -> int:
    """The postponed decision, recorded now, and the past go; how many were written."""
    written = 0
    community, sponsor = communities.get(POSTPONED["community"]), _person(POSTPONED["by"], people)
    if community and sponsor and not ReadinessDecision.objects.filter(community=community).exists():
        decision_record(
            community=community,
            by=sponsor,
            outcome=DecisionOutcome.POSTPONE,
            rationale=POSTPONED["rationale"],
        )
        written += 1
    community, sponsor = communities.get(PAST_GO["community"]), _person(PAST_GO["by"], people)
    if community and sponsor and not ReadinessDecision.objects.filter(community=community).exists():
        ReadinessDecision.objects.create(
            community=community,
            outcome=DecisionOutcome.GO,
            rationale=PAST_GO["rationale"],
            decided_by=sponsor,
            decided_at=timezone.now() - timedelta(days=PAST_GO["days_ago"]),
            phase_before=Phase.DECIDING,
            phase_after=Phase.PREPARING,
        )
        written += 1
    return written


@transaction.atomic
def seed_demo_readiness(stdout=None) -> dict[str, int]:
    """Checklists, item states and decisions of the demo communities (idempotent)."""
    load_directory()
    created = {"checklists": 0, "items": 0, "decisions": 0}
    people: dict = {}
    slugs = [
        *(spec["community"] for spec in CHECKLISTS),
        POSTPONED["community"],
        PAST_GO["community"],
    ]
    communities = {c.slug: c for c in Community.objects.filter(slug__in=slugs)}
    for spec in CHECKLISTS:
        items = _seed_checklist(communities.get(spec["community"]), spec, people)
        if items is not None:
            created["checklists"] += 1
            created["items"] += items
    created["decisions"] = _seed_decisions(communities, people)
    if any(created.values()):
        summary = ", ".join(f"{count} {what}" for what, count in created.items() if count)
        _write(stdout, f"Launch readiness: created {summary}.")
    else:
        _write(stdout, "Launch readiness already seeded: nothing was changed.")
    return created
