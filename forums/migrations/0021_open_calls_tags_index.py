"""The open calls by the tags they carry (GIN on `Topic.tag_ids`, migration 0020): the
calls for someone's expertise. Built CONCURRENTLY, topics being written meanwhile."""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("forums", "0020_topic_tag_ids"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="topic",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("is_call_for_help", True), ("solved_at__isnull", True)),
                fields=["tag_ids"],
                name="forums_open_calls_tags",
            ),
        ),
    ]
