"""Send every outbox message that is due; safe to run every minute from cron or a timer."""

from django.core.management.base import BaseCommand

from cdp_portal.outbox import services


class Command(BaseCommand):
    help = (
        "Send the queued e-mail that is due (retries included), after putting back in the "
        "queue what a dead worker left half done: messages claimed too long ago and "
        "django-tasks-db tasks stuck RUNNING. Then forgets sent messages older than "
        "PORTAL_EMAIL_KEEP_SENT_DAYS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=100, help="messages claimed at a time (default 100)"
        )

    def handle(self, *args, batch: int, **options):
        tasks = services.recover_stuck_tasks()
        claims = services.release_stale_claims()
        delivery = services.send_all_due(batch=max(batch, 1))
        pruned = services.prune_sent()
        self.stdout.write(
            f"sent {len(delivery.sent)}, to retry {len(delivery.retrying)}, "
            f"failed {len(delivery.failed)}; recovered {claims} stale message(s) "
            f"and {tasks} stuck task(s); forgot {pruned} old sent message(s)"
        )
