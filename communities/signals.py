"""Admin access follows the animator role, even when a membership is deleted.

The services keep access in step when roles change or people leave; a membership (or a
whole community) deleted in the admin goes around them, so its animators' staff flag and
"Animateurs" group are reconsidered once the deletion commits. Connected in
`CommunitiesConfig.ready()`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Membership, Role


@receiver(post_delete, sender=Membership, dispatch_uid="communities_animator_access_on_delete")
def animator_access_after_delete(sender, instance: Membership, **kwargs) -> None:
    if Role.ANIMATOR not in (instance.roles or []):
        return
    user_id = instance.user_id

    def sync() -> None:
        from cdp_portal.accounts.models import User

        from .services import animator_access_sync

        # The person may be the one being deleted.
        user = User.objects.filter(pk=user_id).first()
        if user is not None:
            animator_access_sync(user=user)

    transaction.on_commit(sync)
