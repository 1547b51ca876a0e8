"""Business actions on communities and memberships.

Each function is one transaction; views, admin actions and management commands call these
rather than writing models themselves, so e-mail, admin access and history stay consistent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from taggit.models import Tag

from cdp_portal.accounts.types import User
from cdp_portal.core.tags import clean_tag_names
from cdp_portal.outbox.mailing import absolute_url, send_to_people

from .models import (
    ANIMATORS_GROUP,
    Community,
    Membership,
    Profile,
    Role,
    Visibility,
    is_portal_admin,
    profile_directory_columns,
)
from .permissions import (
    accepts_new_members,
    can_grant_sponsor,
    can_manage_members,
    forget_membership,
)
from .tasks import APPROVED, INVITED, REFUSED, REQUESTED, send_membership_email

# Model permissions the "Animateurs" group carries into the admin. The admin mixin then
# narrows every queryset to the communities the person animates. Later apps add theirs.
ANIMATOR_PERMISSIONS: list[str] = [
    "communities.view_community",
    "communities.change_community",
    "communities.view_membership",
    "communities.change_membership",
    "communities.view_profile",
]


def grant_animator_permissions(permissions: Iterable[str]) -> None:
    """Add an app's model permissions to those of the "Animateurs" group (from the app's
    `ready()`, which may run more than once in tests)."""
    for permission in permissions:
        if permission not in ANIMATOR_PERMISSIONS:
            ANIMATOR_PERMISSIONS.append(permission)


# --- Profiles -----------------------------------------------------------------------


def _handle_stem(user: User) -> str:
    """The handle a person's names give: their display name, else first and last name,
    else the local part of their e-mail address, slugified."""
    base = user.display_name or f"{user.first_name} {user.last_name}".strip()
    return slugify(base or user.email.split("@")[0])[:60] or "membre"


def _handles_taken(stems: set[str]) -> set[str]:
    """Handles in use among those `profile_handles_for` would try for these stems: the
    stem itself and "stem-N" (one query whatever the number of stems)."""
    if not stems:
        return set()
    base = Func(F("handle"), Value(r"-\d+$"), Value(""), function="regexp_replace")
    return set(
        Profile.objects.annotate(base=base)
        .filter(Q(handle__in=stems) | Q(base__in=stems))
        .values_list("handle", flat=True)
    )


def profile_handles_for(users: Sequence[User]) -> list[str]:
    """A unique handle for each of these people (who have no profile yet), in order: the
    stem of their names, then "stem-2", "stem-3"… past those taken, by existing profiles
    or by someone earlier in the list. The one rule for every path that creates profiles
    (sign-in, invitation, import, scale data)."""
    stems = [_handle_stem(user) for user in users]
    taken = _handles_taken(set(stems))
    handles = []
    for stem in stems:
        handle, suffix = stem, 1
        while handle in taken:
            suffix += 1
            handle = f"{stem}-{suffix}"
        taken.add(handle)
        handles.append(handle)
    return handles


@transaction.atomic
def profile_ensure(*, user: User) -> Profile:
    """Every person has a profile (and so a handle) from their first sign-in on."""
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        profile = Profile.objects.create(user=user, handle=profile_handles_for([user])[0])
    return profile


# The profile fields an identity provider fills (cdp_portal.accounts.sso.PROFILE_FIELDS).
IDENTITY_PROVIDER_FIELDS = ("job_title", "unit", "campus")


@transaction.atomic
def profile_refresh_from_identity_provider(
    *, user: User, sent: Mapping[str, str], synced: Mapping[str, str] | None
) -> dict[str, str]:
    """At each sign-in through the institution's identity provider: the person's profile
    (created at the first, as for a password sign-up) takes the unit, campus and job title
    the provider `sent`, except where the person edited them on the portal, that is where
    the profile no longer holds what the provider had sent last time (`synced`; None
    before the first time, when only empty fields are filled: an account linked to the
    provider keeps what its person wrote). A field the provider did not send is left
    alone. Returns what to remember as `synced` for the next sign-in."""
    profile = profile_ensure(user=user)
    remembered = dict(synced or {})
    changed = []
    for name in IDENTITY_PROVIDER_FIELDS:
        if name not in sent:
            continue
        field = Profile._meta.get_field(name)
        assert isinstance(field, models.CharField)
        value = sent[name][: field.max_length]
        current = getattr(profile, name)
        untouched = current == remembered[name] if name in remembered else current == ""
        if untouched and current != value:
            setattr(profile, name, value)
            changed.append(name)
        remembered[name] = value
    if changed:
        # save(), not update(): the directory's copy follows (signals.py).
        profile.save(update_fields=changed)
    return remembered


def profile_directory_refresh(profiles: QuerySet[Profile]) -> int:
    """Recompute what the directory copies onto these profiles (`search_text`,
    `sort_name`: `models.profile_directory_columns`) from their person's names and
    e-mail, unit, job title and expertise, in one set-based UPDATE; returns how many
    profiles it wrote. Every write of those fields ends here: through the signals of
    `signals.py` for single objects (the services, the admin, allauth, taggit's
    managers), by a direct call from the bulk paths (`import_members`,
    `generate_scale_data`) and `manage.py refresh_profile_directory`."""
    return profiles.order_by().update(**profile_directory_columns())


# What a person may change about themselves from /profile/edit/: never the e-mail, the
# handle (bookmarks rely on it), flags or permissions.
PROFILE_USER_FIELDS = frozenset({"display_name", "first_name", "last_name"})
PROFILE_FIELDS = frozenset(
    {
        "job_title",
        "unit",
        "campus",
        "bio",
        "phone",
        "languages",
        "show_email",
        "show_phone",
        "ask_me_about",
        "accepts_messages",
        "notification_email",
        "digest_frequency",
    }
)


def _tags_for(names: Iterable[str]) -> list[Tag | str]:
    """Existing tags matched case-insensitively ("Moodle" reuses "moodle"), new names as
    strings for taggit to create. Duplicates are dropped, first spelling wins; a name that
    breaks the portal's tag rule raises ValidationError (`cdp_portal.core.tags`)."""
    wanted = {name.lower(): name for name in clean_tag_names(names)}
    if not wanted:
        return []
    existing: dict[str, Tag] = {}
    matches = Tag.objects.annotate(lowered=Lower("name")).filter(lowered__in=list(wanted))
    for tag in matches.order_by("pk"):
        existing.setdefault(tag.name.lower(), tag)
    return [existing.get(key, name) for key, name in wanted.items()]


