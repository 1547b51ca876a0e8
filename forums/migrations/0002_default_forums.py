"""Give every existing community its default forums ("Général", "Appels à tous").

New communities get them from `forums.signals`; this covers those created before the
forums existed. Reversing leaves the forums alone (they may hold discussions by then)."""

from django.db import migrations

DEFAULT_FORUMS = (
    ("general", "Général", "Les échanges de la communauté."),
    (
        "appels-a-tous",
        "Appels à tous",
        "Demandez de l'aide : les membres dont l'expertise correspond sont prévenus.",
    ),
)


def create_default_forums(apps, schema_editor):
    Community = apps.get_model("communities", "Community")
    Forum = apps.get_model("forums", "Forum")
    existing = set(Forum.objects.values_list("community_id", "slug"))
    Forum.objects.bulk_create(
        [
            Forum(community_id=community_id, slug=slug, name=name, description=description,
                  position=position)
            for community_id in Community.objects.values_list("pk", flat=True)
            for position, (slug, name, description) in enumerate(DEFAULT_FORUMS)
            if (community_id, slug) not in existing
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("forums", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_default_forums, migrations.RunPython.noop),
    ]
