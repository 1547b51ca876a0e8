"""A GIN trigram index on discussion titles, accents and case removed, for the global
search (`forums.models.TopicQuerySet.matching`): it serves both `LIKE '%word%'` and the
trigram word similarity (`%>`) on `cdp_unaccent(lower(title))`.

Raw SQL rather than a `Meta.indexes` entry: the index belongs to the search, which lives
in `cdp_portal/search.py`; the expression must stay the one that module filters on.
`cdp_unaccent` comes from resources/0001_initial, pg_trgm from communities/0002."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0002_default_forums"),
        ("resources", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS forums_topic_title_trgm ON forums_topic "
            "USING gin (cdp_unaccent(lower(title)) gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS forums_topic_title_trgm",
        ),
    ]
