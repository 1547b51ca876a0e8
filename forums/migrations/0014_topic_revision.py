"""`Topic.revision`, moved on by PostgreSQL triggers whenever what a topic's posts show
changes, whatever writes it (the services, the admin, a bulk update, a deleted account):

- a post inserted, updated (text, state, author, topic) or deleted: its topic (both
  topics when it moves);
- a person's name or address changed (the posts show their name, or who hid them): the
  topics they wrote in or hid a post of;
- a profile created, deleted or given another handle (a post links its author's
  profile): the topics its person wrote in.

Statement-level triggers with transition tables, so a bulk insert moves each topic once
per statement rather than once per row. A topic page caches its rendered posts under the
revision (forums.views.topic_page)."""

from django.db import migrations, models

REVISE_FROM_POSTS = """
CREATE FUNCTION forums_revise_topics_of_posts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE forums_topic SET revision = revision + 1
        WHERE id IN (SELECT topic_id FROM changed_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE forums_topic SET revision = revision + 1
        WHERE id IN (SELECT topic_id FROM former_rows);
    ELSE
        UPDATE forums_topic SET revision = revision + 1
        WHERE id IN (SELECT topic_id FROM changed_rows UNION SELECT topic_id FROM former_rows);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER forums_post_inserted_revises_topic AFTER INSERT ON forums_post
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION forums_revise_topics_of_posts();
CREATE TRIGGER forums_post_updated_revises_topic AFTER UPDATE ON forums_post
    REFERENCING OLD TABLE AS former_rows NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION forums_revise_topics_of_posts();
CREATE TRIGGER forums_post_deleted_revises_topic AFTER DELETE ON forums_post
    REFERENCING OLD TABLE AS former_rows
    FOR EACH STATEMENT EXECUTE FUNCTION forums_revise_topics_of_posts();
"""

REVISE_FROM_PEOPLE = """
CREATE FUNCTION forums_revise_topics_of_people(people bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE forums_topic SET revision = revision + 1
    WHERE id IN (
        SELECT topic_id FROM forums_post WHERE author_id = ANY(people)
        UNION
        SELECT topic_id FROM forums_post WHERE hidden_by_id = ANY(people)
    );
$$;

-- Accounts are updated often (signing in, the stored unread count): the posts are only
-- looked up, through their indexes, for the people whose name or address changed.
CREATE FUNCTION forums_revise_topics_of_renamed_people() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    renamed bigint[];
BEGIN
    SELECT array_agg(person.id) INTO renamed
    FROM changed_rows person JOIN former_rows former ON former.id = person.id
    WHERE (person.display_name, person.first_name, person.last_name, person.email)
        IS DISTINCT FROM (former.display_name, former.first_name, former.last_name,
                          former.email);
    IF renamed IS NOT NULL THEN
        PERFORM forums_revise_topics_of_people(renamed);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_user_renamed_revises_topics AFTER UPDATE ON accounts_user
    REFERENCING OLD TABLE AS former_rows NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION forums_revise_topics_of_renamed_people();

CREATE FUNCTION forums_revise_topics_of_profiles() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    people bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(user_id) INTO people FROM changed_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(user_id) INTO people FROM former_rows;
    ELSE
        SELECT array_agg(DISTINCT person) INTO people
        FROM changed_rows profile JOIN former_rows former ON former.id = profile.id,
             LATERAL (VALUES (profile.user_id), (former.user_id)) AS concerned(person)
        WHERE (profile.handle, profile.user_id) IS DISTINCT FROM (former.handle, former.user_id);
    END IF;
    IF people IS NOT NULL THEN
        PERFORM forums_revise_topics_of_people(people);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER communities_profile_inserted_revises_topics AFTER INSERT ON communities_profile
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION forums_revise_topics_of_profiles();
CREATE TRIGGER communities_profile_updated_revises_topics AFTER UPDATE ON communities_profile
    REFERENCING OLD TABLE AS former_rows NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION forums_revise_topics_of_profiles();
CREATE TRIGGER communities_profile_deleted_revises_topics AFTER DELETE ON communities_profile
    REFERENCING OLD TABLE AS former_rows
    FOR EACH STATEMENT EXECUTE FUNCTION forums_revise_topics_of_profiles();
"""

DROP_REVISE_FROM_POSTS = """
DROP TRIGGER forums_post_inserted_revises_topic ON forums_post;
DROP TRIGGER forums_post_updated_revises_topic ON forums_post;
DROP TRIGGER forums_post_deleted_revises_topic ON forums_post;
DROP FUNCTION forums_revise_topics_of_posts();
"""

DROP_REVISE_FROM_PEOPLE = """
DROP TRIGGER accounts_user_renamed_revises_topics ON accounts_user;
DROP FUNCTION forums_revise_topics_of_renamed_people();
DROP TRIGGER communities_profile_inserted_revises_topics ON communities_profile;
DROP TRIGGER communities_profile_updated_revises_topics ON communities_profile;
DROP TRIGGER communities_profile_deleted_revises_topics ON communities_profile;
DROP FUNCTION forums_revise_topics_of_profiles();
DROP FUNCTION forums_revise_topics_of_people(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0013_post_search_indexes"),
        ("accounts", "0002_user_unread_notification_count"),
        ("communities", "0010_profile_directory_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="topic",
            name="revision",
            field=models.BigIntegerField(
                default=0, editable=False, verbose_name="révision des messages"
            ),
        ),
        migrations.RunSQL(REVISE_FROM_POSTS, DROP_REVISE_FROM_POSTS),
        migrations.RunSQL(REVISE_FROM_PEOPLE, DROP_REVISE_FROM_PEOPLE),
    ]
