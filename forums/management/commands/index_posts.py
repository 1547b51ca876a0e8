"""`manage.py index_posts [--all] [--batch-size N]`.

Fills the search column of the posts that have none (`forums.services.posts_reindex`),
in batches each committed on its own. Run it once a rolling deploy that brought the
column is over: the nodes still running the previous code kept writing posts without it
after the migration had filled the others. `--all` recomputes every post's column (after
a change of `forums.search.post_search_vector`). Idempotent.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from forums.models import Post
from forums.services import posts_reindex


class Command(BaseCommand):
    help = (
        "Fills the search column of the posts that have none (or, with --all, recomputes "
        "every post's), in batches. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="Recompute every post's column, not only the missing.",
        )
        parser.add_argument(
            "--batch-size", type=int, default=10_000, help="Posts per UPDATE (default: 10000)."
        )

    def handle(self, *args, **options):
        size = options["batch_size"]
        if size < 1:
            raise CommandError("--batch-size must be a positive number.")
        todo = (
            Post.objects.all()
            if options["all"]
            else Post.objects.filter(search_vector__isnull=True)
        )
        indexed, last = 0, 0
        while True:
            # Walking the ids keeps each batch's lookup on the primary key, and never
            # returns to a batch already done.
            ids = list(todo.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
            if not ids:
                break
            indexed += posts_reindex(Post.objects.filter(pk__in=ids))
            last = ids[-1]
        self.stdout.write(f"{indexed} posts indexed.")
