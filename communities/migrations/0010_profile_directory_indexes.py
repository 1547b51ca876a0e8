"""The indexes of the directory's copy (0009), built concurrently: profiles stay writable
while they build (README, "Migrations during a rolling deploy"). The trigram index serves
`search_text LIKE '%word%'` for words of three letters or more (`ProfileQuerySet.search`;
`pg_trgm` comes from 0002_search_extensions); the other gives the alphabetical order
(`ordered_by_name`) without sorting every match."""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("communities", "0009_profile_directory_copy"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="profile",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_text"],
                name="communities_profile_search",
                opclasses=["gin_trgm_ops"],
            ),
        ),
        AddIndexConcurrently(
            model_name="profile",
            index=models.Index(fields=["sort_name", "id"], name="communities_profile_by_name"),
        ),
    ]
