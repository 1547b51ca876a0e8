"""`Topic.tag_ids`: the ids of a topic's tags, kept by the triggers that already move its
revision when its tags change (migration 0015), so that whatever writes TaggedTopic (the
services, taggit's manager, the admin, a tag deleted or merged) keeps it exact. The calls
for someone's expertise then come from one index lookup (migration 0021) instead of a
walk through every open call: at 500,000 posts, 2,627 calls checked one by one (9 ms)
for a member whose expertise no call carried.

The column has a database default, so that nodes still running the former code during a
rolling deploy insert topics as before (README, "Migrations during a rolling deploy")."""

import django.contrib.postgres.fields
from django.db import migrations, models

KEEP_TAG_IDS = """
CREATE FUNCTION forums_retag_topics(topic_ids bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE forums_topic topic SET
        revision = topic.revision + 1,
        tag_ids = ARRAY(
            SELECT tagged.tag_id FROM forums_taggedtopic tagged
            WHERE tagged.content_object_id = topic.id ORDER BY tagged.tag_id
        )
    WHERE topic.id = ANY (topic_ids);
$$;
CREATE OR REPLACE FUNCTION forums_revise_topics_of_tagged_items() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM forums_retag_topics(ARRAY(SELECT content_object_id FROM changed_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM forums_retag_topics(ARRAY(SELECT content_object_id FROM former_rows));
    ELSE
        PERFORM forums_retag_topics(ARRAY(
            SELECT content_object_id FROM changed_rows
            UNION SELECT content_object_id FROM former_rows
        ));
    END IF;
    RETURN NULL;
END
$$;
-- A tagging moved to another tag or topic (tags merged by hand, say).
CREATE TRIGGER forums_taggedtopic_updated_revises_topic AFTER UPDATE ON forums_taggedtopic
    REFERENCING OLD TABLE AS former_rows NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION forums_revise_topics_of_tagged_items();

UPDATE forums_topic topic SET tag_ids = ARRAY(
    SELECT tagged.tag_id FROM forums_taggedtopic tagged
    WHERE tagged.content_object_id = topic.id ORDER BY tagged.tag_id
)
WHERE EXISTS (SELECT 1 FROM forums_taggedtopic tagged WHERE tagged.content_object_id = topic.id);
"""

# The function as migration 0015 left it.
REVISION_ONLY = """
DROP TRIGGER forums_taggedtopic_updated_revises_topic ON forums_taggedtopic;
CREATE OR REPLACE FUNCTION forums_revise_topics_of_tagged_items() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE forums_topic SET revision = revision + 1
        WHERE id IN (SELECT content_object_id FROM changed_rows);
    ELSE
        UPDATE forums_topic SET revision = revision + 1
        WHERE id IN (SELECT content_object_id FROM former_rows);
    END IF;
    RETURN NULL;
END
$$;
DROP FUNCTION forums_retag_topics(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0019_calls_figures_from_the_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="topic",
            name="tag_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.IntegerField(),
                db_default=models.Value([]),
                default=list,
                editable=False,
                size=None,
            ),
        ),
        migrations.RunSQL(KEEP_TAG_IDS, REVISION_ONLY),
    ]