@transaction.atomic
def profile_update(
    *,
    profile: Profile,
    user_fields: dict,
    profile_fields: dict,
    expertise: list[str],
    interests: list[str],
) -> Profile:
    """Save what a person changed on their own profile: names on the account, the
    profile's fields, and their expertise and interest tags (replaced, not added)."""
    unknown = (set(user_fields) - PROFILE_USER_FIELDS) | (set(profile_fields) - PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable from a profile: {sorted(unknown)}")
    user = profile.user
    if user_fields:
        for name, value in user_fields.items():
            setattr(user, name, value)
        user.save(update_fields=sorted(user_fields))
    for name, value in profile_fields.items():
        setattr(profile, name, value)
    profile.save()
    profile.expertise.set(_tags_for(expertise))
    profile.interests.set(_tags_for(interests))
    return profile


@transaction.atomic
def profile_follow_tag(*, profile: Profile, tag: Tag, follow: bool) -> None:
    """Following a tag is having it among one's interests: the tag page lists the person
    as interested, new discussions carrying it notify them, new resources carrying it
    show on their dashboard."""
    if follow:
        profile.interests.add(tag)
    else:
        profile.interests.remove(tag)


# --- Accounts created on someone's behalf ---------------------------------------------


def set_password_url(user: User) -> str:
    """A one-time link to allauth's "choose a new password" page for this account."""
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )
    return absolute_url(path)


