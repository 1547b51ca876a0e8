"""The library's counts (issue 14): the title as the trigram index compares it and the tag
ids in the resource's row, and the counts per community, state, kind, language and tag
(`ResourceCount`) with what each resource counted as (`CountedResource`).

The two columns have database defaults (nodes of the previous release insert rows without
them) and stay in the row: `toast_tuple_target = 128` (0001) would move them out of line,
and a search reads them for every match. Filled by 0006.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

KEEP_IN_ROW = """
ALTER TABLE resources_resource
    ALTER COLUMN title_folded SET STORAGE PLAIN,
    ALTER COLUMN tag_ids SET STORAGE PLAIN;
"""
OUT_OF_ROW = """
ALTER TABLE resources_resource
    ALTER COLUMN title_folded SET STORAGE EXTENDED,
    ALTER COLUMN tag_ids SET STORAGE EXTENDED;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('communities', '0008_readiness_leaves_for_its_own_app'),
        ('resources', '0004_resource_submission_token'),
    ]

    operations = [
        migrations.AddField(
            model_name='resource',
            name='tag_ids',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), blank=True, db_default=models.Value([], output_field=django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), size=None)), editable=False, size=None),
        ),
        migrations.AddField(
            model_name='resource',
            name='title_folded',
            field=models.TextField(blank=True, db_default='', editable=False),
        ),
        migrations.RunSQL(KEEP_IN_ROW, OUT_OF_ROW),
        migrations.CreateModel(
            name='CountedResource',
            fields=[
                ('resource', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='resources.resource')),
                ('community_id', models.BigIntegerField(blank=True, null=True)),
                ('is_hidden', models.BooleanField()),
                ('kind', models.CharField(max_length=20)),
                ('language', models.CharField(max_length=2)),
                ('tag_ids', django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), blank=True, default=list, size=None)),
            ],
            options={
                'verbose_name': 'ressource décomptée',
                'verbose_name_plural': 'ressources décomptées',
            },
        ),
        migrations.CreateModel(
            name='ResourceCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('is_hidden', models.BooleanField()),
                ('kind', models.CharField(blank=True, max_length=20)),
                ('language', models.CharField(blank=True, max_length=2)),
                ('tag_id', models.IntegerField(blank=True, null=True)),
                ('n', models.IntegerField()),
                ('community', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='communities.community')),
            ],
            options={
                'verbose_name': 'décompte de ressources',
                'verbose_name_plural': 'décomptes de ressources',
                'indexes': [models.Index(fields=['tag_id', 'kind'], name='resources_count_tag')],
                'constraints': [
                    models.UniqueConstraint(fields=('community', 'is_hidden', 'kind', 'language', 'tag_id'), include=('n',), name='resources_count_key', nulls_distinct=False),
                ],
            },
        ),
    ]
