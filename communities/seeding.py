"""Communities from a seed file (YAML): validation first, then one idempotent transaction.

`manage.py seed_communities FILE.yaml` and `seed_demo` call these functions:

* `load_seed_file(path)` reads the YAML and `validate_seed(data)` checks the whole file
  (keys, types, choices, e-mail addresses, benefits, roles, checklist templates,
  duplicates). Every problem is collected; `SeedError` lists them all, each naming the
  entry (index and slug) and the field.
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
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from readiness.models import READINESS_PHASES, ChecklistTemplate
from readiness.services import checklist_ensure, checklist_get

from .benefits import BENEFITS_BY_KEY
from .models import Community, Membership, Phase, Role, Visibility
from .services import account_invite, membership_add, membership_set_roles

TOP_LEVEL_KEYS = {"communities"}
COMMUNITY_KEYS = {
    "slug",
    "name",
    "summary",
    "description",
    "theme",
    "visibility",
    "phase",
    "benefits",
    "sponsor",
    "forums",
    "checklist",
    "people",
    "created_at",
}
PERSON_KEYS = {"email", "roles", "display_name", "first_name", "last_name", "hours"}
# Community fields a seed file sets directly, with their length limits (0: none).
TEXT_FIELDS = {"name": 150, "summary": 300, "description": 0, "theme": 150}
NAME_LIMIT = 150
EMAIL_LIMIT = 254
FORUM_NAME_LIMIT = 120
MAX_HOURS = 32767
# A forum's slug, as `forums.services.forum_ensure` derives it from the name.
RESERVED_FORUM_SLUGS = frozenset({"flags", "log"})


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


def forum_slug(name: str) -> str:
    slug = slugify(name)[:80] or "forum"
    return f"{slug}-forum" if slug in RESERVED_FORUM_SLUGS else slug


def _is_text(value) -> bool:
    return isinstance(value, str)


def _text_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _email_problem(value) -> str | None:
    if not isinstance(value, str):
        return "must be an e-mail address (text)"
    address = value.strip()
    try:
        validate_email(address)
    except ValidationError:
        return f"'{value}' is not a valid e-mail address"
    if len(address) > EMAIL_LIMIT:
        return f"is longer than {EMAIL_LIMIT} characters"
    return None


class _Checker:
    """Collects the problems of one file."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, where: str, field_name: str, message: str) -> None:
        self.errors.append(f"{where}, field '{field_name}': {message}.")

    def unknown_keys(self, data: dict, allowed: set[str], where: str, prefix: str = "") -> None:
        for key in sorted(set(data) - allowed, key=str):
            allowed_keys = ", ".join(sorted(allowed))
            self.error(where, f"{prefix}{key}", f"unknown key (allowed: {allowed_keys})")

    def text(self, data: dict, name: str, where: str, *, limit: int = 0, required=False):
        if name not in data or data[name] is None:
            if required:
                self.error(where, name, "missing (required)")
            return None
        value = data[name]
        if not _is_text(value):
            self.error(where, name, f"must be text, not {type(value).__name__}")
            return None
        value = value.strip()
        if required and not value:
            self.error(where, name, "must not be empty")
            return None
        if limit and len(value) > limit:
            self.error(where, name, f"is longer than {limit} characters ({len(value)})")
            return None
        return value


def _check_person(check: _Checker, where: str, position: int, data) -> PersonSpec | None:
    prefix = f"people[{position}]"
    if not isinstance(data, dict):
        check.error(where, prefix, "must be a mapping such as {email: …, roles: [member]}")
        return None
    check.unknown_keys(data, PERSON_KEYS, where, prefix=f"{prefix}.")
    ok = True
    if "email" not in data:
        check.error(where, f"{prefix}.email", "missing (required)")
        ok = False
    else:
        problem = _email_problem(data["email"])
        if problem:
            check.error(where, f"{prefix}.email", problem)
            ok = False
    roles = data.get("roles", [Role.MEMBER])
    if isinstance(roles, str):
        roles = [roles]
    if not _text_list(roles):
        check.error(where, f"{prefix}.roles", "must be a list of roles")
        ok = False
    elif not roles:
        check.error(where, f"{prefix}.roles", "must name at least one role")
        ok = False
    else:
        for role in roles:
            if role not in Role.values:
                check.error(
                    where,
                    f"{prefix}.roles",
                    f"unknown role '{role}' (allowed: {', '.join(Role.values)})",
                )
                ok = False
    names = {}
    for key in ("display_name", "first_name", "last_name"):
        value = data.get(key)
        if value is None:
            names[key] = ""
        elif not isinstance(value, str):
            check.error(where, f"{prefix}.{key}", f"must be text, not {type(value).__name__}")
            ok = False
        elif len(value.strip()) > NAME_LIMIT:
            check.error(where, f"{prefix}.{key}", f"is longer than {NAME_LIMIT} characters")
            ok = False
        else:
            names[key] = value.strip()
    hours = data.get("hours")
    if hours is not None and (
        isinstance(hours, bool) or not isinstance(hours, int) or not 0 <= hours <= MAX_HOURS
    ):
        check.error(where, f"{prefix}.hours", "must be a whole number of hours per month")
        ok = False
    if not ok:
        return None
    unique_roles = list(dict.fromkeys(roles))
    return PersonSpec(email=data["email"].strip().lower(), roles=unique_roles, hours=hours, **names)


