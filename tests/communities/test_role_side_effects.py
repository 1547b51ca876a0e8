"""The rules a role brings, written once in `communities.services` and pinned here through
each path that writes memberships or profiles: the one-row services, `import_members`
and `generate_scale_data`.

- an animator role gives admin access (staff flag, "Animateurs" group), and losing the
  last one takes it back unless the person is a superuser or an administrator;
- the sponsor role names the community's sponsor when it has none, never replaces one;
- every profile gets a unique handle from the person's names.
"""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils.text import slugify

from cdp_portal.accounts.models import User
from communities import services
from communities.models import (
    ADMINISTRATORS_GROUP,
    ANIMATORS_GROUP,
    Community,
    Membership,
    Profile,
    Role,
)
from tests.factories import (
    CommunityFactory,
    ProfileFactory,
    SuperUserFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db


def import_csv(tmp_path, text: str, *args) -> None:
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    call_command("import_members", str(path), *args, stdout=io.StringIO(), stderr=io.StringIO())


def generate(settings) -> None:
    settings.DEBUG = True
    call_command(
        "generate_scale_data",
        *["--communities", "2", "--members", "20", "--resources", "0", "--posts", "0"],
        stdout=io.StringIO(),
    )


def has_admin_access(user) -> bool:
    user.refresh_from_db()
    return user.is_staff and user.groups.filter(name=ANIMATORS_GROUP).exists()


# --- Admin access follows the animator role -------------------------------------------


def test_sync_admin_access_grants_and_takes_back_in_one_call():
    community = CommunityFactory()
    animator = make_member(community, roles=(Role.ANIMATOR,))
    former = make_member(community)  # was an animator: still staff and in the group
    former.groups.add(Group.objects.get_or_create(name=ANIMATORS_GROUP)[0])
    User.objects.filter(pk=former.pk).update(is_staff=True)
    admin = UserFactory(is_staff=True)
    admin.groups.add(Group.objects.get(name=ADMINISTRATORS_GROUP))
    superuser = SuperUserFactory()
    people = [User.objects.get(pk=u.pk) for u in (animator, former, admin, superuser)]
    assert services.sync_admin_access(people) == {animator.pk}
    assert has_admin_access(animator)
    assert not has_admin_access(former) and not former.is_staff
    assert admin.is_staff and not admin.groups.filter(name=ANIMATORS_GROUP).exists()
    assert superuser.is_staff
    # The objects passed carry their new flag.
    assert [person.is_staff for person in people] == [True, False, True, True]


def test_sync_admin_access_costs_the_same_for_one_animator_or_forty(
    django_assert_max_num_queries,
):
    community = CommunityFactory()
    one = [make_member(community, roles=(Role.ANIMATOR,))]
    many = [make_member(community, roles=(Role.ANIMATOR,)) for _ in range(40)]
    User.objects.update(is_staff=False)
    Group.objects.get(name=ANIMATORS_GROUP).user_set.clear()
    services.animators_group()  # its permissions settled, as in a running portal
    with django_assert_max_num_queries(9):
        services.sync_admin_access(User.objects.filter(pk=one[0].pk))
    with django_assert_max_num_queries(9):
        services.sync_admin_access(User.objects.filter(pk__in=[u.pk for u in many]))
    assert all(has_admin_access(user) for user in [*one, *many])


def test_animator_role_gives_admin_access_through_the_service_and_the_import(tmp_path):
    community = CommunityFactory(slug="cdp")
    member = make_member(community)
    services.membership_set_roles(
        membership=Membership.objects.get(user=member), roles=[Role.ANIMATOR]
    )
    assert has_admin_access(member)
    import_csv(
        tmp_path,
        "email,first_name,last_name,roles\nanne@example.org,Anne,A,animator\n",
        "--community",
        "cdp",
    )
    assert has_admin_access(User.objects.get(email="anne@example.org"))


def test_animator_role_gives_admin_access_through_the_scale_data(settings):
    generate(settings)
    animators = User.objects.filter(
        pk__in=Membership.objects.active().with_role(Role.ANIMATOR).values("user_id")
    )
    assert animators.exists()
    assert all(has_admin_access(user) for user in animators)


# --- The sponsor role names the community's sponsor -----------------------------------


def test_the_sponsor_role_never_replaces_a_sponsor_through_any_path(tmp_path, settings):
    named = UserFactory()
    community = CommunityFactory(slug="cdp", sponsor=named)
    services.membership_add(community=community, user=UserFactory(), roles=[Role.SPONSOR])
    import_csv(
        tmp_path,
        "email,first_name,last_name,roles\nbo@example.org,Bo,B,sponsor\n",
        "--community",
        "cdp",
    )
    community.refresh_from_db()
    assert community.sponsor == named


def test_the_sponsor_role_names_a_sponsor_through_each_path(tmp_path, settings):
    by_service = CommunityFactory()
    holder = UserFactory()
    services.membership_add(community=by_service, user=holder, roles=[Role.SPONSOR])
    by_service.refresh_from_db()
    assert by_service.sponsor == holder

    by_import = CommunityFactory(slug="cdp")
    import_csv(
        tmp_path,
        "email,first_name,last_name,roles\nal@example.org,Al,A,sponsor\nbo@example.org,Bo,B,sponsor\n",
        "--community",
        "cdp",
    )
    by_import.refresh_from_db()
    assert by_import.sponsor.email == "al@example.org"  # the first row holding the role

    generate(settings)
    for community in Community.objects.filter(slug__startswith="scale-"):
        holders = Membership.objects.active().with_role(Role.SPONSOR).filter(community=community)
        if holders.exists():
            assert community.sponsor_id == holders.order_by("pk").first().user_id


# --- Unique profile handles -----------------------------------------------------------


def test_a_stem_ending_in_digits_skips_its_own_taken_handle_through_the_service():
    ProfileFactory(handle="jean-2")
    user = UserFactory(display_name="Jean 2")
    assert services.profile_ensure(user=user).handle == "jean-2-2"


def test_a_stem_ending_in_digits_skips_its_own_taken_handle_through_the_import(tmp_path):
    # Before the rule had one home, the import only looked for "stem-N" handles by their
    # stem with the digits stripped, missed "jean-2" and failed on the unique constraint.
    ProfileFactory(handle="jean-2")
    ProfileFactory(handle="sophie")
    import_csv(
        tmp_path,
        "email,first_name,last_name\nj@example.org,Jean,2\ns@example.org,Sophie,\n"
        "t@example.org,Sophie,\n",
    )
    handles = dict(Profile.objects.values_list("user__email", "handle"))
    assert handles["j@example.org"] == "jean-2-2"
    assert {handles["s@example.org"], handles["t@example.org"]} == {"sophie-2", "sophie-3"}


def test_scale_data_handles_follow_the_same_rule(settings):
    # The first scale person's natural handle is already someone else's.
    settings.DEBUG = True
    generate(settings)
    people = list(
        Profile.objects.filter(user__email__endswith="@scale.example").select_related("user")
    )
    for profile in people:
        stem = slugify(profile.user.display_name)[:60]
        assert profile.handle == stem or profile.handle.removeprefix(f"{stem}-").isdigit()
    assert len({p.handle for p in people}) == len(people)


def test_scale_data_skips_a_handle_already_taken(settings):
    settings.DEBUG = True
    generate(settings)
    first = Profile.objects.filter(user__email__endswith="@scale.example").order_by("pk").first()
    stem = slugify(first.user.display_name)[:60]
    # Someone else takes every handle the next run's first person would try first.
    Profile.objects.filter(user__email__endswith="@scale.example").delete()
    ProfileFactory(handle=stem)
    User.objects.filter(email__endswith="@scale.example").delete()
    generate(settings)
    again = Profile.objects.get(user__email=first.user.email)
    assert again.handle != stem and again.handle.startswith(f"{stem}-")
