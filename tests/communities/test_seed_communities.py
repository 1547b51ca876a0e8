"""`manage.py seed_communities FILE.yaml [--dry-run]`: communities from a seed file."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import CommandError, call_command

from cdp_portal.accounts.models import User
from communities.models import ANIMATORS_GROUP, Community, Membership, Profile
from forums.models import Forum
from readiness.loader import load_directory
from readiness.models import Checklist
from tests.factories import CommunityFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "communities.yaml"

SEED = """\
communities:
  - slug: technopedagogie
    name: Technopédagogie
    summary: Partager nos pratiques d'enseignement avec les technologies
    theme: Enseigner avec les technologies
    visibility: closed
    phase: deciding
    benefits: [productivity, learning, innovation]
    forums: [Général, Appels à tous, Midis-partage]
    checklist: se-decider
    people:
      - {email: A.Tremblay@example.org, roles: [animator], hours: 6}
      - {email: j.roy@example.org, roles: [sponsor]}
      - email: m.gagnon@example.org
        roles: [member, documentalist]
        first_name: Martine
        last_name: Gagnon
  - slug: veille
    name: Veille documentaire
    visibility: private
    phase: growing
    sponsor: l.gauthier@example.org
"""


@pytest.fixture(autouse=True)
def templates(db):
    load_directory()


def write(tmp_path, text: str, name: str = "seed.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def seed(path: str, *args) -> str:
    out = io.StringIO()
    call_command("seed_communities", path, *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "users": sorted(User.objects.values_list("pk", "email", "password", "is_staff")),
        "addresses": sorted(EmailAddress.objects.values_list("pk", "email", "verified")),
        "profiles": sorted(Profile.objects.values_list("pk", "handle", "updated_at")),
        "communities": sorted(
            Community.objects.values_list(
                "pk", "slug", "name", "visibility", "phase", "benefits", "sponsor", "updated_at"
            )
        ),
        "forums": sorted(Forum.objects.values_list("pk", "community", "slug", "position")),
        "memberships": sorted(
            Membership.objects.values_list(
                "pk", "status", "roles", "allocated_hours_per_month", "updated_at"
            )
        ),
        "checklists": sorted(Checklist.objects.values_list("pk", "community", "template")),
        "groups": sorted(User.groups.through.objects.values_list("user", "group")),
    }


def empty() -> bool:
    return not (
        Community.objects.exists()
        or User.objects.exists()
        or Membership.objects.exists()
        or Checklist.objects.exists()
    )


# --- Happy path ---------------------------------------------------------------------------


def test_seed_creates_communities_forums_people_roles_and_checklist(
    tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = seed(write(tmp_path, SEED))

    community = Community.objects.get(slug="technopedagogie")
    assert community.name == "Technopédagogie"
    assert community.visibility == "closed" and community.phase == "deciding"
    assert community.benefits == ["productivity", "learning", "innovation"]
    assert community.theme == "Enseigner avec les technologies"
    assert set(community.forums.values_list("slug", flat=True)) == {
        "general",
        "appels-a-tous",
        "midis-partage",
    }
    memberships = {m.user.email: m for m in community.memberships.select_related("user")}
    assert set(memberships) == {
        "a.tremblay@example.org",
        "j.roy@example.org",
        "m.gagnon@example.org",
    }
    assert all(m.status == "active" for m in memberships.values())
    assert memberships["a.tremblay@example.org"].roles == ["animator"]
    assert memberships["a.tremblay@example.org"].allocated_hours_per_month == 6
    assert memberships["m.gagnon@example.org"].roles == ["member", "documentalist"]
    # The sponsor role names the community's sponsor (as membership_set_roles does).
    assert community.sponsor.email == "j.roy@example.org"
    checklist = Checklist.objects.get(community=community)
    assert checklist.template.slug == "se-decider" and checklist.items.exists()

    veille = Community.objects.get(slug="veille")
    assert veille.sponsor.email == "l.gauthier@example.org"
    # Growing: no checklist asked for, none made; the default forums are there.
    assert not Checklist.objects.filter(community=veille).exists()
    assert veille.forums.count() == 2

    gagnon = User.objects.get(email="m.gagnon@example.org")
    assert (gagnon.first_name, gagnon.last_name, gagnon.display_name) == (
        "Martine",
        "Gagnon",
        "Martine Gagnon",
    )
    for user in User.objects.all():
        assert not user.has_usable_password()
        assert EmailAddress.objects.get(user=user).verified
        assert Profile.objects.filter(user=user).exists()
    # Four new accounts, four invitations with the link to choose a password.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "a.tremblay@example.org",
        "j.roy@example.org",
        "l.gauthier@example.org",
        "m.gagnon@example.org",
    ]
    assert all("/accounts/password/reset/key/" in message.body for message in mail.outbox)
    assert "community  technopedagogie: created" in output
    assert "forum      technopedagogie / Midis-partage: created" in output
    assert "communities: 2 created, 0 updated, 0 unchanged" in output
    assert "memberships: 3 created" in output


def test_animator_gets_scoped_admin_access_and_members_do_not(tmp_path):
    seed(write(tmp_path, SEED))
    animator = User.objects.get(email="a.tremblay@example.org")
    assert animator.is_staff and not animator.is_superuser
    assert animator.groups.filter(name=ANIMATORS_GROUP).exists()
    for email in ("j.roy@example.org", "m.gagnon@example.org", "l.gauthier@example.org"):
        person = User.objects.get(email=email)
        assert not person.is_staff
        assert not person.groups.exists()


def test_second_run_reports_everything_unchanged_and_writes_nothing(
    tmp_path, django_capture_on_commit_callbacks
):
    path = write(tmp_path, SEED)
    seed(path)
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        output = seed(path)
    assert snapshot() == before
    assert mail.outbox == []
    lines = [line for line in output.splitlines() if line.startswith("  ")]
    assert lines and all(": unchanged" in line for line in lines), output
    assert "communities: 0 created, 0 updated, 2 unchanged" in output
    assert "memberships: 0 created, 0 updated, 3 unchanged" in output


def test_a_changed_file_updates_what_changed(tmp_path):
    seed(write(tmp_path, SEED))
    changed = (
        SEED.replace("phase: deciding", "phase: preparing")
        .replace("[member, documentalist]", "[member, coach]")
        .replace("hours: 6", "hours: 8")
        .replace("[Général, Appels à tous, Midis-partage]", "[Webinaires]")
    )
    output = seed(write(tmp_path, changed, "changed.yaml"))
    community = Community.objects.get(slug="technopedagogie")
    assert community.phase == "preparing"
    assert "community  technopedagogie: updated (phase)" in output
    gagnon = community.memberships.get(user__email="m.gagnon@example.org")
    assert gagnon.roles == ["member", "coach"]
    assert (
        community.memberships.get(user__email="a.tremblay@example.org").allocated_hours_per_month
        == 8
    )
    # Forums missing from the list are never deleted.
    assert set(community.forums.values_list("slug", flat=True)) == {
        "general",
        "appels-a-tous",
        "midis-partage",
        "webinaires",
    }


def test_existing_people_keep_their_account_and_are_not_invited(
    tmp_path, django_capture_on_commit_callbacks
):
    existing = UserFactory(email="a.tremblay@example.org", display_name="Annie T.")
    password = existing.password
    with django_capture_on_commit_callbacks(execute=True):
        output = seed(write(tmp_path, SEED))
    existing.refresh_from_db()
    assert existing.password == password and existing.display_name == "Annie T."
    assert "a.tremblay@example.org" not in [message.to[0] for message in mail.outbox]
    assert "person     a.tremblay@example.org: unchanged" in output
    assert existing.is_staff  # now an animator


def test_handing_over_the_animator_role_in_one_file(tmp_path):
    community = CommunityFactory(slug="technopedagogie", name="Technopédagogie")
    old = make_member(community, roles=("animator",), user=UserFactory(email="old@example.org"))
    seed(
        write(
            tmp_path,
            """\
            communities:
              - slug: technopedagogie
                name: Technopédagogie
                people:
                  - {email: old@example.org, roles: [member]}
                  - {email: new@example.org, roles: [animator]}
            """,
        )
    )
    old.refresh_from_db()
    assert not old.is_staff
    assert User.objects.get(email="new@example.org").is_staff


def test_example_file_is_valid_and_idempotent(tmp_path):
    seed(str(EXAMPLE))
    before = snapshot()
    output = seed(str(EXAMPLE))
    assert snapshot() == before
    assert "0 created, 0 updated" in output


# --- Dry run -----------------------------------------------------------------------------------


def test_dry_run_prints_what_would_change_writes_nothing_sends_nothing(
    tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        output = seed(write(tmp_path, SEED), "--dry-run")
    assert empty()
    assert not Forum.objects.exists()
    assert mail.outbox == [] and callbacks == []
    assert "Dry run" in output
    assert "community  technopedagogie: created" in output
    assert "membership technopedagogie / a.tremblay@example.org: created (animator)" in output
    assert "Summary (dry run, nothing written): communities: 2 created" in output


def test_dry_run_on_a_seeded_database_shows_the_update_and_keeps_the_data(tmp_path):
    seed(write(tmp_path, SEED))
    before = snapshot()
    output = seed(
        write(tmp_path, SEED.replace("visibility: closed", "visibility: open"), "b.yaml"),
        "--dry-run",
    )
    assert "community  technopedagogie: updated (visibility)" in output
    assert snapshot() == before


# --- Validation: one test per kind of error ---------------------------------------------------


def seed_error(tmp_path, text: str) -> str:
    with pytest.raises(CommandError) as caught:
        seed(write(tmp_path, text))
    assert empty(), "nothing may be written when the file is invalid"
    return str(caught.value)


ENTRY = """\
communities:
  - slug: ok
    name: Première
  - slug: technopedagogie
    name: Technopédagogie
{extra}
"""


def entry(extra: str) -> str:
    return ENTRY.format(extra=textwrap.indent(textwrap.dedent(extra), "    "))


@pytest.mark.parametrize(
    ("extra", "field", "reason"),
    [
        ("colour: red", "colour", "unknown key"),
        ("visibility: public", "visibility", "'public' is not one of open | closed | private"),
        ("phase: later", "phase", "'later' is not one of deciding"),
        ("benefits: [productivity, fame]", "benefits", "unknown benefit 'fame'"),
        (
            "people: [{email: a@example.org, roles: [boss]}]",
            "people[0].roles",
            "unknown role 'boss'",
        ),
        (
            "checklist: no-such-template",
            "checklist",
            "unknown checklist template 'no-such-template'",
        ),
        ("people: [{email: not-an-address}]", "people[0].email", "'not-an-address' is not a valid"),
        ("sponsor: someone@", "sponsor", "is not a valid e-mail address"),
        ("summary: 42", "summary", "must be text"),
        ("benefits: productivity", "benefits", "must be a list"),
        ("people: [{email: a@example.org, hours: many}]", "people[0].hours", "whole number"),
        ("name: " + "x" * 151, "name", "longer than 150"),
        ("people: [{email: a@example.org}, {email: A@example.org}]", "people[1].email", "already"),
    ],
)
def test_each_invalid_value_names_the_entry_and_field(tmp_path, extra, field, reason):
    message = seed_error(tmp_path, entry(extra))
    assert f"communities[1] (slug 'technopedagogie'), field '{field}'" in message
    assert reason in message


def test_duplicate_slug(tmp_path):
    message = seed_error(
        tmp_path,
        """\
        communities:
          - {slug: technopedagogie, name: A}
          - {slug: technopedagogie, name: B}
        """,
    )
    assert (
        "communities[1] (slug 'technopedagogie'), field 'slug': duplicate of communities[0]"
        in message
    )


def test_missing_required_fields(tmp_path):
    message = seed_error(
        tmp_path,
        """\
        communities:
          - {name: Sans identifiant}
          - {slug: sans-nom}
        """,
    )
    assert "communities[0], field 'slug': missing (required)" in message
    assert "communities[1] (slug 'sans-nom'), field 'name': missing (required)" in message


def test_all_errors_are_listed_together(tmp_path):
    message = seed_error(
        tmp_path,
        entry(
            """\
            visibility: public
            phase: later
            people: [{email: nope, roles: [boss]}]
            """
        ),
    )
    assert "4 errors, nothing was written" in message
    for field in ("visibility", "phase", "people[0].email", "people[0].roles"):
        assert f"field '{field}'" in message


def test_not_a_list_of_communities(tmp_path):
    message = seed_error(tmp_path, "communities: technopedagogie\nextra: 1\n")
    assert "top level, field 'extra': unknown key" in message
    assert "field 'communities': must be a list" in message


def test_invalid_yaml(tmp_path):
    message = seed_error(tmp_path, "communities: [\n")
    assert "not valid YAML" in message


def test_an_invalid_file_changes_nothing_already_there(tmp_path):
    seed(write(tmp_path, SEED))
    before = snapshot()
    with pytest.raises(CommandError):
        seed(write(tmp_path, SEED.replace("phase: growing", "phase: someday"), "bad.yaml"))
    assert snapshot() == before


def test_a_refused_change_rolls_back_the_whole_file(tmp_path):
    """The services' own checks still apply: a community keeps an animator. Everything
    written before that entry is undone."""
    community = CommunityFactory(slug="technopedagogie", name="Technopédagogie")
    make_member(community, roles=("animator",), user=UserFactory(email="last@example.org"))
    before = snapshot()
    text = """\
        communities:
          - {slug: nouvelle, name: Nouvelle, people: [{email: someone@example.org}]}
          - slug: technopedagogie
            name: Technopédagogie
            people: [{email: last@example.org, roles: [member]}]
        """
    with pytest.raises(CommandError) as caught:
        seed(write(tmp_path, text))
    assert "communities[1] (slug 'technopedagogie'), field 'people' (last@example.org)" in str(
        caught.value
    )
    assert snapshot() == before
    assert not Community.objects.filter(slug="nouvelle").exists()


# --- Forums: the forums app's slug rule --------------------------------------------------------


def test_forum_names_follow_the_forums_reserved_slugs(tmp_path, monkeypatch):
    """One list of reserved forum slugs (forums.models): a seed file's forums and
    forum_ensure both step aside from every slug on it, even one added later."""
    from forums import models as forum_models
    from forums.services import forum_ensure

    reserved = forum_models.RESERVED_FORUM_SLUGS | {"webinaires"}
    monkeypatch.setattr(forum_models, "RESERVED_FORUM_SLUGS", reserved)
    seed(
        write(
            tmp_path,
            """\
            communities:
              - {slug: c, name: C, forums: [Flags, Log, Webinaires]}
            """,
        )
    )
    slugs = set(Community.objects.get(slug="c").forums.values_list("slug", flat=True))
    assert {"flags-forum", "log-forum", "webinaires-forum"} <= slugs
    assert not slugs & reserved
    forum, created = forum_ensure(community=CommunityFactory(), name="Webinaires")
    assert created and forum.slug == "webinaires-forum"


def test_two_forum_names_with_one_slug_are_the_same_forum(tmp_path):
    message = seed_error(tmp_path, entry("forums: [Général, général, Flags, flags-forum]"))
    assert "field 'forums': 'général' and 'Général' are the same forum" in message
    assert "field 'forums': 'flags-forum' and 'Flags' are the same forum" in message
