"""Two partial indexes for the calls for help across forums, built CONCURRENTLY (topics
are written throughout): the open calls oldest first (the /forums/calls/ page and its
count), and every call by date (how calls are answered). At 500,000 posts the page read
the whole topic table three times (68 ms)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("forums", "0015_topic_revision_follows_tags"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="topic",
            index=models.Index(
                condition=models.Q(("is_call_for_help", True), ("solved_at__isnull", True)),
                fields=["created_at", "id"],
                name="forums_open_calls_by_age",
            ),
        ),
        AddIndexConcurrently(
            model_name="topic",
            index=models.Index(
                condition=models.Q(("is_call_for_help", True)),
                fields=["created_at"],
                name="forums_calls",
            ),
        ),
    ]
