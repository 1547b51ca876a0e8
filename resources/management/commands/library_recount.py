"""`manage.py library_recount`: the library's counts (`ResourceCount`) rebuilt from the
resources, after reindexing those written without `reindex`.

Every write path of the portal keeps the counts; run this once after a rolling deploy
that brings them (resources/0006: the previous release's nodes do not), or after writing
resources by hand. Safe at any time: the counts are locked while rebuilt.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from resources import services
from resources.models import ResourceCount


class Command(BaseCommand):
    help = "Reindex the resources written without reindex, then rebuild the library's counts."

    def handle(self, *args, **options) -> None:
        reindexed = services.reindex_stale()
        services.library_recount()
        rows = ResourceCount.objects.filter(n__gt=0).count()
        self.stdout.write(f"{reindexed} resources reindexed; {rows} counts rebuilt.")
