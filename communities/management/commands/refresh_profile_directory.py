"""`manage.py refresh_profile_directory`: recompute every profile's copy of what the
directory searches and sorts by (`Profile.search_text`, `sort_name`) from the names,
e-mail, unit, job title and expertise as they are now.

The portal keeps that copy current by itself (`communities.services.
profile_directory_refresh`). Run this once every node runs the code that keeps it, after
a rolling deploy that brings it (a node still running the previous code wrote profiles
without it), or after changing those fields outside the portal (SQL). In batches of
profiles, each in its own transaction: no long lock on the table. Idempotent.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from communities.models import Profile
from communities.services import profile_directory_refresh

BATCH_SIZE = 2000


class Command(BaseCommand):
    help = (
        "Recomputes every profile's copy of what the directory searches and sorts by "
        "(names, unit, job title, expertise), in batches. Idempotent."
    )

    def handle(self, *args, **options):
        ids = list(Profile.objects.order_by("pk").values_list("pk", flat=True))
        written = 0
        for start in range(0, len(ids), BATCH_SIZE):
            batch = ids[start : start + BATCH_SIZE]
            with transaction.atomic():
                written += profile_directory_refresh(Profile.objects.filter(pk__in=batch))
        self.stdout.write(f"{written} profiles refreshed.")