@transaction.atomic
def account_invite(
    *,
    email: str,
    display_name: str = "",
    invited_by: User | None = None,
    send_email: bool = True,
    **fields: Any,
) -> tuple[User, bool]:
    """Find or create the account for an address. New accounts get a verified address (the
    inviter vouches for it) and no usable password: the invitation links to set one."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User(email=email, display_name=display_name, **fields)
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    profile_ensure(user=user)
    if send_email:
        send_to_people(
            "communities/email/account_invitation",
            {"user": user, "invited_by": invited_by, "set_password_url": set_password_url(user)},
            [email],
        )
    return user, True


# --- Animator admin access ------------------------------------------------------------


def animators_group() -> Group:
    group, _created = Group.objects.get_or_create(name=ANIMATORS_GROUP)
    wanted = set(ANIMATOR_PERMISSIONS)
    current = {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }
    if current != wanted:
        permissions = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in (name.split(".", 1) for name in sorted(wanted))
        ]
        group.permissions.set(permissions)
    return group


def sync_admin_access(users: Iterable[User]) -> set[int]:
    """Give admin access (staff flag, "Animateurs" group) to whoever animates a community,
    and take it back when their last animator role goes; superusers and administrators
    keep their staff flag. The one rule for one person (the services) and for thousands
    (import, scale data): a few statements whatever the number. The user objects passed
    get their new staff flag. Returns the pks of those who animate."""
    users = list(users)
    if not users:
        return set()
    pks = {user.pk for user in users}
    animators = set(
        Membership.objects.filter(
            user__in=pks, status=Membership.Status.ACTIVE, roles__contains=[Role.ANIMATOR]
        ).values_list("user_id", flat=True)
    )
    group = animators_group()
    in_group = set(group.user_set.filter(pk__in=pks).values_list("pk", flat=True))
    if animators - in_group:
        group.user_set.add(*sorted(animators - in_group))
    if in_group - animators:
        group.user_set.remove(*sorted(in_group - animators))
    changed: dict[bool, list] = {True: [], False: []}
    for user in users:
        staff = user.pk in animators or user.is_superuser or is_portal_admin(user)
        if user.is_staff != staff:
            user.is_staff = staff
            changed[staff].append(user.pk)
    for staff, changed_pks in changed.items():
        if changed_pks:
            User.objects.filter(pk__in=changed_pks).update(is_staff=staff)
    return animators


def animator_access_sync(*, user: User) -> bool:
    """`sync_admin_access` for one person. Returns whether they animate."""
    return user.pk in sync_admin_access([user])


def sponsors_from_roles(holders: Mapping[Community, User | int | None]) -> list[Community]:
    """The sponsor role makes its holder the community's sponsor when it has none yet
    (`holders`: a community and the person who holds or was just given the role). The
    one rule for the services, the import and the scale data; returns the communities
    whose sponsor was named."""
    now = timezone.now()
    named = []
    for community, user in holders.items():
        if user is not None and community.sponsor_id is None:
            if isinstance(user, User):
                community.sponsor = user
            else:
                community.sponsor_id = user
            community.updated_at = now
            named.append(community)
    Community.objects.bulk_update(named, ["sponsor", "updated_at"], batch_size=1000)
    return named


# --- Memberships ----------------------------------------------------------------------


def _clean_roles(roles: Iterable[str]) -> list[str]:
    valid = set(Role.values)
    cleaned = []
    for role in roles:
        if role not in valid:
            raise ValidationError(_("Rôle inconnu : %(role)s") % {"role": role})
        if role not in cleaned:
            cleaned.append(role)
    return cleaned or [Role.MEMBER]


def _email_after_commit(event: str, membership: Membership, **details: Any) -> None:
    """The e-mail a membership decision calls for (`communities.tasks`), handed to the task
    queue once the decision commits, as notifications are: rendering and sending it is
    never part of the decision. robust: a queue that cannot take it logs the failure and
    leaves the committed decision alone."""
    membership_id = membership.pk
    transaction.on_commit(
        lambda: send_membership_email.enqueue(event, membership_id, **details), robust=True
    )


def _mark_left(membership: Membership) -> None:
    """The membership ends but stays, as history (nothing about a person is deleted)."""
    membership.status = Membership.Status.LEFT
    membership.left_at = timezone.now()
    membership.save()
    forget_membership(membership.user, membership.community)


def _activate(membership: Membership, roles: list[str] | None = None) -> None:
    membership.status = Membership.Status.ACTIVE
    membership.joined_at = timezone.now()
    membership.left_at = None
    if roles is not None:
        membership.roles = roles
    if not membership.roles:
        membership.roles = [Role.MEMBER]


def _require_member_manager(community: Community, by: User | None) -> None:
    """Every service that acts on someone else's membership checks its `by` here, so the
    site, the admin and the commands cannot disagree on who may do it. `by` None is the
    portal itself (commands, seed files, imports run by an administrator)."""
    if by is not None and not can_manage_members(by, community):
        raise PermissionDenied(
            _(
                "Seules les personnes qui animent cette communauté, et les administrateurs, "
                "gèrent ses membres."
            )
        )


def _require_roles_changer(membership: Membership, roles: list[str], by: User | None) -> None:
    """Changing roles is the animators' job, with one exception the sponsor rule makes:
    the current sponsor may hand their role over (give the sponsor role and change
    nothing else) without animating the community."""
    hands_over_sponsor = set(roles) ^ set(membership.roles) == {Role.SPONSOR} and (
        Role.SPONSOR in roles
    )
    if hands_over_sponsor and can_grant_sponsor(by, membership.community):
        return
    _require_member_manager(membership.community, by)


def _require_accepts_members(community: Community) -> None:
    if not accepts_new_members(community):
        raise PermissionDenied(
            _("Cette communauté est archivée : elle n'accueille plus de nouveaux membres.")
        )


@transaction.atomic
def membership_join(*, community: Community, user: User, message: str = "") -> Membership:
    """Join an open community at once, ask to join a closed one. Private communities are
    by invitation only."""
    _require_accepts_members(community)
    if community.visibility == Visibility.PRIVATE:
        raise PermissionDenied(_("Cette communauté est accessible sur invitation seulement."))
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership is not None and membership.status in (
        Membership.Status.ACTIVE,
        Membership.Status.REQUESTED,
    ):
        return membership
    if membership is not None and membership.status == Membership.Status.INVITED:
        # Joining when invited accepts the invitation, with the roles it offered (and the
        # admin access an animator role brings).
        return membership_accept_invitation(membership=membership)
    if membership is None:
        membership = Membership(community=community, user=user, roles=[Role.MEMBER])
    if community.is_open:
        _activate(membership)
    else:
        membership.status = Membership.Status.REQUESTED
        membership.request_message = message
        membership.created_at = timezone.now()
    membership.save()
    if membership.status == Membership.Status.REQUESTED:
        _email_after_commit(REQUESTED, membership)
    profile_ensure(user=user)
    forget_membership(user, community)
    return membership


@transaction.atomic
def membership_withdraw_request(*, membership: Membership) -> Membership:
    """The person no longer wants to join: their pending request leaves the animators'
    list (the membership is kept as "left", like any past membership)."""
    if membership.status != Membership.Status.REQUESTED:
        raise ValidationError(_("Aucune demande d'adhésion en attente."))
    _mark_left(membership)
    return membership


@transaction.atomic
def membership_cancel_invitation(*, membership: Membership, by: User | None) -> Membership:
    """An animator takes back an invitation not answered yet (the account it may have
    opened stays: it is the person's)."""
    _require_member_manager(membership.community, by)
    if membership.status != Membership.Status.INVITED:
        raise ValidationError(_("Aucune invitation en attente."))
    _mark_left(membership)
    return membership


@transaction.atomic
def membership_approve(*, membership: Membership, by: User | None) -> Membership:
    _require_member_manager(membership.community, by)
    if membership.status != Membership.Status.REQUESTED:
        raise ValidationError(_("Cette demande a déjà été traitée."))
    _require_accepts_members(membership.community)
    _activate(membership)
    membership.decided_by = by
    membership.save()
    forget_membership(membership.user, membership.community)
    _email_after_commit(APPROVED, membership)
    return membership


@transaction.atomic
def membership_refuse(*, membership: Membership, by: User | None, reason: str = "") -> Membership:
    _require_member_manager(membership.community, by)
    if membership.status != Membership.Status.REQUESTED:
        raise ValidationError(_("Cette demande a déjà été traitée."))
    membership.status = Membership.Status.REFUSED
    membership.decided_by = by
    membership.save()
    _email_after_commit(REFUSED, membership, reason=reason)
    return membership


@transaction.atomic
def membership_invite(
    *,
    community: Community,
    email: str,
    by: User | None,
    roles: Iterable[str] = (Role.MEMBER,),
    display_name: str = "",
) -> Membership:
    """Invite a person by e-mail (their account is created if needed). They accept from
    the community page; an active member only gets the new roles."""
    _require_member_manager(community, by)
    roles = _clean_roles(roles)
    _require_accepts_members(community)
    _check_sponsor_grant(community, (), roles, by)
    # One e-mail only: the community invitation carries the set-password link.
    user, created = account_invite(
        email=email, display_name=display_name, invited_by=by, send_email=False
    )
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership is not None and membership.is_active:
        return membership_set_roles(
            membership=membership, roles=sorted(set(membership.roles) | set(roles)), by=by
        )
    if membership is None:
        membership = Membership(community=community, user=user)
    if membership.status == Membership.Status.REQUESTED:
        # Inviting someone who asked is saying yes.
        _activate(membership, roles)
        membership.decided_by = by
    else:
        membership.status = Membership.Status.INVITED
        membership.roles = roles
        membership.invited_by = by
        membership.created_at = timezone.now()
    membership.save()
    forget_membership(user, community)
    animator_access_sync(user=user)
    _email_after_commit(
        INVITED, membership, by_id=by.pk if by is not None else None, new_account=created
    )
    return membership


@transaction.atomic
def membership_accept_invitation(*, membership: Membership) -> Membership:
    if membership.status != Membership.Status.INVITED:
        raise ValidationError(_("Aucune invitation en attente."))
    _require_accepts_members(membership.community)
    _activate(membership)
    membership.save()
    forget_membership(membership.user, membership.community)
    animator_access_sync(user=membership.user)
    return membership


@transaction.atomic
def membership_decline_invitation(*, membership: Membership) -> Membership:
    if membership.status != Membership.Status.INVITED:
        raise ValidationError(_("Aucune invitation en attente."))
    _mark_left(membership)
    return membership


def _is_last_animator(membership: Membership) -> bool:
    return (
        Role.ANIMATOR in membership.roles
        and not Membership.objects.active()
        .with_role(Role.ANIMATOR)
        .filter(community=membership.community)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_leave(*, membership: Membership) -> Membership:
    """Leave a community. The last animator must hand over first, so that requests and
    moderation never go unanswered."""
    if not membership.is_active:
        raise ValidationError(_("Vous n'êtes pas membre de cette communauté."))
    if _is_last_animator(membership):
        raise ValidationError(
            _(
                "Vous êtes la dernière personne à animer cette communauté : confiez "
                "d'abord ce rôle à quelqu'un d'autre."
            )
        )
    _mark_left(membership)
    animator_access_sync(user=membership.user)
    return membership


def _check_sponsor_grant(
    community: Community, before: Iterable[str], after: list[str], by: User | None
) -> None:
    """Refuse giving the sponsor role to someone who does not hold it yet unless `by` may
    grant it (`permissions.can_grant_sponsor`)."""
    granted = Role.SPONSOR in after and Role.SPONSOR not in before
    if granted and not can_grant_sponsor(by, community):
        raise PermissionDenied(
            _(
                "Seuls les administrateurs, ou la marraine ou le parrain actuel qui passe "
                "le relais, donnent le rôle de marraine ou parrain."
            )
        )


@transaction.atomic
def membership_set_roles(
    *, membership: Membership, roles: Iterable[str], by: User | None = None
) -> Membership:
    """Change someone's roles; the animator role brings (or takes away) scoped admin
    access. A community keeps at least one animator once it has had one. Only
    administrators or the current sponsor give the sponsor role (`by` None: the portal
    itself, e.g. a seed file)."""
    roles = _clean_roles(roles)
    _require_roles_changer(membership, roles, by)
    if Role.ANIMATOR not in roles and _is_last_animator(membership):
        raise ValidationError(_("Une communauté doit garder au moins une personne à l'animation."))
    _check_sponsor_grant(membership.community, membership.roles, roles, by)
    membership.roles = roles
    membership.save(update_fields=["roles", "updated_at"])
    forget_membership(membership.user, membership.community)
    animator_access_sync(user=membership.user)
    if Role.SPONSOR in roles:
        sponsors_from_roles({membership.community: membership.user})
    return membership


@transaction.atomic
def membership_add(
    *,
    community: Community,
    user: User,
    roles: Iterable[str] = (Role.MEMBER,),
    by: User | None = None,
    allocated_hours_per_month: int | None = None,
) -> Membership:
    """Make someone an active member at once, with these roles and without any e-mail:
    what an administrator's seed file or import does. A pending invitation or request, or
    a membership that ended, becomes active with these roles; an active member's roles are
    changed through `membership_set_roles`. Admin access follows the animator role."""
    _require_member_manager(community, by)
    roles = _clean_roles(roles)
    _require_accepts_members(community)
    membership = (
        Membership.objects.select_for_update().filter(community=community, user=user).first()
    )
    if membership is not None and membership.is_active:
        membership = membership_set_roles(membership=membership, roles=roles, by=by)
    else:
        _check_sponsor_grant(community, (), roles, by)
        if membership is None:
            membership = Membership(community=community, user=user)
        elif membership.status == Membership.Status.REQUESTED:
            membership.decided_by = by
        _activate(membership, roles)
        if allocated_hours_per_month is not None:
            membership.allocated_hours_per_month = allocated_hours_per_month
        membership.save()
        forget_membership(user, community)
        animator_access_sync(user=user)
        if Role.SPONSOR in roles:
            sponsors_from_roles({community: user})
    profile_ensure(user=user)
    return membership


def membership_roles_check(
    *, membership: Membership, roles: Iterable[str], by: User | None = None
) -> list[str]:
    """The roles `membership_set_roles` would set, or its refusal as a ValidationError,
    without writing anything: forms call it to show the problem next to the field."""
    roles = _clean_roles(roles)
    try:
        _require_roles_changer(membership, roles, by)
    except PermissionDenied as refusal:
        raise ValidationError(str(refusal)) from None
    if Role.ANIMATOR not in roles and _is_last_animator(membership):
        raise ValidationError(_("Une communauté doit garder au moins une personne à l'animation."))
    try:
        _check_sponsor_grant(membership.community, membership.roles, roles, by)
    except PermissionDenied as refusal:
        raise ValidationError(str(refusal)) from None
    return roles


# --- Archiving and deleting -----------------------------------------------------------


@transaction.atomic
def community_set_archived(*, community: Community, by: User, archived: bool) -> Community:
    """Archive a community (read-only: its content stays readable by whoever could read
    it, and nothing new is written, joined or invited) or bring it back. Administrators
    only: archiving is how a community that holds content is closed, never deletion."""
    if not is_portal_admin(by):
        raise PermissionDenied(_("Seuls les administrateurs archivent une communauté."))
    if community.is_archived != archived:
        community.archived_at = timezone.now() if archived else None
        community.save(update_fields=["archived_at", "updated_at"])
    return community


def communities_only_animated_by(user: User) -> list[Community]:
    """The communities where this person is the only active animator: they would be left
    with no one to answer requests or moderate if the person went."""
    other_animator = (
        Membership.objects.active()
        .with_role(Role.ANIMATOR)
        .filter(community=OuterRef("community"))
        .exclude(user=user)
    )
    return [
        membership.community
        for membership in Membership.objects.active()
        .with_role(Role.ANIMATOR)
        .filter(user=user)
        .filter(~Exists(other_animator))
        .select_related("community")
        .order_by("community__name")
    ]


def user_delete_refusal(user: User) -> str:
    """Why this account may not be deleted now ("" when it may)."""
    alone = communities_only_animated_by(user)
    if not alone:
        return ""
    return _(
        "%(name)s est la seule personne à animer %(communities)s : confiez d'abord ce rôle "
        "à quelqu'un d'autre."
    ) % {"name": user.get_full_name(), "communities": ", ".join(c.name for c in alone)}


@transaction.atomic
def user_delete(*, user: User, by: User) -> None:
    """Delete a person's account and keep what they wrote, anonymised.

    Their topics, posts, resources and every revision stay, with no author (the pages
    show "Ancien membre·e"): those foreign keys are SET_NULL. Everything personal goes
    with the account row: e-mail addresses, profile (bio, job, unit, campus, tags),
    memberships, bookmarks, watches, notifications, two-factor devices; their sessions
    no longer resolve to anyone. Refused while they are the only animator of a community,
    which would be left with no one to answer requests or moderate."""
    if not is_portal_admin(by):
        raise PermissionDenied(_("Seuls les administrateurs suppriment un compte."))
    # Lock the person's animator memberships so that a concurrent role change cannot make
    # them the last animator between the check and the deletion.
    list(
        Membership.objects.select_for_update()
        .filter(community__in=Membership.objects.filter(user=user).values("community"))
        .with_role(Role.ANIMATOR)
        .values_list("pk", flat=True)
    )
    refusal = user_delete_refusal(user)
    if refusal:
        raise ValidationError(refusal, code="last_animator")
    user.delete()
