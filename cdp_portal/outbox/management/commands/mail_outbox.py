"""List the outbox and queue failed e-mail again."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cdp_portal.outbox import services
from cdp_portal.outbox.models import OutgoingEmail


class Command(BaseCommand):
    help = (
        "List outgoing e-mail (--list [--status failed]) or queue it again "
        "(--resend ID [ID …], --resend-failed) with a fresh count of attempts."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--list", action="store_true", help="list messages, newest first")
        action.add_argument("--resend", nargs="+", type=int, metavar="ID", help="queue again")
        action.add_argument(
            "--resend-failed", action="store_true", help="queue every failed message again"
        )
        parser.add_argument(
            "--status", choices=OutgoingEmail.Status.values, help="with --list: only this status"
        )
        parser.add_argument(
            "--limit", type=int, default=50, help="with --list: at most this many (default 50)"
        )

    def handle(self, *args, **options):
        if options["list"]:
            return self.list(options["status"], options["limit"])
        if options["status"]:
            raise CommandError("--status goes with --list")
        outcome = (
            services.resend_failed()
            if options["resend_failed"]
            else services.resend(options["resend"])
        )
        if not outcome:
            self.stdout.write("No failed message to resend.")
            return
        for pk, result in outcome.items():
            if result == "queued":
                self.stdout.write(f"#{pk}: queued again")
            elif result == "missing":
                self.stderr.write(f"#{pk}: no such message")
            else:
                self.stderr.write(f"#{pk}: not resent, it is {result}")
        queued = sum(result == "queued" for result in outcome.values())
        self.stdout.write(f"{queued} message(s) queued again.")

    def list(self, status: str | None, limit: int) -> None:
        rows = OutgoingEmail.objects.order_by("-pk")
        if status:
            rows = rows.filter(status=status)
        total = rows.count()
        shown = list(rows[: max(limit, 0)])
        self.stdout.write(f"{'id':>6}  {'status':<7}  {'tries':>5}  {'created':<16}  to / subject")
        for row in shown:
            created = timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(
                f"{row.pk:>6}  {row.status:<7}  {row.attempts:>5}  {created:<16}  "
                f"{', '.join(row.to + row.cc + row.bcc)} / {row.subject}"
            )
            if row.status == OutgoingEmail.Status.QUEUED and row.attempts:
                next_at = timezone.localtime(row.next_attempt_at).strftime("%Y-%m-%d %H:%M")
                self.stdout.write(f"{'':>6}  next attempt {next_at}")
            if row.last_error and row.status != OutgoingEmail.Status.SENT:
                self.stdout.write(f"{'':>6}  last error: {row.last_error}")
        self.stdout.write(f"{len(shown)} of {total} message(s).")
