"""The e-mail digest's frequency on every profile: weekly by default (in the database
too, for nodes still running the previous code), none for the people who already said
they want no e-mail (`notification_email = "none"`)."""

from django.db import migrations, models


def respect_no_email(apps, schema_editor):
    Profile = apps.get_model("communities", "Profile")
    Profile.objects.filter(notification_email="none").update(digest_frequency="none")


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0011_cdp_stem"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="digest_frequency",
            field=models.CharField(
                choices=[
                    ("weekly", "Chaque semaine, le lundi"),
                    ("daily", "Chaque jour, le matin"),
                    ("none", "Jamais"),
                ],
                db_default="weekly",
                default="weekly",
                help_text=(
                    "Un seul courriel qui rassemble les nouvelles discussions et réponses de "
                    "ce que vous suivez, les ressources de vos étiquettes, les appels à l'aide "
                    "pour vos expertises et vos tâches à faire, s'il y a du nouveau. Par "
                    "défaut : chaque semaine."
                ),
                max_length=8,
                verbose_name="résumé par courriel",
            ),
        ),
        # Reversed: nothing to undo before the column goes.
        migrations.RunPython(respect_no_email, migrations.RunPython.noop, elidable=True),
    ]
