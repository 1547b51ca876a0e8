"""`cdp_stem(config, word)`: the one stem a text search configuration makes of a word
(`cdp_fr`, `cdp_en`, resources 0001), or NULL when it makes none, several, or one shorter
than three letters. IMMUTABLE, so that PostgreSQL computes it once while planning and
the directory's trigram index serves `search_text LIKE '%' || cdp_stem(…) || '%'`
("videos" finds "vidéo": its English stem is "video")."""

from django.db import migrations

CREATE = """
CREATE FUNCTION cdp_stem(config regconfig, word text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN cardinality(lexemes) = 1 AND length(lexemes[1]) >= 3 THEN lexemes[1] END
    FROM (SELECT tsvector_to_array(to_tsvector(config, word)) AS lexemes) AS parsed
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0010_profile_directory_indexes"),
        ("resources", "0001_initial"),
    ]

    operations = [migrations.RunSQL(CREATE, "DROP FUNCTION cdp_stem(regconfig, text);")]
