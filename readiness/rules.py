"""Auto-evaluated checklist items: a registry of rules computed from live data.

A rule is a function of the community's facts returning a `RuleResult` (met or not, and
why, in words people read). The facts (`CommunityFacts`) are gathered lazily and once per
community: evaluating every rule of a checklist costs at most three queries (memberships,
forum posts, library resources), whatever the number of members, posts or resources.

A template item names its rule by key (`rule: role_coach`); the loader refuses a key that
is not registered here.

    from readiness.rules import evaluate
    result = evaluate("sponsor_named", community)
    result.met, result.explanation
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from django.apps import apps
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from communities.benefits import BENEFITS_BY_KEY
from communities.models import Community, Membership, Role

# "A forum with activity": at least this many visible posts in the last FORUM_WINDOW_DAYS.
FORUM_MIN_POSTS = 5
FORUM_WINDOW_DAYS = 90
# "A library with resources": at least this many visible resources of the community.
LIBRARY_MIN_RESOURCES = 3
# "Time allocated to members": at least this share of the active members has some.
ALLOCATED_TIME_SHARE = 0.5

STAFFED_ROLES = [
    Role.ANIMATOR,
    Role.COACH,
    Role.DOCUMENTALIST,
    Role.TECHNICAL_SUPPORT,
    Role.ADMINISTRATIVE_SUPPORT,
]


@dataclass(frozen=True)
class RuleResult:
    met: bool
    explanation: str


@dataclass(frozen=True)
class Rule:
    key: str
    label: Promise
    evaluate: Callable[[CommunityFacts], RuleResult]


class CommunityFacts:
    """What the rules read about one community, each fact fetched on first use."""

    def __init__(self, community: Community) -> None:
        self.community = community

    @cached_property
    def membership_counts(self) -> dict[str, int]:
        """Active members, those with allocated time, and the holders of each role: one
        aggregate query."""
        counts = {
            "members": Count("pk"),
            "with_time": Count("pk", filter=Q(allocated_hours_per_month__gt=0)),
        }
        for role in [*STAFFED_ROLES, Role.SPONSOR]:
            counts[role] = Count("pk", filter=Q(roles__contains=[role]))
        return Membership.objects.active().filter(community=self.community).aggregate(**counts)

    @cached_property
    def recent_post_count(self) -> int | None:
        """Visible posts of the community's forums in the window; None without forums."""
        try:
            post_model = apps.get_model("forums", "Post")
        except LookupError:
            return None
        since = timezone.now() - timedelta(days=FORUM_WINDOW_DAYS)
        return post_model.objects.filter(
            topic__forum__community=self.community, is_hidden=False, created_at__gte=since
        ).count()

    @cached_property
    def resource_count(self) -> int:
        resource_model = apps.get_model("resources", "Resource")
        return resource_model.objects.filter(community=self.community, is_hidden=False).count()


# --- The rules ---------------------------------------------------------------------------


def _role_rule(role: str) -> Callable[[CommunityFacts], RuleResult]:
    def evaluate_role(facts: CommunityFacts) -> RuleResult:
        count = facts.membership_counts[role]
        label = Role(role).label
        if count:
            text = ngettext(
                "%(count)d personne a le rôle %(role)s.",
                "%(count)d personnes ont le rôle %(role)s.",
                count,
            )
        else:
            text = _("Personne n'a encore le rôle %(role)s.")
        return RuleResult(bool(count), text % {"count": count, "role": label})

    evaluate_role.__name__ = f"role_{role}"
    return evaluate_role


def sponsor_named(facts: CommunityFacts) -> RuleResult:
    community = facts.community
    if community.sponsor_id:
        return RuleResult(
            True,
            _("Parrain·marraine : %(name)s.") % {"name": community.sponsor.get_full_name()},
        )
    count = facts.membership_counts[Role.SPONSOR]
    if count:
        return RuleResult(
            True,
            ngettext(
                "%(count)d membre a le rôle de parrain·marraine.",
                "%(count)d membres ont le rôle de parrain·marraine.",
                count,
            )
            % {"count": count},
        )
    return RuleResult(False, _("Aucun parrain ni aucune marraine n'est désigné·e."))


