"""The hidden topics of a forum, by forum, built CONCURRENTLY: the animation's topic list
adds their number to the forum's counter of the others instead of counting every topic."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("forums", "0016_calls_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="topic",
            index=models.Index(
                condition=models.Q(("is_hidden", True)),
                fields=["forum"],
                name="forums_topic_hidden",
            ),
        ),
    ]
