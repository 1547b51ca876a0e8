"""`manage.py send_digests --frequency daily|weekly [--dry-run]`: the digests of the last
complete period (yesterday, or last ISO week), queued as tasks of `--batch-size` people."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_tasks import TaskResultStatus

from digests import services
from digests.periods import FREQUENCIES, Period, previous_period
from digests.tasks import send_digest_batch


class Command(BaseCommand):
    help = (
        "Sends the e-mail digest of the last complete period (daily: yesterday; weekly: "
        "last week, Monday to Sunday) to everyone who chose that frequency, through the "
        "task queue and the outbox. Run it as often as you like: nobody gets a period "
        "twice, and a run that stopped half way is finished by the next one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--frequency",
            required=True,
            choices=[str(frequency) for frequency in FREQUENCIES],
            help="which digest: daily or weekly",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="write and send nothing; print who would get a digest, with its counts",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=services.BATCH_SIZE,
            help=f"people per task (default: {services.BATCH_SIZE})",
        )

    def handle(self, *args, frequency: str, dry_run: bool, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be a positive number.")
        today = timezone.localdate()
        period = previous_period(frequency, today)
        user_ids = list(services.people_due(period).values_list("pk", flat=True))
        what = f"{frequency} digest of {period.start:%Y-%m-%d} to {period.last_day:%Y-%m-%d}"
        if dry_run:
            self._dry_run(period, user_ids, batch_size, what)
            return
        self.stdout.write(f"The {what}: {len(user_ids)} people to go.")
        failed = self._send(period, user_ids, batch_size) if user_ids else 0
        pruned = services.deliveries_prune(today)
        if pruned:
            self.stdout.write(f"Forgot {pruned} delivery record(s) older than the windows.")
        if failed:
            raise CommandError(
                f"{failed} batch(es) failed and sent nothing; run the command again to "
                "finish them (what was sent is not sent again)."
            )

    def _send(self, period: Period, user_ids: list[int], batch_size: int) -> int:
        """Queue the batches; with the immediate backend they have run when this returns.
        Returns how many failed."""
        totals = dict.fromkeys(("sent", "empty", "skipped"), 0)
        ran = queued = failed = 0
        for batch in services.in_batches(user_ids, batch_size):
            result = send_digest_batch.enqueue(period.frequency, period.start.isoformat(), batch)
            if result.status == TaskResultStatus.SUCCESSFUL:
                ran += 1
                for key, value in result.return_value.items():
                    totals[key] += value
            elif result.status == TaskResultStatus.FAILED:
                failed += 1
                error = result.errors[-1].traceback.strip().splitlines()[-1]
                self.stderr.write(f"A batch of {len(batch)} people failed: {error}")
            else:
                queued += 1
        if queued:
            self.stdout.write(f"Queued {queued} batch(es): the task workers send them.")
        if ran or not queued:
            self.stdout.write(
                f"Sent {totals['sent']} digest(s); {totals['empty']} had nothing to tell; "
                f"{totals['skipped']} done already or no longer wanted."
            )
        return failed

    def _dry_run(self, period: Period, user_ids: list[int], batch_size: int, what: str) -> None:
        users_with_news = 0
        totals: dict[str, int] = {}
        for batch in services.in_batches(user_ids, batch_size):
            people = services.people_still_due(period, batch)
            for digest in services.collect_digests(period, people):
                if digest.is_empty:
                    continue
                users_with_news += 1
                counts = {name: n for name, n in digest.counts().items() if n}
                for name, n in counts.items():
                    totals[name] = totals.get(name, 0) + n
                detail = ", ".join(f"{n} {name}" for name, n in counts.items())
                self.stdout.write(f"{digest.user.email}: {detail}")
        summary = ", ".join(f"{n} {name}" for name, n in totals.items()) or "nothing"
        self.stdout.write(
            f"Dry run, nothing written nor sent. The {what} would go to {users_with_news} of "
            f"{len(user_ids)} people ({summary}); the others have nothing to tell."
        )
