"""Fills what 0005 added: `title_folded` and `tag_ids` in batches (short transactions on
the large table), the trigram index on `title_folded` built concurrently, then the
library's counts from the resources, in one transaction.

Resources written by nodes of the previous release while the deploy rolls on are not
counted: run `manage.py library_recount` once every node runs this release (README,
"Migrations during a rolling deploy").
"""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, transaction

BATCH = 5_000
FILL_ROWS = """
UPDATE resources_resource AS r SET
    title_folded = cdp_unaccent(lower(r.title)),
    tag_ids = COALESCE(
        (SELECT array_agg(t.tag_id ORDER BY t.tag_id) FROM resources_taggedresource AS t
         WHERE t.content_object_id = r.id),
        '{}'
    )
WHERE r.id >= %s AND r.id < %s
"""
# resources.services.recount from nothing: each resource, then each of its tags per kind
# and language, then each of its tags whatever the kind and language.
FILL_COUNTS = """
INSERT INTO resources_countedresource (resource_id, community_id, is_hidden, kind, language,
                                       tag_ids)
SELECT id, community_id, is_hidden, kind, language, tag_ids FROM resources_resource;
INSERT INTO resources_resourcecount (community_id, is_hidden, kind, language, tag_id, n)
SELECT community_id, is_hidden, kind, language, tag_id, COUNT(*) FROM (
    SELECT community_id, is_hidden, kind, language, NULL::integer AS tag_id
    FROM resources_countedresource
    UNION ALL
    SELECT community_id, is_hidden, kind, language, tag_id
    FROM resources_countedresource, unnest(tag_ids) AS tag_id
    UNION ALL
    SELECT community_id, is_hidden, '', '', tag_id
    FROM resources_countedresource, unnest(tag_ids) AS tag_id
) AS contributions
GROUP BY community_id, is_hidden, kind, language, tag_id;
"""
EMPTY_COUNTS = """
DELETE FROM resources_resourcecount;
DELETE FROM resources_countedresource;
"""


def fill_rows(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), -1) FROM resources_resource")
        first, last = cursor.fetchone()
        for start in range(first, last + 1, BATCH):
            cursor.execute(FILL_ROWS, [start, start + BATCH])


def fill_counts(apps, schema_editor):
    with transaction.atomic(using=schema_editor.connection.alias):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(EMPTY_COUNTS)
            cursor.execute(FILL_COUNTS)


def empty_counts(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(EMPTY_COUNTS)


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('resources', '0005_library_counts'),
    ]

    operations = [
        migrations.RunPython(fill_rows, migrations.RunPython.noop),
        AddIndexConcurrently(
            model_name='resource',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass('title_folded', name='gin_trgm_ops'), name='resources_title_folded'),
        ),
        migrations.RunPython(fill_counts, empty_counts),
    ]
