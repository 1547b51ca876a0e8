"""The "Administrateurs" group exists from the start, so an administrator is made by
adding someone to it in the admin (communities.signals then makes them staff)."""

from django.db import migrations

ADMINISTRATORS_GROUP = "Administrateurs"  # cdp_portal.accounts.permissions.ADMINISTRATORS_GROUP


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=ADMINISTRATORS_GROUP)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("communities", "0004_profile_notification_email"),
    ]

    # Going back leaves the group: people may have been put in it since.
    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
