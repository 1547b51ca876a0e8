"""`manage.py seed_demo`: the demo institution `make run` loads."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from cdp_portal.accounts.models import User
from cdp_portal.seeding import load_seed_file, validate_seed
from communities import demo_data
from communities.benefits import BENEFITS_BY_KEY
from communities.models import (
    ANIMATORS_GROUP,
    Community,
    Membership,
    Phase,
    Profile,
    Role,
    TaggedExpertise,
    Visibility,
)

pytestmark = pytest.mark.django_db

DEMO_EMAILS = ("admin@demo.example", "animation@demo.example", "membre@demo.example")


@pytest.fixture(scope="class")
def demo_institution(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seeded once for the class, inside a transaction rolled back at its end; each test
    runs in a savepoint of it (pytest-django's `db`), so what a test changes is undone.
    Tests that need an empty database stay outside the class."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            media = tmp_path_factory.mktemp("media")
            with override_settings(DEBUG=True, MEDIA_ROOT=str(media)):
                call_command("seed_demo", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def seeded(demo_institution, db, settings):
    settings.DEBUG = True


def snapshot() -> dict:
    return {
        "users": sorted(User.objects.values_list("email", "password", "is_staff")),
        "addresses": EmailAddress.objects.count(),
        "profiles": sorted(Profile.objects.values_list("pk", "handle", "updated_at")),
        "tags": TaggedExpertise.objects.count(),
        "communities": sorted(Community.objects.values_list("slug", "updated_at", "sponsor")),
        "memberships": sorted(
            Membership.objects.values_list("pk", "status", "roles", "updated_at")
        ),
    }


# --- The three accounts (the contract of PRODUCT.md §3) -------------------------------


def test_seed_demo_creates_the_three_verified_demo_accounts(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    output = capsys.readouterr().out
    for email in DEMO_EMAILS:
        user = User.objects.get(email=email)
        assert user.check_password("demo-cdp-2026")
        assert EmailAddress.objects.get(user=user, email=email).verified
        assert email in output
    assert "demo-cdp-2026" in output
    assert User.objects.get(email="admin@demo.example").is_superuser
    assert not User.objects.get(email="membre@demo.example").is_staff


def test_seed_demo_refuses_production_settings_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=0"):
        call_command("seed_demo")
    assert not User.objects.exists()
    assert not Community.objects.exists()
    call_command("seed_demo", "--force")
    assert Community.objects.count() == 5


def test_seed_demo_completes_an_older_demo_and_never_deletes(settings):
    """An institution seeded by the first version (three accounts) or with data of its
    own is completed, not wiped."""
    settings.DEBUG = True
    other = Community.objects.create(slug="ma-communaute", name="Ma communauté")
    User.objects.create_user(email="membre@demo.example", password="whatever-2026")
    call_command("seed_demo")
    assert Community.objects.filter(pk=other.pk).exists()
    assert Community.objects.count() == 6
    member = User.objects.get(email="membre@demo.example")
    assert member.check_password("whatever-2026")
    assert member.profile.unit  # its blank profile was completed
    assert Membership.objects.filter(user=member, status="active").exists()


def test_seeding_sends_no_email(settings, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    assert Membership.objects.filter(status="invited").exists()
    assert Membership.objects.filter(status="requested").exists()
    assert mail.outbox == []


# --- The demo institution, seeded once for these tests ---------------------------------


@pytest.mark.usefixtures("seeded")
class TestDemoInstitution:
    def test_only_the_demo_accounts_have_a_password(self):
        people = User.objects.filter(email__endswith="@demo.example")
        with_password = {user.email for user in people if user.has_usable_password()}
        assert with_password == set(DEMO_EMAILS)
        assert not EmailAddress.objects.filter(user__in=people, verified=False).exists()

    def test_second_run_changes_nothing_and_says_so(self, settings, capsys):
        capsys.readouterr()
        before = snapshot()
        call_command("seed_demo")
        assert snapshot() == before
        output = capsys.readouterr().out
        assert "nothing was changed" in output
        assert "(already there)" in output and "(created)" not in output

    def test_seed_demo_keeps_what_people_changed(self):
        member = User.objects.get(email="membre@demo.example")
        member.set_password("my-own-secret-2026")
        member.save()
        Profile.objects.filter(user=member).update(job_title="Professeure associée")
        Community.objects.filter(slug="technopedagogie").update(summary="Notre nouveau résumé")
        call_command("seed_demo")
        member.refresh_from_db()
        assert member.check_password("my-own-secret-2026")
        assert member.profile.job_title == "Professeure associée"
        assert Community.objects.get(slug="technopedagogie").summary == "Notre nouveau résumé"

    def test_five_communities_across_phases_and_visibilities(self):
        communities = list(Community.objects.all())
        assert len(communities) == 5
        assert {c.phase for c in communities} == set(Phase.values)
        assert {c.visibility for c in communities} == set(Visibility.values)
        for community in communities:
            assert community.theme in demo_data.THEMES
            assert community.summary and community.description.startswith("## ")
            assert community.benefits and set(community.benefits) <= set(BENEFITS_BY_KEY)
            assert community.sponsor is not None
            assert community.memberships.active().with_role(Role.ANIMATOR).exists()

    def test_each_community_has_discussions_of_its_own(self):
        from django.db.models import Count

        from forums.demo_data import WELCOME
        from forums.models import Topic

        for community in Community.objects.all():
            topics = Topic.objects.filter(forum__community=community)
            assert topics.filter(title=WELCOME.title, is_pinned=True).exists()
            assert topics.filter(is_call_for_help=True).exists()
        repeated = (
            Topic.objects.exclude(title=WELCOME.title)
            .values("title")
            .annotate(communities=Count("forum__community", distinct=True))
            .filter(communities__gt=1)
        )
        assert list(repeated) == []
        # One discussion was opened from a resource of its community.
        about = Topic.objects.exclude(resource=None).select_related("resource", "forum").get()
        assert about.resource.community_id == about.forum.community_id

    def test_the_demo_animator_has_a_flag_to_handle_and_a_hidden_post_to_see(self):
        from forums.models import Flag, Post

        animator = User.objects.get(email="animation@demo.example")
        flags = Flag.objects.moderated_by(animator).open()
        assert flags.count() == 1
        community = flags.get().post.topic.forum.community
        assert Post.objects.filter(topic__forum__community=community, is_hidden=True).exists()

    def test_a_library_of_about_150_tagged_resources_in_both_languages(self):
        from resources.models import Resource

        resources = Resource.objects.all()
        assert resources.count() == 150
        assert set(resources.values_list("language", flat=True)) == {"fr", "en"}
        assert resources.filter(community=None).exists()
        assert resources.filter(community__visibility=Visibility.PRIVATE).exists()
        assert resources.exclude(file="").exists()
        assert not resources.filter(tags=None).exists()
        assert resources.filter(tags__slug="études-de-cas").exists()

    def test_forty_people_with_full_profiles(self):
        profiles = Profile.objects.filter(user__email__endswith="@demo.example").select_related(
            "user"
        )
        members = profiles.filter(user__memberships__status="active").distinct()
        assert members.count() >= 40
        for profile in members:
            assert profile.job_title and profile.unit and profile.campus and profile.bio
            assert profile.languages
            assert profile.user.display_name
            assert profile.expertise.exists()
        used = set(TaggedExpertise.objects.values_list("tag__name", flat=True))
        assert {"moodle", "évaluation", "vidéo", "pédagogie-active"} <= used
        assert len(used & set(demo_data.SOURCE_TAGS)) >= 12

    def test_every_role_is_held_somewhere_and_some_time_is_allocated(self):
        active = Membership.objects.active()
        for role in Role.values:
            assert active.with_role(role).exists(), role
        assert active.filter(allocated_hours_per_month__gt=0).count() >= 10

    def test_private_community_holds_only_its_invited_members(self):
        private = Community.objects.get(visibility="private")
        (spec,) = [
            c
            for c in validate_seed(load_seed_file(demo_data.COMMUNITIES_FILE))
            if c.slug == private.slug
        ]
        expected = {person.email for person in spec.people}
        active = set(private.memberships.active().values_list("user__email", flat=True))
        assert active == expected
        member = User.objects.get(email="membre@demo.example")
        assert member.email not in active
        assert not Community.objects.visible_to(member).filter(pk=private.pk).exists()
        # ... and the invitation still waiting for an answer.
        invitation = private.memberships.get(status="invited")
        assert invitation.user.email == "olivia.tanguay@demo.example"
        assert invitation.invited_by.email == "nathalie.bergeron@demo.example"

    def test_pending_request_in_a_closed_community(self):
        request = Membership.objects.get(status="requested")
        assert request.community.visibility == "closed"
        assert request.request_message
        animator = User.objects.get(email="animation@demo.example")
        # The demo animator can handle it.
        assert Community.objects.moderated_by(animator).filter(pk=request.community_id).exists()

    def test_plain_member_and_animator_accounts(self):
        member = User.objects.get(email="membre@demo.example")
        memberships = Membership.objects.filter(user=member, status="active")
        assert memberships.count() >= 2
        assert all(m.roles == ["member"] for m in memberships)
        assert not member.is_staff

        animator = User.objects.get(email="animation@demo.example")
        assert Community.objects.moderated_by(animator).exists()
        assert animator.is_staff and not animator.is_superuser
        assert animator.groups.filter(name=ANIMATORS_GROUP).exists()
        # Every animator got their admin access, and nobody else did.
        animators = set(
            Membership.objects.active().with_role(Role.ANIMATOR).values_list("user", flat=True)
        )
        staff = set(
            User.objects.filter(is_staff=True, is_superuser=False).values_list("pk", flat=True)
        )
        assert staff == animators

    def test_demo_animator_signs_in_to_a_scoped_admin(self, client):
        # The seeding ran before the per-test fast hasher applied: log in by session.
        client.force_login(User.objects.get(email="animation@demo.example"))
        response = client.get("/admin/communities/community/")
        assert response.status_code == 200
        shown = {community.slug for community in response.context["cl"].result_list}
        assert shown == {"technopedagogie", "veille-documentaire"}


# --- The demo content as data files ----------------------------------------------------


def demo_data_files():
    from forums import demo_data as forums
    from readiness import demo_data as readiness
    from resources import demo_data as resources

    return [
        (demo_data.INSTITUTION_FILE, demo_data.INSTITUTION),
        (forums.DISCUSSIONS_FILE, forums.DISCUSSIONS),
        (resources.LIBRARY_FILE, resources.LIBRARY),
        (readiness.READINESS_FILE, readiness.READINESS),
    ]


def test_the_demo_data_files_follow_their_declared_schemas():
    from cdp_portal.core.schema import load

    for path, schema in demo_data_files():
        assert path.is_file(), path
        assert load(path, schema)


def test_an_invalid_demo_data_file_names_the_file_and_every_field(tmp_path):
    from cdp_portal.core.schema import DataFileError, load
    from forums.demo_data import DISCUSSIONS, DISCUSSIONS_FILE

    broken = tmp_path / "discussions.yaml"
    text = DISCUSSIONS_FILE.read_text(encoding="utf-8")
    broken.write_text(
        text.replace("days_ago: 90", "days_ago: soon").replace("call: true", "colour: red", 1),
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as caught:
        load(broken, DISCUSSIONS)
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{broken}: field 'welcome.days_ago': must be a whole number from 0 to 3650",
        f"{broken}: field 'calls[0].colour': unknown key (allowed: about, body, call, "
        "days_ago, pinned, replies, solved, tags, title)",
    ]
