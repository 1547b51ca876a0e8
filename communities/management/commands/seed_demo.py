"""`manage.py seed_demo`: the demo institution that `make run` loads.

Five communities across the phases and visibilities, forty-odd people with profiles, every
role held somewhere, a pending request and a pending invitation, and three accounts to sign
in with (password `demo-cdp-2026`). The content is in `communities/demo_data.py`.

People arrive the way the site brings them, through the services: open communities are
joined (`membership_join`); closed and private ones are entered by accepting an invitation
(`membership_accept_invitation`); roles are given with `membership_set_roles`, which also
grants the animators their admin access (`animator_access_sync`); profiles are filled in
with `profile_update`, as from /profile/edit/.

The one step taken without its service is the creation of invitations and requests:
`membership_invite` and `membership_join` (closed community) would e-mail the people
concerned, and a demo must not write to anyone. Those rows are created in the state the
services leave them in, and the services that follow (acceptance, roles) send nothing. So
seeding sends no e-mail at all, whatever the mail backend.

Idempotent: what exists is left alone (an account keeps its password, a profile its
edits, a community its description), only what is missing is created; never deletes.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cdp_portal.accounts.services import user_ensure_verified
from communities import demo_data
from communities.models import Community, Membership, Role
from communities.readiness.demo_data import seed_demo_readiness
from communities.services import (
    animator_access_sync,
    membership_accept_invitation,
    membership_join,
    membership_set_roles,
    profile_ensure,
    profile_update,
)
from forums.demo_data import seed_demo_forums
from resources.demo_data import seed_demo_resources

# Kept here too: older scripts and tests import them from the command.
DEMO_PASSWORD = demo_data.DEMO_PASSWORD
DEMO_ACCOUNTS = demo_data.DEMO_ACCOUNTS

SIGN_IN_ACCOUNTS = {demo_data.ANIMATOR_EMAIL, demo_data.MEMBER_EMAIL}


class DemoSeeder:
    """Creates what is missing of the demo institution; counts what it created."""

    def __init__(self) -> None:
        self.created: Counter[str] = Counter()
        self.users: dict[str, object] = {}
        self.account_created: dict[str, bool] = {}

    # --- People -----------------------------------------------------------------------

    def admin(self) -> None:
        user, created = user_ensure_verified(
            email=demo_data.ADMIN_EMAIL,
            display_name="Alex Admin",
            first_name="Alex",
            last_name="Admin",
            password=demo_data.DEMO_PASSWORD,
            is_superuser=True,
        )
        profile_ensure(user=user)
        self.users[user.email] = user
        self.account_created[user.email] = created
        if created:
            self.created["accounts"] += 1

    def people(self) -> None:
        for person in demo_data.PEOPLE:
            user, created = user_ensure_verified(
                email=person.email,
                display_name=person.display_name,
                first_name=person.first_name,
                last_name=person.last_name,
                password=demo_data.DEMO_PASSWORD if person.email in SIGN_IN_ACCOUNTS else None,
            )
            self.users[person.email] = user
            self.account_created[person.email] = created
            if created:
                self.created["accounts"] += 1
            self.profile(user, person)

    def profile(self, user, person: demo_data.DemoPerson) -> None:
        profile = profile_ensure(user=user)
        # A profile someone already filled in is theirs: only a blank one is completed.
        filled = any((profile.job_title, profile.unit, profile.campus, profile.bio))
        if filled or profile.expertise.exists():
            return
        profile_update(
            profile=profile,
            user_fields={},
            profile_fields={
                "job_title": person.job_title,
                "unit": person.unit,
                "campus": person.campus,
                "bio": person.bio,
                "languages": list(person.languages),
                "ask_me_about": person.ask_me_about,
            },
            expertise=list(person.expertise),
            interests=list(person.interests),
        )
        self.created["profiles completed"] += 1

    # --- Communities ------------------------------------------------------------------

    def communities(self) -> dict[str, Community]:
        communities = {}
        now = timezone.now()
        for spec in demo_data.COMMUNITIES:
            community = Community.objects.filter(slug=spec.slug).first()
            if community is None:
                community = Community.objects.create(
                    slug=spec.slug,
                    name=spec.name,
                    summary=spec.summary,
                    description=spec.description,
                    theme=spec.theme,
                    visibility=spec.visibility,
                    phase=spec.phase,
                    benefits=list(spec.benefits),
                    created_at=now - timedelta(days=spec.age_days),
                )
                self.created["communities"] += 1
            communities[spec.slug] = community
        return communities

    # --- Memberships ------------------------------------------------------------------

    def _animator_of(self, community: Community):
        membership = (
            Membership.objects.active()
            .with_role(Role.ANIMATOR)
            .filter(community=community)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        return membership.user if membership else None

    def _invitation(self, community: Community, user, roles: list[str], by) -> Membership:
        """The invitation `membership_invite` would record, without its e-mail."""
        return Membership.objects.create(
            community=community,
            user=user,
            status=Membership.Status.INVITED,
            roles=roles,
            invited_by=by,
            created_at=timezone.now(),
        )

    def memberships(self, communities: dict[str, Community]) -> None:
        for slug, people in demo_data.MEMBERSHIPS.items():
            community = communities[slug]
            existing = set(
                Membership.objects.filter(community=community).values_list("user__email", flat=True)
            )
            for spec in people:
                if spec.email in existing:
                    continue
                user = self.users[spec.email]
                animator = self._animator_of(community)
                if community.is_open:
                    membership = membership_join(community=community, user=user)
                else:
                    invitation = self._invitation(community, user, [Role.MEMBER], animator)
                    membership = membership_accept_invitation(membership=invitation)
                if list(spec.roles) != [Role.MEMBER]:
                    membership_set_roles(membership=membership, roles=spec.roles, by=animator)
                if spec.hours:
                    membership.allocated_hours_per_month = spec.hours
                    membership.save(update_fields=["allocated_hours_per_month", "updated_at"])
                existing.add(spec.email)
                self.created["memberships"] += 1

    def pending(self, communities: dict[str, Community]) -> None:
        for slug, email, message in demo_data.PENDING_REQUESTS:
            community = communities[slug]
            user = self.users[email]
            if Membership.objects.filter(community=community, user=user).exists():
                continue
            # The request `membership_join` would record, without e-mailing the animators.
            Membership.objects.create(
                community=community,
                user=user,
                status=Membership.Status.REQUESTED,
                roles=[Role.MEMBER],
                request_message=message,
                created_at=timezone.now(),
            )
            self.created["pending requests"] += 1
        for slug, email, roles, inviter in demo_data.PENDING_INVITATIONS:
            community = communities[slug]
            user = self.users[email]
            if Membership.objects.filter(community=community, user=user).exists():
                continue
            self._invitation(community, user, list(roles), self.users[inviter])
            self.created["pending invitations"] += 1

    def run(self) -> None:
        self.admin()
        self.people()
        communities = self.communities()
        self.memberships(communities)
        self.pending(communities)
        # Already synced by the services above; stated once more for the account that
        # demonstrates the animators' admin (a no-op when it is right).
        animator_access_sync(user=self.users[demo_data.ANIMATOR_EMAIL])


class Command(BaseCommand):
    help = (
        "Creates the demo institution (idempotent, never deletes): five communities, "
        "about forty people with profiles and memberships, and demo accounts with the "
        f"password '{DEMO_PASSWORD}'. Sends no e-mail. Refuses to run with "
        "DJANGO_DEBUG=0 unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with production settings (DJANGO_DEBUG=0).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a public password: it refuses to run with "
                "DJANGO_DEBUG=0. Pass --force if you really mean it."
            )
        seeder = DemoSeeder()
        with transaction.atomic():
            seeder.run()
            resources = seed_demo_resources()
            if resources:
                seeder.created["resources"] += resources
            topics = seed_demo_forums()
            if topics:
                seeder.created["topics"] += topics
            # Last: its checklists read the forums and the library seeded above.
            for what, count in seed_demo_readiness().items():
                if count:
                    seeder.created[what] += count
        if seeder.created:
            summary = ", ".join(f"{count} {what}" for what, count in seeder.created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo institution ready: created {summary}."))
        else:
            self.stdout.write(
                self.style.SUCCESS("Demo institution already complete: nothing was changed.")
            )
        self.stdout.write(f"Demo accounts (password: {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            state = "created" if seeder.account_created[account["email"]] else "already there"
            self.stdout.write(f"  {account['email']:<28} {account['role']:<22} ({state})")
