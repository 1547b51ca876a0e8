"""Tags stored before the portal's tag rule (`cdp_portal.core.tags`) with an empty slug (a name
like ">" or "🎓") broke every page linking them: give each a usable, unique slug."""

from django.db import migrations


def give_empty_slugs_one(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    for tag in Tag.objects.filter(slug="").order_by("pk"):
        slug = f"etiquette-{tag.pk}"
        suffix = 0
        while Tag.objects.filter(slug=slug).exists():
            suffix += 1
            slug = f"etiquette-{tag.pk}-{suffix}"
        tag.slug = slug
        tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0006_archive_and_protect"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(give_empty_slugs_one, migrations.RunPython.noop)]
