"""`manage.py seed_communities FILE.yaml [--dry-run]`: communities from a seed file.

Validates the whole file first (every problem listed, each naming the entry and the
field; nothing written), then creates or updates the communities, their forums, people,
roles, sponsor and checklist in one transaction (`cdp_portal.seeding`). Idempotent: a
second run reports everything unchanged. New accounts get an invitation e-mail to choose
their password. `--dry-run` shows what would change, writes nothing and sends nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cdp_portal.seeding import (
    SeedError,
    SeedReport,
    load_seed_file,
    seed_communities,
    validate_seed,
)

KINDS = ("community", "forum", "person", "membership", "sponsor", "checklist")
PLURALS = {"community": "communities", "person": "people"}
ACTIONS = ("created", "updated", "unchanged")


class Command(BaseCommand):
    help = (
        "Creates or updates communities, their forums, people (by e-mail, invited when "
        "new), roles, sponsor and checklist from a YAML seed file. Validates the whole file "
        "first; writes in one transaction; idempotent. See examples/communities.yaml."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The YAML seed file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would change; write nothing, send no e-mail.",
        )

    def handle(self, *args, file: str, dry_run: bool = False, **options):
        try:
            specs = validate_seed(load_seed_file(file))
            report = seed_communities(specs=specs, dry_run=dry_run)
        except SeedError as error:
            lines = "\n".join(f"  {message}" for message in error.messages)
            count = len(error.messages)
            raise CommandError(
                f"{file}: {count} error{'s' if count > 1 else ''}, nothing was written.\n{lines}"
            ) from error
        self.print_report(report)

    def print_report(self, report: SeedReport) -> None:
        if report.dry_run:
            self.stdout.write("Dry run: what would change (nothing is written).")
        for change in report.changes:
            line = f"  {change.kind:<10} {change.label}: {change.action}"
            if change.detail:
                line += f" ({change.detail})"
            style = self.style.SUCCESS if change.action in ("created", "updated") else str
            self.stdout.write(style(line))
        counts = report.counts()
        parts = []
        for kind in KINDS:
            if kind in counts:
                numbers = ", ".join(f"{counts[kind][action]} {action}" for action in ACTIONS)
                skipped = counts[kind]["skipped"]
                if skipped:
                    numbers += f", {skipped} skipped"
                parts.append(f"{PLURALS.get(kind, kind + 's')}: {numbers}")
        summary = "; ".join(parts) or "nothing in the file"
        prefix = "Summary (dry run, nothing written)" if report.dry_run else "Summary"
        self.stdout.write(self.style.SUCCESS(f"{prefix}: {summary}."))
