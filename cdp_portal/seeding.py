"""Communities from a seed file (YAML): validation first, then one idempotent transaction.

`manage.py seed_communities FILE.yaml` and `seed_demo` call these functions:

* `load_seed_file(path)` reads the YAML and `validate_seed(data)` checks the whole file
  against its declared schema, `SEED_FILE` below (keys, types, choices, e-mail addresses,
  benefits, roles, checklist templates, duplicates). Every problem is collected;
  `SeedError` lists them all, each naming the entry (index and slug) and the field.
* `seed_communities(specs=...)` then creates or updates the communities, their forums,
  people (accounts invited by e-mail when new), roles and checklists through the services,
  in one transaction, and returns what it did, entry by entry. Run again with the same file,
  it reports everything unchanged and writes nothing. `dry_run=True` runs the same code
  in a transaction that is rolled back, and sends no e-mail.

The format is documented in the README ("Administrator commands") and shown in
`examples/communities.yaml`.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction

from cdp_portal.core.schema import (
    Choice,
    Date,
    Email,
    Integer,
    List,
    Mapping,
    Text,
    Unique,
    validate,
)
from communities.benefits import BENEFITS_BY_KEY
from communities.models import Community, Membership, Phase, Role, Visibility
from communities.services import account_invite, membership_add, membership_set_roles
from readiness.models import READINESS_PHASES, ChecklistTemplate
from readiness.services import checklist_ensure, checklist_get

# The limits of Forum.name and Membership.allocated_hours_per_month.
FORUM_NAME_LIMIT = 120
MAX_HOURS = 32767


class SeedError(Exception):
    """The seed file is invalid (or a service refused a change): every message names the
    entry and the field."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))


@dataclass
class PersonSpec:
    email: str
    roles: list[str]
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""
    hours: int | None = None


@dataclass
class CommunitySpec:
    index: int
    slug: str
    # The community fields the entry gives (absent keys leave an existing community's
    # value alone; a new community gets the model's default).
    fields: dict
    forums: list[str] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)
    sponsor: str | None = None
    checklist: str | None = None
    created_at: datetime.datetime | None = None

    @property
    def label(self) -> str:
        return f"communities[{self.index}] (slug '{self.slug}')"


@dataclass(frozen=True)
class Change:
    kind: str  # community, forum, person, membership, sponsor, checklist
    label: str
    action: str  # created, updated, unchanged, skipped
    detail: str = ""


@dataclass
class SeedReport:
    changes: list[Change] = field(default_factory=list)
    dry_run: bool = False

    def add(self, kind: str, label: str, action: str, detail: str = "") -> None:
        self.changes.append(Change(kind, label, action, detail))

    def counts(self) -> dict[str, Counter]:
        counts: dict[str, Counter] = {}
        for change in self.changes:
            counts.setdefault(change.kind, Counter())[change.action] += 1
        return counts

    @property
    def changed(self) -> bool:
        return any(change.action in ("created", "updated") for change in self.changes)


# --- Reading and validating ------------------------------------------------------------------


