"""Admin access follows the animator role and the "Administrateurs" group, and a profile's
search text its person's names, unit, job title and expertise, whatever way they change.

The services keep access in step when roles change or people leave; a membership (or a
whole community) deleted in the admin goes around them, so its animators' staff flag and
"Animateurs" group are reconsidered once the deletion commits. Putting someone in the
"Administrateurs" group (or taking them out) in the admin sets their staff flag, without
which Django would not let them in.

The directory searches and sorts a denormalised copy of those fields (and of the e-mail
address, the last resort of the name shown): `Profile.search_text` and `sort_name`. They
are written by the services, but also by allauth and the accounts app (names, e-mail,
from a layer that cannot know profiles), the admin's forms and taggit's managers: saving
one of those objects recomputes the copy of the profiles it touches
(`services.profile_directory_refresh`, one UPDATE), in the same transaction.
Bulk writes send no signal: `import_members` and `generate_scale_data` call it
themselves. A sign-in through the institution's identity provider refreshes the profile
from what it sent (`profile_from_identity_provider`). Connected in
`CommunitiesConfig.ready()`.
"""

from __future__ import annotations

from allauth.account.signals import user_logged_in
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import Signal, receiver
from taggit.models import Tag

from cdp_portal.accounts.models import User
from cdp_portal.accounts.sso import idp_profile, remember_profile_synced

from .models import ADMINISTRATORS_GROUP, Membership, Profile, Role, TaggedExpertise

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


# --- The directory's copy of names, unit, job title and expertise ----------------------

USER_COPIED_FIELDS = frozenset({"display_name", "first_name", "last_name", "email"})
PROFILE_COPIED_FIELDS = frozenset({"unit", "job_title"})


def _refresh(profiles) -> None:
    from .services import profile_directory_refresh

    profile_directory_refresh(profiles)


def _touches(update_fields, copied: frozenset[str]) -> bool:
    """Whether a save may have changed a copied field: a save of named fields (the last
    login at each sign-in, say) that names none of them did not."""
    return update_fields is None or not copied.isdisjoint(update_fields)


@receiver(post_save, sender=User, dispatch_uid="communities_directory_after_user_save")
def directory_after_user_save(sender, instance, created: bool, update_fields, **kwargs) -> None:
    # A new account has no profile yet: `profile_ensure` creates it, which lands below.
    if not created and _touches(update_fields, USER_COPIED_FIELDS):
        _refresh(Profile.objects.filter(user=instance))


@receiver(post_save, sender=Profile, dispatch_uid="communities_directory_after_profile_save")
def directory_after_profile_save(sender, instance, created: bool, update_fields, **kwargs) -> None:
    if created or _touches(update_fields, PROFILE_COPIED_FIELDS):
        _refresh(Profile.objects.filter(pk=instance.pk))


@receiver(m2m_changed, sender=TaggedExpertise, dispatch_uid="communities_directory_after_expertise")
def directory_after_expertise_change(sender, instance, action: str, **kwargs) -> None:
    """taggit's `profile.expertise` manager: add, remove, set, clear (the admin's form too;
    taggit gives tags no manager of the profiles holding them)."""
    if action in ("post_add", "post_remove", "post_clear"):
        _refresh(Profile.objects.filter(pk=instance.pk))


def _experts(tag: Tag):
    return Profile.objects.filter(
        Exists(TaggedExpertise.objects.filter(content_object=OuterRef("pk"), tag=tag))
    )


@receiver(post_save, sender=Tag, dispatch_uid="communities_directory_after_tag_save")
def directory_after_tag_save(sender, instance: Tag, created: bool, update_fields, **kwargs):
    """A tag renamed (the admin's tag page): the profiles holding it as an expertise."""
    if not created and _touches(update_fields, frozenset({"name"})):
        _refresh(_experts(instance))


@receiver(pre_delete, sender=Tag, dispatch_uid="communities_directory_before_tag_delete")
def directory_before_tag_delete(sender, instance: Tag, **kwargs) -> None:
    # Its expertise rows go with it (CASCADE): remember whose they were.
    instance._directory_profiles = list(_experts(instance).values_list("pk", flat=True))


@receiver(post_delete, sender=Tag, dispatch_uid="communities_directory_after_tag_delete")
def directory_after_tag_delete(sender, instance: Tag, **kwargs) -> None:
    _refresh(Profile.objects.filter(pk__in=getattr(instance, "_directory_profiles", [])))


@receiver(user_logged_in, dispatch_uid="communities_profile_from_identity_provider")
def profile_from_identity_provider(sender, request, user, sociallogin=None, **kwargs) -> None:
    """A sign-in through the institution's identity provider (the first one included,
    which creates the account) refreshes the profile from what the provider sent
    (cdp_portal.accounts.sso); the social account keeps what the refresh was made from."""
    if sociallogin is None:
        return
    from .services import profile_refresh_from_identity_provider

    sent, synced = idp_profile(sociallogin)
    remember_profile_synced(
        sociallogin,
        profile_refresh_from_identity_provider(user=user, sent=sent, synced=synced),
    )
