from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_feed_token'),
    ]

    # Nobody has a conversation yet: 0 is the exact count for everyone existing. The
    # database default lets nodes on the former release insert accounts during a deploy.
    operations = [
        migrations.AddField(
            model_name='user',
            name='unread_conversation_count',
            field=models.PositiveIntegerField(blank=True, db_default=0, default=0, editable=False, null=True, verbose_name='conversations non lues'),
        ),
    ]