def forum_activity(facts: CommunityFacts) -> RuleResult:
    count = facts.recent_post_count
    if count is None:
        return RuleResult(False, _("Les forums ne sont pas encore en service sur le portail."))
    text = ngettext(
        "%(count)d message publié dans les forums depuis %(days)d jours (il en faut au moins "
        "%(minimum)d).",
        "%(count)d messages publiés dans les forums depuis %(days)d jours (il en faut au moins "
        "%(minimum)d).",
        count,
    )
    values = {"count": count, "days": FORUM_WINDOW_DAYS, "minimum": FORUM_MIN_POSTS}
    return RuleResult(count >= FORUM_MIN_POSTS, text % values)


def library_resources(facts: CommunityFacts) -> RuleResult:
    count = facts.resource_count
    text = ngettext(
        "%(count)d ressource dans la bibliothèque de la communauté (il en faut au moins "
        "%(minimum)d).",
        "%(count)d ressources dans la bibliothèque de la communauté (il en faut au moins "
        "%(minimum)d).",
        count,
    )
    return RuleResult(
        count >= LIBRARY_MIN_RESOURCES, text % {"count": count, "minimum": LIBRARY_MIN_RESOURCES}
    )


def benefits_chosen(facts: CommunityFacts) -> RuleResult:
    count = len([key for key in facts.community.benefits if key in BENEFITS_BY_KEY])
    if not count:
        return RuleResult(False, _("Aucun bénéfice visé n'est choisi dans la charte."))
    text = ngettext(
        "%(count)d bénéfice visé choisi dans la charte.",
        "%(count)d bénéfices visés choisis dans la charte.",
        count,
    )
    return RuleResult(True, text % {"count": count})


def allocated_time(facts: CommunityFacts) -> RuleResult:
    members = facts.membership_counts["members"]
    with_time = facts.membership_counts["with_time"]
    if not members:
        return RuleResult(False, _("La communauté n'a encore aucun membre actif."))
    text = ngettext(
        "%(with_time)d membre sur %(members)d a un temps alloué (il faut au moins la moitié).",
        "%(with_time)d membres sur %(members)d ont un temps alloué (il faut au moins la moitié).",
        with_time,
    )
    met = with_time >= members * ALLOCATED_TIME_SHARE
    return RuleResult(met, text % {"with_time": with_time, "members": members})


RULES: dict[str, Rule] = {}


def register(key: str, label: Promise, function: Callable[[CommunityFacts], RuleResult]) -> None:
    RULES[key] = Rule(key, label, function)


for _role in STAFFED_ROLES:
    register(
        f"role_{_role}",
        format_lazy(gettext_lazy("Rôle pourvu : {role}"), role=_role.label),
        _role_rule(_role),
    )
register("sponsor_named", gettext_lazy("Parrain·marraine désigné·e"), sponsor_named)
register("forum_activity", gettext_lazy("Forum actif"), forum_activity)
register("library_resources", gettext_lazy("Bibliothèque alimentée"), library_resources)
register("benefits_chosen", gettext_lazy("Bénéfices visés choisis"), benefits_chosen)
register("allocated_time", gettext_lazy("Temps alloué aux membres"), allocated_time)


def evaluate(rule: str, community: Community, *, facts: CommunityFacts | None = None) -> RuleResult:
    """One rule for one community; pass `facts` to share the queries between rules."""
    return RULES[rule].evaluate(facts or CommunityFacts(community))


def evaluate_many(rules: list[str], community: Community) -> dict[str, RuleResult]:
    """Several rules over the same facts: at most three queries in all."""
    facts = CommunityFacts(community)
    return {rule: evaluate(rule, community, facts=facts) for rule in rules if rule in RULES}
