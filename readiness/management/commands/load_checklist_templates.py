"""`manage.py load_checklist_templates [DIR]`: load the launch-readiness checklist templates.

Reads every YAML file of DIR (default: readiness/checklists/), validates them all, then
writes them in one transaction. A template whose content did not change is left alone; a
changed one becomes a new version, and the communities using an older version keep it.
Invalid input stops everything with an error naming the file, the item and the field.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from readiness.loader import DEFAULT_DIRECTORY, TemplateError, load_directory


class Command(BaseCommand):
    help = (
        "Loads the launch-readiness checklist templates (YAML) from DIR, default "
        "readiness/checklists/. Idempotent; a changed template becomes a new version. "
        "Nothing is written when any file is invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory",
            nargs="?",
            default=str(DEFAULT_DIRECTORY),
            help="Folder of *.yaml / *.yml checklist templates.",
        )

    def handle(self, *args, directory: str, **options):
        try:
            results = load_directory(Path(directory))
        except TemplateError as error:
            raise CommandError(
                f"Invalid checklist template, nothing was loaded. {error}"
            ) from error
        for result in results:
            line = f"{result.slug} ({result.file}): {result.action}, version {result.version}"
            style = self.style.SUCCESS if result.action != "unchanged" else (lambda text: text)
            self.stdout.write(style(line))
        counts = {
            action: sum(1 for r in results if r.action == action)
            for action in ("created", "new version", "unchanged")
        }
        self.stdout.write(", ".join(f"{count} {action}" for action, count in counts.items()) + ".")
