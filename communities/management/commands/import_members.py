"""`manage.py import_members FILE.csv [--community SLUG] [--role ROLE] [--invite] [--atomic]
[--dry-run]`.

Creates or updates people from a CSV file with the columns
`email,first_name,last_name,job_title,unit,campus,expertise` (expertise separated by
";"), UTF-8 with or without BOM, comma- or semicolon-separated (`communities.member_import`).
Bad rows are reported with their line number; the good ones are imported, or with
`--atomic` nothing is written when any row is bad. `--dry-run` reports what would change
and writes and sends nothing. Idempotent.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from communities.member_import import ImportFileError, import_members, read_member_csv
from communities.models import Community, Role

# Files longer than this get a progress line on stderr.
PROGRESS_THRESHOLD = 500


class Command(BaseCommand):
    help = (
        "Creates or updates people from a CSV file (email, first_name, last_name, job_title, "
        "unit, campus, expertise separated by ';'), optionally as active members of a "
        "community. Idempotent. Bad rows are reported with their line number."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (UTF-8, ',' or ';' separated).")
        parser.add_argument(
            "--community",
            metavar="SLUG",
            help="Also make everyone an active member of this community.",
        )
        parser.add_argument(
            "--role",
            default=Role.MEMBER,
            help=(
                "Role given with --community when the row has no 'roles' column "
                f"(default: member; one of {', '.join(Role.values)})."
            ),
        )
        parser.add_argument(
            "--invite",
            action="store_true",
            help="E-mail new accounts an invitation to choose their password.",
        )
        parser.add_argument(
            "--atomic",
            action="store_true",
            help="Write nothing if any row is bad (exit status 1).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be created or updated; write nothing, send nothing.",
        )

    def handle(
        self,
        *args,
        file: str,
        community=None,
        role: str,
        invite: bool,
        atomic: bool,
        dry_run: bool = False,
        **options,
    ):
        if role not in Role.values:
            raise CommandError(f"Unknown role '{role}': one of {', '.join(Role.values)}.")
        target = None
        if community:
            target = Community.objects.filter(slug=community).first()
            if target is None:
                raise CommandError(f"No community with the slug '{community}'.")
        try:
            rows, errors = read_member_csv(file)
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}. Nothing was imported.") from error
        if target is None and any(row.roles for row in rows):
            raise CommandError(
                f"{file}: the 'roles' column needs --community. Nothing was imported."
            )
        for error in errors:
            self.stderr.write(f"{file}, {error}")
        if errors and atomic:
            raise CommandError(
                f"{len(errors)} bad row{'s' if len(errors) > 1 else ''} "
                f"({len(rows)} good): nothing was written (--atomic)."
            )
        started = time.monotonic()
        report = import_members(
            rows=rows,
            community=target,
            role=role,
            send_email=invite,
            dry_run=dry_run,
            progress=self.progress if len(rows) > PROGRESS_THRESHOLD else None,
        )
        elapsed = time.monotonic() - started
        summary = (
            f"{report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(errors)} error{'s' if len(errors) != 1 else ''}"
        )
        if target is not None:
            summary += f"; members of '{target.slug}'"
        if invite and not dry_run:
            summary += f"; {report.invited} invitation{'s' if report.invited != 1 else ''} sent"
        if dry_run:
            for email, outcome in report.outcomes.items():
                if outcome != "unchanged":
                    self.stdout.write(f"  would be {outcome}: {email}")
        prefix = "Summary (dry run, nothing written)" if dry_run else "Summary"
        style = self.style.WARNING if errors else self.style.SUCCESS
        self.stdout.write(style(f"{prefix}: {summary} ({elapsed:.1f} s)."))

    def progress(self, done: int, total: int) -> None:
        self.stderr.write(
            f"\rImporting: {done}/{total} rows ({100 * done // total}%)",
            ending="\n" if done == total else "",
        )
        self.stderr.flush()
