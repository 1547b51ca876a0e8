"""Fill the search column of the posts written before it, in batches of BATCH ids, each
committed on its own (not one UPDATE of half a million rows in a transaction: README,
"Migrations during a rolling deploy"). About a minute per 500,000 posts.

The expression is `forums.search.post_search_vector`, written out here so that this
migration keeps doing what it did if that function changes;
tests/forums/test_post_search.py checks that both agree. Posts written by nodes still
running the previous code while the deploy goes on are indexed afterwards by
`manage.py index_posts`."""

from django.db import migrations

BATCH = 10_000
FILL = """
UPDATE forums_post
SET search_vector = to_tsvector('cdp_fr'::regconfig, COALESCE(body, ''))
                 || to_tsvector('cdp_en'::regconfig, COALESCE(body, ''))
WHERE id >= %s AND id < %s AND search_vector IS NULL
"""


def fill_search_vectors(apps, schema_editor):
    Post = apps.get_model("forums", "Post")
    last = Post.objects.order_by("-pk").values_list("pk", flat=True).first()
    if last is None:
        return
    with schema_editor.connection.cursor() as cursor:
        for start in range(1, last + 1, BATCH):
            cursor.execute(FILL, [start, start + BATCH])


class Migration(migrations.Migration):
    # Each batch commits on its own.
    atomic = False

    dependencies = [
        ("forums", "0011_post_search_vector"),
        # The text search configurations cdp_fr and cdp_en.
        ("resources", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill_search_vectors, migrations.RunPython.noop)]
