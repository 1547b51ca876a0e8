"""Admin access follows the animator role and the "Administrateurs" group, whatever way
they change.

The services keep access in step when roles change or people leave; a membership (or a
whole community) deleted in the admin goes around them, so its animators' staff flag and
"Animateurs" group are reconsidered once the deletion commits. Putting someone in the
"Administrateurs" group (or taking them out) in the admin sets their staff flag, without
which Django would not let them in. Connected in `CommunitiesConfig.ready()`.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete
from django.dispatch import Signal, receiver

from .models import ADMINISTRATORS_GROUP, Membership, Role

# Memberships written in bulk (no save signals), sent with `user_ids`: what depends on who
# belongs where (the forums' stored unread counts) is reconsidered for those people.
memberships_changed = Signal()


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


def _administrators_group_pk() -> int | None:
    return Group.objects.filter(name=ADMINISTRATORS_GROUP).values_list("pk", flat=True).first()


@receiver(m2m_changed, dispatch_uid="communities_staff_follows_administrators_group")
def staff_follows_administrators_group(
    sender, instance, action: str, reverse: bool, pk_set, **kwargs
) -> None:
    from cdp_portal.accounts.models import User

    from .services import animator_access_sync

    if sender is not User.groups.through or action not in ("post_add", "post_remove"):
        return
    group_pk = _administrators_group_pk()
    if reverse:  # group.user_set.add(...): the instance is the group
        if instance.pk != group_pk:
            return
        users = list(User.objects.filter(pk__in=pk_set))
    else:  # user.groups.add(...)
        if group_pk not in (pk_set or ()):
            return
        users = [instance]
    for user in users:
        user.__dict__.pop("_portal_admin_cache", None)  # is_portal_admin remembers
        animator_access_sync(user=user)
