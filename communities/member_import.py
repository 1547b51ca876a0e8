"""People from a CSV file: what `manage.py import_members` (and `seed_demo`) do.

`read_member_csv(path)` decodes the file (UTF-8, with or without the BOM Excel adds),
detects the separator (comma, or the semicolon of French spreadsheets), checks the
header and every row: the good rows come back as `MemberRow`s, the bad ones as
`RowError`s with their line number and reason.

`import_members(rows=...)` then writes the good rows in one transaction, in batches: for
each batch the existing accounts, profiles, tags and memberships are read in a few
queries, and what is new is written with `bulk_create`. The result is the one the services
give row by row (`account_invite`, `profile_update`, `membership_add`): accounts with a
verified address and no usable password, a profile with a unique handle, expertise tags
matched case-insensitively and added (never removed), active memberships whose animators
get their admin access. Running the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from taggit.models import Tag

from cdp_portal.core.tags import clean_tag_names
from cdp_portal.outbox.mailing import send_to_people

from .models import (
    Community,
    Language,
    Membership,
    Profile,
    Role,
    TaggedExpertise,
    TaggedInterest,
)
from .services import (
    profile_directory_refresh,
    profile_handles_for,
    set_password_url,
    sponsors_from_roles,
    sync_admin_access,
)
from .signals import memberships_changed

User = get_user_model()

COLUMNS = ("email", "first_name", "last_name", "job_title", "unit", "campus", "expertise")
# Optional: the person's roles in the community given with --community (";"-separated).
OPTIONAL_COLUMNS = ("roles",)
# Profile columns the demo's file also carries (not offered by the command).
DEMO_COLUMNS = ("bio", "languages", "interests", "ask_me_about")
LIMITS = {
    "email": 254,
    "first_name": 150,
    "last_name": 150,
    "job_title": 150,
    "unit": 150,
    "campus": 100,
}
DISPLAY_NAME_LIMIT = 150
LIST_SEPARATOR = ";"
PROFILE_TEXT_FIELDS = ("job_title", "unit", "campus", "bio")
TRUE_WORDS = {"1", "true", "yes", "oui", "vrai", "x"}
FALSE_WORDS = {"0", "false", "no", "non", "faux"}
BATCH_SIZE = 1000
# bulk_update writes one CASE per column over its rows, which PostgreSQL evaluates row by
# row: smaller statements are much faster than one of a thousand rows.
UPDATE_BATCH = 100


class ImportFileError(Exception):
    """The file as a whole cannot be imported (encoding, header): nothing is read."""


@dataclass(frozen=True)
class RowError:
    line: int
    email: str
    reason: str

    def __str__(self) -> str:
        who = f" ({self.email})" if self.email else ""
        return f"line {self.line}{who}: {self.reason}"


@dataclass
class MemberRow:
    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    # Profile text fields given (non-empty cells only): job_title, unit, campus, bio.
    profile: dict[str, str] = field(default_factory=dict)
    expertise: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    languages: list[str] | None = None
    ask_me_about: bool | None = None
    roles: list[str] | None = None


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invited: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Per e-mail: "created", "updated" or "unchanged" (in the file's order).
    outcomes: dict[str, str] = field(default_factory=dict)


# --- Reading ----------------------------------------------------------------------------------


def detect_delimiter(header_line: str) -> str:
    """ "," or ";", whichever the header uses more (a French Excel export uses ";")."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _split(value: str) -> list[str]:
    """A ";"-separated list, blanks and repeats (case-insensitive) dropped."""
    items: dict[str, str] = {}
    for item in value.split(LIST_SEPARATOR):
        item = item.strip()
        if item and item.lower() not in items:
            items[item.lower()] = item
    return list(items.values())