def _check_community(
    check: _Checker, index: int, data, templates: set[str], seen_slugs: dict[str, int]
) -> CommunitySpec | None:
    if not isinstance(data, dict):
        check.error(f"communities[{index}]", "-", "must be a mapping of keys (slug, name, …)")
        return None
    raw_slug = data.get("slug")
    where = f"communities[{index}] (slug '{raw_slug}')" if raw_slug else f"communities[{index}]"
    errors_before = len(check.errors)
    check.unknown_keys(data, COMMUNITY_KEYS, where)

    slug = check.text(data, "slug", where, limit=80, required=True)
    if slug is not None:
        try:
            validate_slug(slug)
        except ValidationError:
            check.error(where, "slug", "only lowercase letters, digits, hyphens and underscores")
        if slug in seen_slugs:
            check.error(where, "slug", f"duplicate of communities[{seen_slugs[slug]}]")
        else:
            seen_slugs[slug] = index
    fields: dict = {}
    for name, limit in TEXT_FIELDS.items():
        if name in data:
            value = check.text(data, name, where, limit=limit, required=name == "name")
            if value is not None:
                fields[name] = value
        elif name == "name":
            check.error(where, "name", "missing (required)")
    for name, choices in (("visibility", Visibility.values), ("phase", Phase.values)):
        if name in data:
            value = data[name]
            if not isinstance(value, str) or value not in choices:
                check.error(where, name, f"'{value}' is not one of {' | '.join(choices)}")
            else:
                fields[name] = value
    if "benefits" in data:
        benefits = data["benefits"] if data["benefits"] is not None else []
        if not _text_list(benefits):
            check.error(where, "benefits", "must be a list of benefit keys")
        else:
            unknown = [key for key in benefits if key not in BENEFITS_BY_KEY]
            for key in unknown:
                check.error(
                    where,
                    "benefits",
                    f"unknown benefit '{key}' (the keys are in communities/benefits.py)",
                )
            if not unknown:
                fields["benefits"] = list(dict.fromkeys(benefits))
    forums: list[str] = []
    if "forums" in data:
        names = data["forums"] if data["forums"] is not None else []
        if not _text_list(names):
            check.error(where, "forums", "must be a list of forum names")
        else:
            slugs: dict[str, str] = {}
            for name in names:
                name = name.strip()
                if not name or len(name) > FORUM_NAME_LIMIT:
                    check.error(
                        where, "forums", f"a forum name has 1 to {FORUM_NAME_LIMIT} characters"
                    )
                elif forum_slug(name) in slugs:
                    check.error(
                        where,
                        "forums",
                        f"'{name}' and '{slugs[forum_slug(name)]}' are the same forum",
                    )
                else:
                    slugs[forum_slug(name)] = name
                    forums.append(name)
    sponsor = None
    if data.get("sponsor") is not None:
        problem = _email_problem(data["sponsor"])
        if problem:
            check.error(where, "sponsor", problem)
        else:
            sponsor = data["sponsor"].strip().lower()
    checklist = None
    if data.get("checklist") is not None:
        value = data["checklist"]
        if not isinstance(value, str):
            check.error(where, "checklist", "must be a checklist template's slug")
        elif value not in templates:
            check.error(
                where,
                "checklist",
                f"unknown checklist template '{value}' (load it first with "
                "`manage.py load_checklist_templates`)",
            )
        else:
            checklist = value
    created_at = None
    if data.get("created_at") is not None:
        value = data["created_at"]
        if isinstance(value, datetime.datetime):
            created_at = value if timezone.is_aware(value) else timezone.make_aware(value)
        elif isinstance(value, datetime.date):
            created_at = timezone.make_aware(datetime.datetime.combine(value, datetime.time()))
        else:
            check.error(where, "created_at", "must be a date such as 2024-09-01")
    people: list[PersonSpec] = []
    if "people" in data:
        entries = data["people"] if data["people"] is not None else []
        if not isinstance(entries, list):
            check.error(where, "people", "must be a list of {email, roles}")
        else:
            emails: dict[str, int] = {}
            for position, entry in enumerate(entries):
                person = _check_person(check, where, position, entry)
                if person is None:
                    continue
                if person.email in emails:
                    check.error(
                        where,
                        f"people[{position}].email",
                        f"{person.email} is already people[{emails[person.email]}]",
                    )
                    continue
                emails[person.email] = position
                people.append(person)
    if len(check.errors) > errors_before:
        return None
    return CommunitySpec(
        index=index,
        slug=slug,
        fields=fields,
        forums=forums,
        people=people,
        sponsor=sponsor,
        checklist=checklist,
        created_at=created_at,
    )


def validate_seed(data) -> list[CommunitySpec]:
    """The communities of a parsed seed file, or `SeedError` listing every problem."""
    check = _Checker()
    if not isinstance(data, dict):
        raise SeedError(["The file must be a mapping with a 'communities' list."])
    for key in sorted(set(data) - TOP_LEVEL_KEYS, key=str):
        check.error("top level", str(key), "unknown key (allowed: communities)")
    entries = data.get("communities")
    if not isinstance(entries, list):
        check.error("top level", "communities", "must be a list of communities")
        raise SeedError(check.errors)
    wanted = {
        entry["checklist"]
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("checklist"), str)
    }
    templates = set(
        ChecklistTemplate.objects.filter(slug__in=wanted).values_list("slug", flat=True)
    )
    seen: dict[str, int] = {}
    specs = [
        spec
        for index, entry in enumerate(entries)
        if (spec := _check_community(check, index, entry, templates, seen)) is not None
    ]
    if check.errors:
        raise SeedError(check.errors)
    return specs


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
        from forums.models import Forum
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
