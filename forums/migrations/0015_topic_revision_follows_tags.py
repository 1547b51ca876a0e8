"""`Topic.revision` also moves on when a topic's tags change (a tag added or removed, or
a tag renamed by an administrator), so a topic's rows and header may be cached under it
without reading the tags (migration 0014 for the posts)."""

from django.db import migrations

REVISE_FROM_TAGS = """
CREATE FUNCTION forums_revise_topics_of_tagged_items() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER forums_taggedtopic_inserted_revises_topic AFTER INSERT ON forums_taggedtopic
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION forums_revise_topics_of_tagged_items();
CREATE TRIGGER forums_taggedtopic_deleted_revises_topic AFTER DELETE ON forums_taggedtopic
    REFERENCING OLD TABLE AS former_rows
    FOR EACH STATEMENT EXECUTE FUNCTION forums_revise_topics_of_tagged_items();

-- A tag renamed: the topics carrying it (looked up only for the tags whose name or slug
-- changed).
CREATE FUNCTION forums_revise_topics_of_renamed_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE forums_topic SET revision = revision + 1
    WHERE id IN (
        SELECT tagged.content_object_id FROM forums_taggedtopic tagged
        WHERE tagged.tag_id IN (
            SELECT tag.id FROM changed_rows tag JOIN former_rows former ON former.id = tag.id
            WHERE (tag.name, tag.slug) IS DISTINCT FROM (former.name, former.slug)
        )
    );
    RETURN NULL;
END
$$;
CREATE TRIGGER taggit_tag_renamed_revises_topics AFTER UPDATE ON taggit_tag
    REFERENCING OLD TABLE AS former_rows NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION forums_revise_topics_of_renamed_tags();
"""

DROP_REVISE_FROM_TAGS = """
DROP TRIGGER forums_taggedtopic_inserted_revises_topic ON forums_taggedtopic;
DROP TRIGGER forums_taggedtopic_deleted_revises_topic ON forums_taggedtopic;
DROP FUNCTION forums_revise_topics_of_tagged_items();
DROP TRIGGER taggit_tag_renamed_revises_topics ON taggit_tag;
DROP FUNCTION forums_revise_topics_of_renamed_tags();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0014_topic_revision"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunSQL(REVISE_FROM_TAGS, DROP_REVISE_FROM_TAGS)]