def _check_row(line: int, cells: dict[str, str]) -> MemberRow | RowError:
    email = cells.get("email", "").strip().lower()
    if not email:
        return RowError(line, "", "the e-mail address is missing")
    try:
        validate_email(email)
    except ValidationError:
        return RowError(line, email, f"'{email}' is not a valid e-mail address")
    for column, limit in LIMITS.items():
        value = cells.get(column, "").strip()
        if len(value) > limit:
            return RowError(line, email, f"{column} is longer than {limit} characters")
    row = MemberRow(
        line=line,
        email=email,
        first_name=cells.get("first_name", "").strip(),
        last_name=cells.get("last_name", "").strip(),
    )
    if len(f"{row.first_name} {row.last_name}") > DISPLAY_NAME_LIMIT:
        return RowError(line, email, f"first and last name exceed {DISPLAY_NAME_LIMIT} characters")
    for column in PROFILE_TEXT_FIELDS:
        value = cells.get(column, "").strip()
        if value:
            row.profile[column] = value
    for column in ("expertise", "interests"):
        try:
            tags = clean_tag_names(cells.get(column, "").split(LIST_SEPARATOR))
        except ValidationError as error:
            return RowError(line, email, f"{column}: {' '.join(error.messages)}")
        setattr(row, column, tags)
    if cells.get("languages", "").strip():
        languages = [code.lower() for code in _split(cells["languages"])]
        unknown = [code for code in languages if code not in Language.values]
        if unknown:
            return RowError(line, email, f"unknown language '{unknown[0]}'")
        row.languages = languages
    flag = cells.get("ask_me_about", "").strip().lower()
    if flag:
        if flag not in TRUE_WORDS | FALSE_WORDS:
            return RowError(line, email, f"ask_me_about must be yes or no, not '{flag}'")
        row.ask_me_about = flag in TRUE_WORDS
    if cells.get("roles", "").strip():
        roles = _split(cells["roles"])
        unknown = [role for role in roles if role not in Role.values]
        if unknown:
            return RowError(
                line,
                email,
                f"unknown role '{unknown[0]}' (allowed: {', '.join(Role.values)})",
            )
        row.roles = roles
    return row


def parse_member_csv(
    text: str, *, extra_columns: Iterable[str] = ()
) -> tuple[list[MemberRow], list[RowError]]:
    """The good rows and the bad ones of a CSV text (header on the first line)."""
    text = text.lstrip("\ufeff")
    header_line = text.split("\n", 1)[0]
    if not header_line.strip():
        raise ImportFileError("the file is empty: the first line must name the columns")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(header_line))
    header = [name.strip().lower() for name in next(reader)]
    allowed = {*COLUMNS, *OPTIONAL_COLUMNS, *extra_columns}
    unknown = [name for name in header if name and name not in allowed]
    if unknown:
        raise ImportFileError(
            f"unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)} "
            f"(allowed: {', '.join([*COLUMNS, *OPTIONAL_COLUMNS])})"
        )
    if "email" not in header:
        raise ImportFileError("the header has no 'email' column")
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise ImportFileError(f"repeated column: {', '.join(repeated)}")
    rows: list[MemberRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        # A missing cell shifts or drops a value; an extra one with content is a value
        # with no column. Both are bad rows. Excel's trailing empty cell is no error.
        missing = len(cells) < len(header)
        extra = len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :])
        if missing or extra:
            errors.append(RowError(line, "", f"{len(cells)} cells for {len(header)} columns"))
            continue
        named = {name: value for name, value in zip(header, cells, strict=False) if name}
        result = _check_row(line, named)
        if isinstance(result, RowError):
            errors.append(result)
        elif result.email in seen:
            errors.append(
                RowError(
                    line, result.email, f"duplicate e-mail address (line {seen[result.email]})"
                )
            )
        else:
            seen[result.email] = line
            rows.append(result)
    return rows, errors


def read_member_csv(
    path: str | Path, *, extra_columns: Iterable[str] = ()
) -> tuple[list[MemberRow], list[RowError]]:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ImportFileError(f"cannot be read ({error})") from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            f"not UTF-8 (line {line}): save it as 'CSV UTF-8' from your spreadsheet"
        ) from error
    return parse_member_csv(text, extra_columns=extra_columns)


