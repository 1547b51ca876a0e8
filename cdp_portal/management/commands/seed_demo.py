"""`manage.py seed_demo`: the demo institution that `make run` loads.

Five communities across the phases and visibilities, forty-odd people with profiles, every
role held somewhere, a pending request and a pending invitation, and three accounts to sign
in with (password `demo-cdp-2026`).

The people are `communities/demo/people.csv`, imported as `manage.py import_members`
imports a file (`communities.member_import`); the communities, their forums and members
are `communities/demo/communities.yaml`, seeded as `manage.py seed_communities` seeds one
(`cdp_portal.seeding`): accounts with verified addresses, profiles, memberships and roles
through the services, so the animators get their admin access. The accounts are in
`communities/demo_data.py`, the pending request and invitation in
`communities/demo/institution.yaml` (read there).

No e-mail at all, whatever the mail backend: both are called without invitations, and the
pending request and invitation are created in the state `membership_join` and
`membership_invite` leave them in, without the e-mail those services send.

Idempotent: what exists is left alone (an account keeps its password, a profile its
edits, a community its description and members), only what is missing is created; never
deletes.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cdp_portal.accounts.services import user_ensure_verified
from cdp_portal.seeding import load_seed_file, seed_communities, validate_seed
from communities import demo_data
from communities.member_import import DEMO_COLUMNS, import_members, read_member_csv
from communities.models import Community, Membership, Role
from communities.services import animator_access_sync, profile_ensure
from forums.demo_data import seed_demo_forums
from readiness.demo_data import seed_demo_readiness
from resources.demo_data import seed_demo_resources

# Kept here too: older scripts and tests import them from the command.
DEMO_PASSWORD = demo_data.DEMO_PASSWORD
DEMO_ACCOUNTS = demo_data.DEMO_ACCOUNTS

SIGN_IN_ACCOUNTS = {demo_data.ANIMATOR_EMAIL, demo_data.MEMBER_EMAIL}
# What the summary counts of the seed file's changes.
COUNTED = {"community": "communities", "membership": "memberships"}

User = get_user_model()


class DemoSeeder:
    """Creates what is missing of the demo institution; counts what it created."""

    def __init__(self) -> None:
        self.created: Counter[str] = Counter()
        self.users: dict[str, object] = {}
        self.account_created: dict[str, bool] = {}

    def _account(self, email: str, **fields) -> None:
        user, created = user_ensure_verified(email=email, **fields)
        profile_ensure(user=user)
        self.users[email] = user
        self.account_created[email] = created
        if created:
            self.created["accounts"] += 1

    def people(self) -> None:
        """The administrator, the two other sign-in accounts (with the demo password),
        then everyone of people.csv: accounts created where missing, blank profiles
        completed (a profile someone filled in is theirs)."""
        self._account(
            demo_data.ADMIN_EMAIL,
            display_name="Alex Admin",
            first_name="Alex",
            last_name="Admin",
            password=demo_data.DEMO_PASSWORD,
            is_superuser=True,
        )
        rows, errors = read_member_csv(demo_data.PEOPLE_FILE, extra_columns=DEMO_COLUMNS)
        if errors:  # pragma: no cover - the repository's file is valid
            raise CommandError(f"{demo_data.PEOPLE_FILE}: {errors[0]}")
        for row in rows:
            if row.email in SIGN_IN_ACCOUNTS:
                self._account(
                    row.email,
                    display_name=f"{row.first_name} {row.last_name}",
                    first_name=row.first_name,
                    last_name=row.last_name,
                    password=demo_data.DEMO_PASSWORD,
                )
        report = import_members(rows=rows, send_email=False, overwrite=False)
        outcomes = Counter(report.outcomes.values())
        for outcome, what in (("created", "accounts"), ("updated", "profiles completed")):
            if outcomes[outcome]:
                self.created[what] += outcomes[outcome]
        for user in User.objects.filter(email__in=[row.email for row in rows]):
            self.users[user.email] = user

    def communities(self) -> dict[str, Community]:
        specs = validate_seed(load_seed_file(demo_data.COMMUNITIES_FILE))
        now = timezone.now()
        for spec in specs:
            spec.created_at = now - timedelta(days=demo_data.COMMUNITY_AGE_DAYS.get(spec.slug, 0))
        report = seed_communities(specs=specs, send_email=False, only_missing=True)
        for change in report.changes:
            if change.action == "created" and change.kind in COUNTED:
                self.created[COUNTED[change.kind]] += 1
        return {c.slug: c for c in Community.objects.filter(slug__in=[s.slug for s in specs])}

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

    def pending(self, communities: dict[str, Community]) -> None:
        for request in demo_data.PENDING_REQUESTS:
            community = communities[request.community]
            user = self.users[request.email]
            if Membership.objects.filter(community=community, user=user).exists():
                continue
            # The request `membership_join` would record, without e-mailing the animators.
            Membership.objects.create(
                community=community,
                user=user,
                status=Membership.Status.REQUESTED,
                roles=[Role.MEMBER],
                request_message=request.message,
                created_at=timezone.now(),
            )
            self.created["pending requests"] += 1
        for invitation in demo_data.PENDING_INVITATIONS:
            community = communities[invitation.community]
            user = self.users[invitation.email]
            if Membership.objects.filter(community=community, user=user).exists():
                continue
            inviter = self.users[invitation.invited_by]
            self._invitation(community, user, list(invitation.roles), inviter)
            self.created["pending invitations"] += 1

    def run(self) -> None:
        self.people()
        communities = self.communities()
        self.pending(communities)
        # Already synced by the services; stated once more for the account that
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
