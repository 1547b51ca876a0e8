"""`manage.py generate_scale_data`: deterministic synthetic data for benchmarks."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db import transaction

from cdp_portal.accounts.models import User
from communities.models import (
    ANIMATORS_GROUP,
    Community,
    Membership,
    Profile,
    Role,
    TaggedExpertise,
    TaggedInterest,
)

pytestmark = pytest.mark.django_db

SMALL = ["--communities", "3", "--members", "50", "--resources", "30", "--posts", "200"]


def generate(*args) -> str:
    out = io.StringIO()
    call_command("generate_scale_data", *args, stdout=out)
    return out.getvalue()


def scale_people():
    return User.objects.filter(email__endswith="@scale.example")


def scale_memberships():
    return Membership.objects.filter(community__slug__startswith="scale-")


def snapshot() -> dict:
    return {
        "communities": list(
            Community.objects.filter(slug__startswith="scale-")
            .order_by("slug")
            .values_list("slug", "name", "visibility", "phase", "theme", "benefits")
        ),
        "people": list(
            scale_people().order_by("email").values_list("email", "display_name", "is_staff")
        ),
        "profiles": list(
            Profile.objects.filter(user__email__endswith="@scale.example")
            .order_by("handle")
            .values_list("handle", "job_title", "unit", "campus", "languages")
        ),
        "expertise": sorted(
            TaggedExpertise.objects.values_list("content_object__handle", "tag__name")
        ),
        "memberships": sorted(
            (email, slug, status, tuple(roles), hours)
            for email, slug, status, roles, hours in scale_memberships().values_list(
                "user__email", "community__slug", "status", "roles", "allocated_hours_per_month"
            )
        ),
    }


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_small_run_creates_the_requested_counts(debug):
    output = generate(*SMALL, "--memberships-per-member", "2")
    assert Community.objects.filter(slug__startswith="scale-").count() == 3
    assert scale_people().count() == 50
    assert Profile.objects.filter(user__in=scale_people()).count() == 50
    assert EmailAddress.objects.filter(user__in=scale_people(), verified=True).count() == 50
    assert scale_memberships().count() == 100
    # Two distinct communities per person.
    per_person = {}
    for user_id, slug in scale_memberships().values_list("user_id", "community__slug"):
        per_person.setdefault(user_id, set()).add(slug)
    assert len(per_person) == 50 and all(len(slugs) == 2 for slugs in per_person.values())
    assert "Done in" in output and "memberships" in output


def test_generated_people_are_complete_and_cannot_sign_in(debug):
    generate(*SMALL)
    for user in scale_people():
        assert not user.has_usable_password()
        assert user.display_name
    profiles = Profile.objects.filter(user__in=scale_people())
    assert all(p.job_title and p.unit and p.campus and "fr" in p.languages for p in profiles)
    tagged = TaggedExpertise.objects.filter(content_object__in=profiles)
    # Everybody has 1 to 4 areas of expertise, with taggit's own tags and slugs.
    per_profile = {}
    for profile_id in tagged.values_list("content_object_id", flat=True):
        per_profile[profile_id] = per_profile.get(profile_id, 0) + 1
    assert len(per_profile) == 50 and set(per_profile.values()) <= {1, 2, 3, 4}
    profile = profiles.first()
    assert set(profile.expertise.names())
    assert TaggedInterest.objects.filter(content_object__in=profiles).exists()


def test_every_community_has_an_animator_with_admin_access(debug):
    generate(*SMALL)
    for community in Community.objects.filter(slug__startswith="scale-"):
        animators = community.memberships.active().with_role(Role.ANIMATOR)
        assert animators.exists()
        for membership in animators.select_related("user"):
            assert membership.user.is_staff
            assert membership.user.groups.filter(name=ANIMATORS_GROUP).exists()
    non_animators = scale_people().exclude(
        memberships__status="active", memberships__roles__contains=[Role.ANIMATOR]
    )
    assert not non_animators.filter(is_staff=True).exists()


def test_same_seed_gives_the_same_data_and_another_seed_differs(debug):
    def run(*args):
        with transaction.atomic():
            generate(*SMALL, *args)
            data = snapshot()
            transaction.set_rollback(True)
        return data

    first = run()
    assert first["memberships"]
    assert run() == first
    assert run("--seed", "42") == first
    assert run("--seed", "7") != first


def test_rerun_skips_what_exists_and_extends_to_larger_numbers(debug):
    generate(*SMALL)
    before = snapshot()
    output = generate(*SMALL)
    assert snapshot() == before
    assert "Done in" in output

    generate("--communities", "4", "--members", "60", "--resources", "30", "--posts", "200")
    assert Community.objects.filter(slug__startswith="scale-").count() == 4
    assert scale_people().count() == 60
    after = snapshot()
    # The first fifty people are untouched; the ten new ones got three memberships each.
    assert set(before["memberships"]) <= set(after["memberships"])
    assert len(after["memberships"]) == len(before["memberships"]) + 30
    assert after["people"][:50] == before["people"]


def test_password_option_gives_one_shared_password(debug):
    generate(
        "--communities",
        "1",
        "--members",
        "3",
        "--resources",
        "0",
        "--posts",
        "0",
        "--password",
        "charge-2026",
    )
    passwords = set(scale_people().values_list("password", flat=True))
    assert len(passwords) == 1
    assert scale_people().first().check_password("charge-2026")


def test_refuses_production_settings_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=0"):
        generate(*SMALL)
    assert not scale_people().exists()
    generate("--communities", "1", "--members", "2", "--resources", "0", "--posts", "0", "--force")
    assert scale_people().count() == 2


def test_rejects_negative_numbers(debug):
    with pytest.raises(CommandError, match="--members"):
        generate("--members", "-1")
    with pytest.raises(CommandError, match="--batch-size"):
        generate("--batch-size", "0")


def test_the_library_is_filled_up_to_the_number_asked_and_not_beyond(debug):
    from resources.models import Resource

    generate(*SMALL)
    assert Resource.objects.count() == 30
    assert Resource.objects.filter(community__slug__startswith="scale-").exists()
    assert Resource.objects.exclude(search_vector=None).count() == 30
    generate(*SMALL)
    assert Resource.objects.count() == 30
    generate(*SMALL[:5], "45", *SMALL[6:])
    assert Resource.objects.count() == 45


def test_the_forums_are_filled_with_consistent_counters(debug):
    from forums.models import Post, Topic

    generate(*SMALL)
    assert Post.objects.count() == 200
    for topic in Topic.objects.all():
        # The opening post is not a reply; hidden posts count in post_count only.
        assert topic.posts.filter(is_hidden=False).count() == topic.reply_count + 1
        assert topic.posts.count() == topic.post_count
    generate(*SMALL)
    assert Post.objects.count() == 200