# --- Writing ----------------------------------------------------------------------------------


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _TagCache:
    """Tag ids by lower-cased name: an existing tag is reused whatever its case (the
    oldest first, as `services._tags_for`), a new one is created with taggit's slug."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def resolve(self, names: Iterable[str]) -> None:
        wanted: dict[str, str] = {}
        for name in names:
            if name.lower() not in self.ids:
                wanted.setdefault(name.lower(), name)
        if not wanted:
            return
        existing = (
            Tag.objects.annotate(lowered=Lower("name"))
            .filter(lowered__in=list(wanted))
            .order_by("pk")
            .values_list("lowered", "pk")
        )
        for lowered, pk in existing:
            self.ids.setdefault(lowered, pk)
        for lowered, name in wanted.items():
            if lowered not in self.ids:
                # Few (a file's vocabulary): one by one, so taggit settles slug clashes.
                self.ids[lowered] = Tag.objects.create(name=name).pk

    def __getitem__(self, name: str) -> int:
        return self.ids[name.lower()]


def _display_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


class _Importer:
    def __init__(
        self,
        *,
        community: Community | None,
        role: str,
        send_email: bool,
        overwrite: bool,
        report: ImportReport,
    ) -> None:
        self.community = community
        self.role = role
        self.send_email = send_email
        self.overwrite = overwrite
        self.report = report
        self.tags = _TagCache()
        self.now = timezone.now()
        self.new_animators: dict[int, object] = {}
        self.new_sponsor = None

    # One batch of rows: a handful of queries whatever its size.
    def batch(self, rows: list[MemberRow]) -> None:
        emails = [row.email for row in rows]
        users = {
            user.email.lower(): user
            for user in User.objects.annotate(lowered=Lower("email")).filter(lowered__in=emails)
        }
        profiles = {
            profile.user_id: profile
            for profile in Profile.objects.filter(user__in=[user.pk for user in users.values()])
        }
        self.tags.resolve(name for row in rows for name in (*row.expertise, *row.interests))
        tagged = self._tagged(profiles.values())
        # E-mails of the rows that changed something (created ones included).
        changed: dict[str, bool] = {}
        new_users = self._accounts(rows, users, changed)
        written, fillable = self._profiles(rows, users, profiles, tagged, changed)
        self._add_tags(rows, users, profiles, tagged, changed, fillable=fillable, written=written)
        # Bulk writes send no signal: the directory's copy of what changed, in one UPDATE.
        profile_directory_refresh(
            Profile.objects.filter(user__in=[users[email].pk for email in changed])
        )
        if self.community is not None:
            self._memberships(rows, users, changed)
        self._count_outcomes(rows, new_users, changed)
        if self.send_email:
            self._invite(new_users)

    def _accounts(self, rows: list[MemberRow], users: dict, changed: dict) -> list:
        """New accounts created (and added to `users`), names completed or updated on the
        others; returns the new ones."""
        new_users, user_updates = [], []
        for row in rows:
            user = users.get(row.email)
            if user is None:
                user = User(
                    email=row.email,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    display_name=_display_name(row.first_name, row.last_name),
                    password=make_password(None),
                    date_joined=self.now,
                )
                users[row.email] = user
                new_users.append(user)
                changed[row.email] = True
            elif self._update_names(user, row):
                user_updates.append(user)
                changed[row.email] = True
        User.objects.bulk_create(new_users)
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, verified=True, primary=True)
            for user in new_users
        )
        User.objects.bulk_update(
            user_updates, ["first_name", "last_name", "display_name"], batch_size=UPDATE_BATCH
        )
        return new_users

    def _profiles(
        self, rows: list[MemberRow], users: dict, profiles: dict, tagged: dict, changed: dict
    ) -> tuple[set[int], set[int]]:
        """A new profile (unique handle, added to `profiles`) for whoever has none; fields
        filled in. Returns the user ids whose profile was written, and those whose profile
        this import may write to: all of them, or (without `overwrite`) the new ones and
        those nobody has filled in yet."""
        missing = [row.email for row in rows if users[row.email].pk not in profiles]
        handles = dict(zip(missing, profile_handles_for([users[e] for e in missing]), strict=True))
        new_profiles, profile_updates = [], []
        fillable: set[int] = set()
        for row in rows:
            user = users[row.email]
            profile = profiles.get(user.pk)
            if profile is None:
                profile = Profile(user=user, handle=handles[row.email])
                self._fill_profile(profile, row)
                profiles[user.pk] = profile
                new_profiles.append(profile)
                fillable.add(user.pk)
                changed[row.email] = True
                continue
            if not (self.overwrite or self._is_blank(profile, tagged)):
                continue
            fillable.add(user.pk)
            if self._fill_profile(profile, row):
                profile.updated_at = self.now
                profile_updates.append(profile)
                changed[row.email] = True
        Profile.objects.bulk_create(new_profiles)
        # Only the columns some row changed: each is a CASE over the batch's rows.
        columns = sorted({name for profile in profile_updates for name in profile._changed})
        Profile.objects.bulk_update(
            profile_updates, [*columns, "updated_at"], batch_size=UPDATE_BATCH
        )
        written = {profile.user_id for profile in (*new_profiles, *profile_updates)}
        return written, fillable

    def _add_tags(
        self,
        rows: list[MemberRow],
        users: dict,
        profiles: dict,
        tagged: dict,
        changed: dict,
        *,
        fillable: set[int],
        written: set[int],
    ) -> None:
        """The rows' expertise and interests missing from fillable profiles added, none
        removed; a profile gaining tags and not `written` yet has its date moved."""
        new_tags = {TaggedExpertise: [], TaggedInterest: []}
        touched = []
        for row in rows:
            profile = profiles[users[row.email].pk]
            if profile.user_id not in fillable:
                continue
            added = False
            for model, names in ((TaggedExpertise, row.expertise), (TaggedInterest, row.interests)):
                have = tagged.get((model, profile.pk), set())
                for name in names:
                    tag_id = self.tags[name]
                    if tag_id not in have:
                        new_tags[model].append(model(content_object_id=profile.pk, tag_id=tag_id))
                        have.add(tag_id)
                        added = True
                tagged[(model, profile.pk)] = have
            if added:
                changed[row.email] = True
                if profile.user_id not in written:
                    profile.updated_at = self.now
                    touched.append(profile)
        for model, items in new_tags.items():
            model.objects.bulk_create(items)
        Profile.objects.bulk_update(touched, ["updated_at"], batch_size=UPDATE_BATCH)

    def _count_outcomes(self, rows: list[MemberRow], new_users: list, changed: dict) -> None:
        new_emails = {user.email for user in new_users}
        for row in rows:
            if row.email in new_emails:
                outcome = "created"
            else:
                outcome = "updated" if changed.get(row.email) else "unchanged"
            self.report.outcomes[row.email] = outcome
            setattr(self.report, outcome, getattr(self.report, outcome) + 1)

    def _invite(self, new_users: list) -> None:
        for user in new_users:
            send_to_people(
                "communities/email/account_invitation",
                {"user": user, "invited_by": None, "set_password_url": set_password_url(user)},
                [user.email],
            )
            self.report.invited += 1

    def _update_names(self, user, row: MemberRow) -> bool:
        old_full = _display_name(user.first_name, user.last_name)
        changed = False
        for name in ("first_name", "last_name"):
            value = getattr(row, name)
            current = getattr(user, name)
            if value and value != current and (self.overwrite or not current):
                setattr(user, name, value)
                changed = True
        # The display name follows the names unless the person chose another one.
        new_full = _display_name(user.first_name, user.last_name)
        if new_full and user.display_name != new_full and user.display_name in ("", old_full):
            user.display_name = new_full
            changed = True
        return changed

    def _tagged(self, profiles) -> dict:
        ids = [profile.pk for profile in profiles]
        tagged: dict = {}
        if not ids:
            return tagged
        for model in (TaggedExpertise, TaggedInterest):
            pairs = model.objects.filter(content_object_id__in=ids).values_list(
                "content_object_id", "tag_id"
            )
            for profile_id, tag_id in pairs:
                tagged.setdefault((model, profile_id), set()).add(tag_id)
        return tagged

    @staticmethod
    def _is_blank(profile: Profile, tagged: dict) -> bool:
        """Nothing filled in yet: the demo completes such a profile and no other."""
        return not any(getattr(profile, name) for name in PROFILE_TEXT_FIELDS) and not tagged.get(
            (TaggedExpertise, profile.pk)
        )

    @staticmethod
    def _fill_profile(profile: Profile, row: MemberRow) -> bool:
        """Set the row's profile fields (its non-empty cells); whether any changed. The
        names of the changed fields are kept on the profile, for `bulk_update`."""
        wanted = dict(row.profile)
        if row.languages is not None:
            wanted["languages"] = row.languages
        if row.ask_me_about is not None:
            wanted["ask_me_about"] = row.ask_me_about
        profile._changed = [
            name for name, value in wanted.items() if getattr(profile, name) != value
        ]
        for name in profile._changed:
            setattr(profile, name, wanted[name])
        return bool(profile._changed)

    def _memberships(self, rows: list[MemberRow], users: dict, changed: dict) -> None:
        community = self.community
        existing = {
            membership.user_id: membership
            for membership in Membership.objects.filter(
                community=community, user__in=[users[row.email].pk for row in rows]
            )
        }
        new, updates = [], []
        for row in rows:
            user = users[row.email]
            wanted = row.roles or [self.role]
            membership = existing.get(user.pk)
            if membership is None:
                membership = Membership(
                    community=community,
                    user=user,
                    roles=wanted,
                    status=Membership.Status.ACTIVE,
                    created_at=self.now,
                    joined_at=self.now,
                )
                new.append(membership)
            elif not membership.is_active:
                membership.status = Membership.Status.ACTIVE
                membership.roles = wanted
                membership.joined_at = self.now
                membership.left_at = None
                membership.updated_at = self.now
                updates.append(membership)
            elif set(wanted) - set(membership.roles):
                # An import adds roles; it never takes one away.
                membership.roles = [
                    *membership.roles,
                    *(r for r in wanted if r not in membership.roles),
                ]
                membership.updated_at = self.now
                updates.append(membership)
            else:
                continue
            changed[row.email] = True
            if Role.ANIMATOR in membership.roles:
                self.new_animators[user.pk] = user
            if Role.SPONSOR in membership.roles and self.new_sponsor is None:
                self.new_sponsor = user
        Membership.objects.bulk_create(new)
        Membership.objects.bulk_update(
            updates,
            ["status", "roles", "joined_at", "left_at", "updated_at"],
            batch_size=UPDATE_BATCH,
        )
        memberships_changed.send(sender=Membership, user_ids=[m.user_id for m in (*new, *updates)])

    def finish(self) -> None:
        """The services' rules for the people who gained a role, in bulk: the animators'
        admin access, the community's sponsor if it had none."""
        sync_admin_access(self.new_animators.values())
        if self.community is not None:
            sponsors_from_roles({self.community: self.new_sponsor})


def import_members(
    *,
    rows: list[MemberRow],
    community: Community | None = None,
    role: str = Role.MEMBER,
    send_email: bool = False,
    overwrite: bool = True,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Create or update the people of validated rows, in one transaction.

    With `community`, each becomes an active member with the row's roles, else `role`
    (roles are added to an existing member's, never removed). `send_email`: new accounts
    get the invitation to choose their password. `overwrite=False` (the demo) only fills
    in what is blank: names, and profiles nobody has filled in yet. `dry_run`: the same
    work, so the report is exact, in a transaction rolled back at the end; no e-mail."""
    if role not in Role.values:
        raise ValueError(f"Unknown role: {role}")
    report = ImportReport()
    importer = _Importer(
        community=community,
        role=role,
        send_email=send_email and not dry_run,
        overwrite=overwrite,
        report=report,
    )
    with transaction.atomic():
        done = 0
        for chunk in _chunks(rows, batch_size):
            importer.batch(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, len(rows))
        importer.finish()
        if dry_run:
            transaction.set_rollback(True)
    return report
