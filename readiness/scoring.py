"""A checklist's state: each item's status (hand-set or computed), the weighted score,
progress per section and what is missing.

`readiness_report(checklist)` costs a fixed number of queries whatever the size of the
community: one for the items (with their template item and section), and at most three
for the auto-evaluated rules (see `rules.CommunityFacts`).

The score counts the weight of the items that are done (an auto-evaluated item is done
when its rule is met) over the weight of the applicable items: an item marked "not
applicable" leaves both. An item in progress counts as not done yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Checklist, ChecklistItem, ItemStatus, TemplateSection
from .rules import CommunityFacts, RuleResult, evaluate


@dataclass
class ItemState:
    item: ChecklistItem
    status: str
    result: RuleResult | None = None  # for auto-evaluated items

    @property
    def template_item(self):
        return self.item.template_item

    @property
    def is_auto(self) -> bool:
        return self.result is not None

    @property
    def weight(self) -> int:
        return self.item.template_item.weight

    @property
    def is_applicable(self) -> bool:
        return self.status != ItemStatus.NOT_APPLICABLE

    @property
    def is_done(self) -> bool:
        return self.status == ItemStatus.DONE

    @property
    def status_label(self) -> str:
        return ItemStatus(self.status).label


def _percent(done: int, total: int) -> int | None:
    return round(100 * done / total) if total else None


@dataclass
class SectionState:
    section: TemplateSection
    items: list[ItemState] = field(default_factory=list)

    @property
    def applicable(self) -> list[ItemState]:
        return [state for state in self.items if state.is_applicable]

    @property
    def done_count(self) -> int:
        return sum(1 for state in self.items if state.is_done)

    @property
    def applicable_count(self) -> int:
        return len(self.applicable)

    @property
    def done_weight(self) -> int:
        return sum(state.weight for state in self.items if state.is_done)

    @property
    def total_weight(self) -> int:
        return sum(state.weight for state in self.applicable)

    @property
    def score(self) -> int | None:
        return _percent(self.done_weight, self.total_weight)

    @property
    def missing(self) -> list[ItemState]:
        return [state for state in self.items if state.is_applicable and not state.is_done]

    @property
    def settled(self) -> list[ItemState]:
        """The items done or not applicable: what the page folds away under what is missing."""
        return [state for state in self.items if state.is_done or not state.is_applicable]


@dataclass
class ReadinessReport:
    checklist: Checklist
    sections: list[SectionState]

    @property
    def items(self) -> list[ItemState]:
        return [state for section in self.sections for state in section.items]

    @property
    def done_weight(self) -> int:
        return sum(section.done_weight for section in self.sections)

    @property
    def total_weight(self) -> int:
        return sum(section.total_weight for section in self.sections)

    @property
    def score(self) -> int | None:
        return _percent(self.done_weight, self.total_weight)

    @property
    def done_count(self) -> int:
        return sum(section.done_count for section in self.sections)

    @property
    def applicable_count(self) -> int:
        return sum(section.applicable_count for section in self.sections)

    @property
    def missing(self) -> list[ItemState]:
        return [state for section in self.sections for state in section.missing]

    def state_of(self, item_id: int) -> ItemState | None:
        return next((state for state in self.items if state.item.pk == item_id), None)


def item_states(items: list[ChecklistItem], facts: CommunityFacts) -> list[ItemState]:
    states = []
    for item in items:
        rule = item.template_item.rule
        if rule:
            result = evaluate(rule, facts.community, facts=facts)
            status = ItemStatus.DONE if result.met else ItemStatus.TODO
            states.append(ItemState(item, status, result))
        else:
            states.append(ItemState(item, item.status))
    return states


def readiness_report(checklist: Checklist) -> ReadinessReport:
    """The whole checklist's state. `checklist.community` should come with its sponsor
    (`select_related("community__sponsor")`) for the sponsor rule to cost nothing."""
    items = list(checklist.items.for_checklist_page().select_related("template_item__section"))
    facts = CommunityFacts(checklist.community)
    sections: dict[int, SectionState] = {}
    for state in item_states(items, facts):
        section = state.item.template_item.section
        sections.setdefault(section.pk, SectionState(section)).items.append(state)
    return ReadinessReport(checklist, list(sections.values()))