def load_seed_file(path: str | Path) -> object:
    """The parsed YAML; a file that cannot be read or parsed is a `SeedError`."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SeedError([f"{path}: cannot be read ({error})."]) from error
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SeedError([f"{path}: not valid YAML ({error})."]) from error


def _forum_slug(name: str) -> str:
    # The forums app's rule: two names giving the same slug are the same forum.
    from forums.models import forum_slug

    return forum_slug(name)


def _slug_problem(slug: str) -> str | None:
    try:
        validate_slug(slug)
    except ValidationError:
        return "only lowercase letters, digits, hyphens and underscores"
    return None


def _template_slugs() -> set[str]:
    return set(ChecklistTemplate.objects.values_list("slug", flat=True))


def _community_label(where: str, index: int, data: dict) -> str:
    slug = data.get("slug")
    return f"communities[{index}] (slug '{slug}')" if slug else f"communities[{index}]"


PERSON = Mapping(
    {
        "email": Email(required=True),
        "roles": List(
            Choice(Role.values, noun="role"),
            single=True,
            nonempty=True,
            default=[Role.MEMBER],
            wrong_type="must be a list of roles",
        ),
        "display_name": Text(150, default=""),
        "first_name": Text(150, default=""),
        "last_name": Text(150, default=""),
        "hours": Integer(0, MAX_HOURS),
    },
    wrong_type="must be a mapping such as {email: …, roles: [member]}",
)
# The Community fields a seed file sets directly (an absent key leaves an existing
# community's value alone), then the rest of an entry.
COMMUNITY_FIELDS = ("name", "summary", "description", "theme", "visibility", "phase", "benefits")
COMMUNITY = Mapping(
    {
        "slug": Text(80, required=True, check=_slug_problem),
        "name": Text(150, required=True),
        "summary": Text(300),
        "description": Text(),
        "theme": Text(150),
        "visibility": Choice(Visibility.values),
        "phase": Choice(Phase.values),
        "benefits": List(
            Choice(BENEFITS_BY_KEY, noun="benefit", hint="the keys are in communities/benefits.py"),
            wrong_type="must be a list of benefit keys",
        ),
        "forums": List(
            Text(FORUM_NAME_LIMIT, required=True),
            unique=Unique("'{item}' and '{first}' are the same forum", key=_forum_slug),
            wrong_type="must be a list of forum names",
        ),
        "sponsor": Email(),
        "checklist": Choice(
            _template_slugs,
            noun="checklist template",
            hint="load it first with `manage.py load_checklist_templates`",
        ),
        "created_at": Date(),
        "people": List(
            PERSON,
            unique=Unique("{key} is already people[{index}]", field="email"),
            wrong_type="must be a list of {email, roles}",
        ),
    },
    label=_community_label,
    wrong_type="must be a mapping of keys (slug, name, …)",
)
SEED_FILE = Mapping(
    {
        "communities": List(
            COMMUNITY,
            required=True,
            unique=Unique("duplicate of communities[{index}]", field="slug"),
            wrong_type="must be a list of communities",
        )
    },
    wrong_type="must be a mapping with a 'communities' list",
)


def _community_spec(index: int, entry: dict) -> CommunitySpec:
    fields = {name: entry[name] for name in COMMUNITY_FIELDS if name in entry}
    if "benefits" in fields:
        fields["benefits"] = list(dict.fromkeys(fields["benefits"]))
    people = [
        PersonSpec(
            email=person["email"],
            roles=list(dict.fromkeys(person["roles"])),
            display_name=person["display_name"],
            first_name=person["first_name"],
            last_name=person["last_name"],
            hours=person.get("hours"),
        )
        for person in entry.get("people", [])
    ]
    return CommunitySpec(
        index=index,
        slug=entry["slug"],
        fields=fields,
        forums=entry.get("forums", []),
        people=people,
        sponsor=entry.get("sponsor"),
        checklist=entry.get("checklist"),
        created_at=entry.get("created_at"),
    )


def validate_seed(data) -> list[CommunitySpec]:
    """The communities of a parsed seed file, or `SeedError` listing every problem."""
    clean, problems = validate(SEED_FILE, data, where="top level")
    if problems:
        raise SeedError([f"{problem}." for problem in problems])
    return [_community_spec(index, entry) for index, entry in enumerate(clean["communities"])]


# --- Writing -----------------------------------------------------------------------------------


class _Seeder:
    def __init__(self, *, send_email: bool, only_missing: bool, report: SeedReport) -> None:
        self.send_email = send_email
        self.only_missing = only_missing
        self.report = report
        self.people: dict[str, object] = {}

    def person(self, spec: CommunitySpec, email: str, names: PersonSpec | None = None):
        """The account for an address, invited by e-mail when it is new (reported once)."""
        if email in self.people:
            return self.people[email]
        names = names or PersonSpec(email=email, roles=[])
        display_name = names.display_name or f"{names.first_name} {names.last_name}".strip()
        user, created = account_invite(
            email=email,
            display_name=display_name,
            first_name=names.first_name,
            last_name=names.last_name,
            send_email=self.send_email,
        )
        detail = ("invitation sent" if self.send_email else "no e-mail") if created else ""
        self.report.add("person", email, "created" if created else "unchanged", detail)
        self.people[email] = user
        return user

    def community(self, spec: CommunitySpec) -> Community:
        community = Community.objects.filter(slug=spec.slug).first()
        if community is None:
            community = Community(slug=spec.slug, **spec.fields)
            if spec.created_at is not None:
                community.created_at = spec.created_at
            community.save()  # the forums app adds the default forums
            self.report.add("community", spec.slug, "created")
            return community
        changed = [name for name, value in spec.fields.items() if getattr(community, name) != value]
        if changed and not self.only_missing:
            for name in changed:
                setattr(community, name, spec.fields[name])
            community.save(update_fields=[*changed, "updated_at"])
            self.report.add("community", spec.slug, "updated", ", ".join(changed))
        else:
            self.report.add("community", spec.slug, "unchanged")
        return community

    def forums(self, spec: CommunitySpec, community: Community) -> None:
        from forums.models import Forum, forum_slug
        from forums.services import forum_ensure

        existing = set(community.forums.values_list("slug", flat=True))
        for name in spec.forums:
            slug = forum_slug(name)
            label = f"{spec.slug} / {name}"
            if slug in existing:
                self.report.add("forum", label, "unchanged")
                continue
            position = Forum.objects.filter(community=community).count()
            forum_ensure(community=community, name=name, slug=slug, position=position)
            existing.add(slug)
            self.report.add("forum", label, "created")

    def memberships(self, spec: CommunitySpec, community: Community) -> None:
        # Those who animate first: a community always keeps an animator, so a hand-over
        # (A's role given to B) needs B's role before A's goes.
        people = sorted(spec.people, key=lambda person: Role.ANIMATOR not in person.roles)
        for person in people:
            user = self.person(spec, person.email, person)
            label = f"{spec.slug} / {person.email}"
            roles = ", ".join(person.roles)
            membership = Membership.objects.filter(community=community, user=user).first()
            try:
                if membership is None or (not membership.is_active and not self.only_missing):
                    action = "created" if membership is None else "updated"
                    membership_add(
                        community=community,
                        user=user,
                        roles=person.roles,
                        allocated_hours_per_month=person.hours,
                    )
                    self.report.add("membership", label, action, roles)
                    continue
                if self.only_missing or not membership.is_active:
                    self.report.add("membership", label, "unchanged")
                    continue
                changes = []
                if set(membership.roles) != set(person.roles):
                    membership = membership_set_roles(membership=membership, roles=person.roles)
                    changes.append(f"roles: {roles}")
                if person.hours is not None and membership.allocated_hours_per_month != (
                    person.hours
                ):
                    membership.allocated_hours_per_month = person.hours
                    membership.save(update_fields=["allocated_hours_per_month", "updated_at"])
                    changes.append(f"hours: {person.hours}")
                if changes:
                    self.report.add("membership", label, "updated", "; ".join(changes))
                else:
                    self.report.add("membership", label, "unchanged")
            except ValidationError as error:
                raise SeedError(
                    [f"{spec.label}, field 'people' ({person.email}): {' '.join(error.messages)}"]
                ) from error

    def sponsor(self, spec: CommunitySpec, community: Community) -> None:
        if spec.sponsor is None:
            return
        user = self.person(spec, spec.sponsor)
        if community.sponsor_id == user.pk or (self.only_missing and community.sponsor_id):
            self.report.add("sponsor", f"{spec.slug} / {spec.sponsor}", "unchanged")
            return
        action = "created" if community.sponsor_id is None else "updated"
        community.sponsor = user
        community.save(update_fields=["sponsor", "updated_at"])
        self.report.add("sponsor", f"{spec.slug} / {spec.sponsor}", action)

    def checklist(self, spec: CommunitySpec, community: Community) -> None:
        if spec.checklist is None:
            return
        label = f"{spec.slug} / {spec.checklist}"
        checklist = checklist_get(community)
        if checklist is not None:
            detail = ""
            if checklist.template.slug != spec.checklist:
                detail = f"keeps its checklist from template '{checklist.template.slug}'"
            self.report.add("checklist", label, "unchanged", detail)
            return
        if community.phase not in READINESS_PHASES:
            self.report.add(
                "checklist",
                label,
                "skipped",
                f"only deciding and preparing communities have one (phase: {community.phase})",
            )
            return
        template = ChecklistTemplate.objects.latest_version(spec.checklist)
        checklist_ensure(community=community, template=template)
        self.report.add("checklist", label, "created", f"version {template.version}")

    def run(self, specs: list[CommunitySpec]) -> None:
        for spec in specs:
            community = self.community(spec)
            self.forums(spec, community)
            self.memberships(spec, community)
            self.sponsor(spec, community)
            self.checklist(spec, community)


def seed_communities(
    *,
    specs: list[CommunitySpec],
    dry_run: bool = False,
    send_email: bool = True,
    only_missing: bool = False,
) -> SeedReport:
    """Create or update the communities of a validated seed file, in one transaction.

    `dry_run`: the same work in a transaction rolled back at the end, no e-mail.
    `only_missing` (the demo): what exists is left as it is, only what is missing is
    created. New accounts are e-mailed an invitation to set their password unless
    `send_email` is false."""
    report = SeedReport(dry_run=dry_run)
    seeder = _Seeder(
        send_email=send_email and not dry_run, only_missing=only_missing, report=report
    )
    with transaction.atomic():
        seeder.run(specs)
        if dry_run:
            transaction.set_rollback(True)
    return report


def seed_file(path: str | Path, *, dry_run: bool = False, send_email: bool = True) -> SeedReport:
    """Validate and seed a file: what `manage.py seed_communities` does."""
    specs = validate_seed(load_seed_file(path))
    return seed_communities(specs=specs, dry_run=dry_run, send_email=send_email)
