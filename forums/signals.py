"""Every community starts with its forums ("Général", "Appels à tous").

A receiver rather than a call in each place that creates communities (the admin, the seed
commands, the services, the factories): whichever way a community comes to exist, it has
its forums. Connected in `ForumsConfig.ready()`.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from cdp_portal.accounts.models import User
from cdp_portal.accounts.permissions import ADMINISTRATORS_GROUP
from communities.models import Community, Membership
from communities.signals import memberships_changed

from .models import Forum, Topic
from .unread import forget_unread_counts, forget_unread_counts_of_topics, recount_unread


@receiver(post_save, sender=Community, dispatch_uid="forums_default_forums")
def create_default_forums(sender, instance: Community, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        from .services import forums_ensure_defaults

        forums_ensure_defaults(community=instance)


# --- The stored unread counts (forums.unread) --------------------------------------------
# What decides whether a notification counts for someone, changed outside forums.services:
# their counts are to be made again. The receivers catch every way in (services, admin,
# imports, commands), since a membership or a community can change from any of them.


@receiver(post_save, sender=Membership, dispatch_uid="forums_unread_after_membership_save")
@receiver(post_delete, sender=Membership, dispatch_uid="forums_unread_after_membership_delete")
def unread_after_membership_change(sender, instance: Membership, raw: bool = False, **kwargs):
    if not raw:
        forget_unread_counts([instance.user_id])


@receiver(memberships_changed, dispatch_uid="forums_unread_after_memberships_changed")
def unread_after_memberships_changed(sender, user_ids, **kwargs) -> None:
    forget_unread_counts(user_ids)


@receiver(post_save, sender=Community, dispatch_uid="forums_unread_after_community_save")
def unread_after_community_save(sender, instance: Community, created: bool, raw=False, **kwargs):
    if not created and not raw:
        forget_unread_counts_of_topics(Topic.objects.filter(forum__community=instance))


@receiver(post_save, sender=Forum, dispatch_uid="forums_unread_after_forum_save")
def unread_after_forum_save(sender, instance: Forum, created: bool, raw=False, **kwargs):
    if not created and not raw:
        forget_unread_counts_of_topics(Topic.objects.filter(forum=instance))


@receiver(post_save, sender=Topic, dispatch_uid="forums_unread_after_topic_save")
def unread_after_topic_save(sender, instance: Topic, created: bool, raw=False, **kwargs):
    if not created and not raw:
        forget_unread_counts_of_topics(Topic.objects.filter(pk=instance.pk))


@receiver(m2m_changed, dispatch_uid="forums_unread_after_groups_change")
def unread_after_groups_change(sender, instance, action: str, reverse: bool, pk_set, **kwargs):
    """Joining or leaving the administrators' group (who sees everything). Other groups
    (the animators' one, synced with roles) change no count."""
    if sender is not User.groups.through:
        return
    if not reverse and action in ("post_add", "post_remove", "post_clear"):
        forget_unread_counts([instance.pk])  # the person's groups (rare: the admin form)
    elif reverse and instance.name == ADMINISTRATORS_GROUP:
        if action in ("post_add", "post_remove"):  # group.user_set.add(...)
            forget_unread_counts(pk_set)
        elif action == "pre_clear":  # before the group's people are gone
            forget_unread_counts(instance.user_set.values("pk"))


@receiver(user_logged_in, dispatch_uid="forums_unread_on_sign_in")
def unread_on_sign_in(sender, request, user: User, **kwargs) -> None:
    """Counted as the person arrives (whatever was stored: a sign-in also puts right
    anything a missed change left): the pages that follow read it as stored."""
    recount_unread(user)
