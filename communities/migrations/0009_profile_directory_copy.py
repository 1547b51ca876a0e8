"""What the directory reads of a profile's person and expertise, copied onto the profile
(`communities.models.profile_directory_columns`): `search_text`, each person's names,
unit, job title and expertise tag names, lower case without accents, in one column that
a trigram index serves, and `sort_name`, the name people see, lower case, for the
alphabetical order. Their indexes come in 0010.

Added with a database default, so that nodes still running the previous code keep
creating profiles during a rolling deploy, then filled in batches of profiles, each in
its own transaction (hence `atomic = False`): no long lock on the table. The SQL gives
what `profile_directory_columns` gives (tests/communities/test_directory_copy.py checks
it). A profile created or edited by a node still running the previous code keeps an
empty or outdated copy: run `manage.py refresh_profile_directory` once every node runs
the new code.

`cdp_unaccent` comes from resources/0001_initial."""

from django.conf import settings
from django.db import migrations, models, transaction

BATCH = 2000

FILL_SQL = """
UPDATE communities_profile p
SET search_text = cdp_unaccent(lower(concat_ws(
        ' ',
        concat_ws(' ', u.display_name, u.first_name, u.last_name),
        p.unit,
        p.job_title,
        (SELECT string_agg(t.name, ' ' ORDER BY t.name)
         FROM communities_taggedexpertise e JOIN taggit_tag t ON t.id = e.tag_id
         WHERE e.content_object_id = p.id)
    ))),
    sort_name = lower(coalesce(
        nullif(u.display_name, ''),
        nullif(trim(u.first_name || ' ' || u.last_name), ''),
        u.email
    ))
FROM accounts_user u
WHERE u.id = p.user_id AND p.id >= %s AND p.id < %s
"""


def fill(apps, schema_editor) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM communities_profile")
        first, last = cursor.fetchone()
    if first is None:
        return
    for start in range(first, last + 1, BATCH):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(FILL_SQL, [start, start + BATCH])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("communities", "0008_readiness_leaves_for_its_own_app"),
        ("resources", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="search_text",
            field=models.TextField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                verbose_name="texte de recherche",
            ),
        ),
        migrations.AddField(
            model_name="profile",
            name="sort_name",
            field=models.TextField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                verbose_name="nom pour le tri",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
