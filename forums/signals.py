"""Every community starts with its forums ("Général", "Appels à tous").

A receiver rather than a call in each place that creates communities (the admin, the seed
commands, the services, the factories): whichever way a community comes to exist, it has
its forums. Connected in `ForumsConfig.ready()`.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from communities.models import Community


@receiver(post_save, sender=Community, dispatch_uid="forums_default_forums")
def create_default_forums(sender, instance: Community, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        from .services import forums_ensure_defaults

        forums_ensure_defaults(community=instance)
