"""The search column of posts (`forums.search`), nullable: adding it rewrites nothing and
the nodes still running the previous code ignore it. Filled by 0012, indexed by 0013."""

import django.contrib.postgres.search
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0010_moderation_log_resources"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
    ]
