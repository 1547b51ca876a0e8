"""The indexes of the post search, built CONCURRENTLY (posts are written throughout):
the GIN index of the search column, and the recency index through which the most recent
posts holding a common word are found (`PostQuerySet.recent_matches`)."""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("forums", "0012_post_search_vector_backfill"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="post",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="forums_post_search"
            ),
        ),
        AddIndexConcurrently(
            model_name="post",
            index=models.Index(
                models.OrderBy(models.F("created_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="forums_post_recent",
            ),
        ),
    ]
