from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Accent-insensitive and typo-tolerant search (directory, library, global search)."""

    dependencies = [("communities", "0001_initial")]

    operations = [UnaccentExtension(), TrigramExtension()]
