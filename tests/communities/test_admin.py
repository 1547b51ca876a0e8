"""The Django admin as animators and administrators use it: scoped to the communities a
person animates, with membership actions going through the services."""

import csv
import io

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import RequestFactory

from cdp_portal.accounts.models import User
from communities import services
from communities.admin import CommunityAdmin, MembershipAdmin, ProfileAdmin
from communities.admin_scoping import CommunityScopedAdminMixin
from communities.models import ANIMATORS_GROUP, Community, Membership, Profile
from tests.factories import CommunityFactory, UserFactory, make_member
from tests.worlds import CommunityWorld

pytestmark = pytest.mark.django_db

COMMUNITIES = "/admin/communities/community/"
MEMBERSHIPS = "/admin/communities/membership/"
PROFILES = "/admin/communities/profile/"


def change_url(changelist: str, obj) -> str:
    return f"{changelist}{obj.pk}/change/"


def listed(response) -> set:
    return set(response.context["cl"].result_list)


def membership(user, community) -> Membership:
    return Membership.objects.get(user=user, community=community)


def run_action(client, url, action, objects, follow=True):
    return client.post(
        url,
        {"action": action, ACTION_CHECKBOX_NAME: [str(obj.pk) for obj in objects]},
        follow=follow,
    )


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Who gets in ----------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_portal_login(client):
    response = client.get(MEMBERSHIPS)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={MEMBERSHIPS}"


def test_member_without_animator_role_is_sent_to_the_admin_login(client, community_world):
    client.force_login(community_world.closed_member)
    for url in ("/admin/", COMMUNITIES, MEMBERSHIPS):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_admin_index_is_in_french_and_shows_the_animator_only_their_models(client, community_world):
    client.force_login(community_world.open_animator)
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Site d\u2019administration" in html  # Django's own French
    assert "Communautés" in html and "Adhésions" in html and "Profils" in html
    assert "/admin/accounts/user/" not in html
    assert "/admin/auth/group/" not in html


# --- Communities ----------------------------------------------------------------------


def test_animator_lists_only_the_communities_they_animate(client, community_world):
    client.force_login(community_world.closed_animator)
    response = client.get(COMMUNITIES)
    assert response.status_code == 200
    assert listed(response) == {community_world.closed}
    assert "Communauté private" not in response.content.decode()


def test_superuser_lists_every_community_with_member_counts(admin_client, community_world):
    response = admin_client.get(COMMUNITIES)
    assert listed(response) == {community_world.community(v) for v in ("open", "closed", "private")}
    counts = {c.slug: c.member_count for c in response.context["cl"].result_list}
    assert counts == {"cdp-open": 2, "cdp-closed": 2, "cdp-private": 2}


def test_animator_cannot_open_or_change_another_community(client, community_world):
    client.force_login(community_world.open_animator)
    private = community_world.private
    response = client.get(change_url(COMMUNITIES, private))
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    response = client.post(
        change_url(COMMUNITIES, private),
        {"name": "Piratée", "summary": "", "description": "", "theme": "", "phase": "growing"},
    )
    assert response.status_code == 302
    private.refresh_from_db()
    assert private.name == "Communauté private"


def test_animator_edits_their_community_but_not_its_slug_visibility_phase_or_sponsor(
    client, community_world
):
    community = community_world.open
    phase_before = community.phase
    member = community_world.open_member
    client.force_login(community_world.open_animator)
    response = client.get(change_url(COMMUNITIES, community))
    assert response.status_code == 200
    form = response.context["adminform"].form
    # The phase moves with a recorded decision (readiness dossier), not by hand; the
    # sponsor, who records it, is named by administrators (or hands over the role).
    assert not {"slug", "visibility", "phase", "sponsor"} & set(form.fields)
    response = client.post(
        change_url(COMMUNITIES, community),
        {
            "name": "Technopédagogie",
            "summary": "Nos pratiques",
            "description": "## Bienvenue",
            "theme": "Innover",
            "phase": "launching",
            "sponsor": str(member.pk),
            "benefits": ["learning", "collaboration"],
            "visibility": "private",
            "slug": "pirate",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    community.refresh_from_db()
    assert (community.name, community.theme, community.phase) == (
        "Technopédagogie",
        "Innover",
        phase_before,
    )
    assert community.benefits == ["learning", "collaboration"]
    assert community.sponsor is None
    assert (community.slug, community.visibility) == ("cdp-open", "open")


def test_animator_cannot_make_themselves_the_communitys_sponsor(client, community_world):
    community = community_world.open
    animator = community_world.open_animator
    client.force_login(animator)
    client.post(
        change_url(COMMUNITIES, community),
        {"name": "X", "phase": "growing", "sponsor": str(animator.pk)},
    )
    community.refresh_from_db()
    assert community.sponsor is None


def test_animator_keeps_a_sponsor_who_is_not_a_member(client, community_world):
    community = community_world.open
    outside_sponsor = community_world.private_member
    Community.objects.filter(pk=community.pk).update(sponsor=outside_sponsor)
    client.force_login(community_world.open_animator)
    response = client.post(
        change_url(COMMUNITIES, community),
        {"name": "Renommée", "phase": "growing", "sponsor": ""},
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert (community.name, community.sponsor) == ("Renommée", outside_sponsor)


def test_superuser_changes_slug_and_visibility(admin_client, community_world):
    community = community_world.closed
    response = admin_client.post(
        change_url(COMMUNITIES, community),
        {"name": "Fermée", "slug": "fermee", "visibility": "private", "phase": "growing"},
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert (community.slug, community.visibility) == ("fermee", "private")


def test_only_superusers_add_or_delete_communities(client, community_world):
    community = community_world.open
    client.force_login(community_world.open_animator)
    assert client.get(f"{COMMUNITIES}add/").status_code == 403
    assert client.get(f"{COMMUNITIES}{community.pk}/delete/").status_code == 403
    assert client.post(f"{COMMUNITIES}{community.pk}/delete/", {"post": "yes"}).status_code == 403
    # No action at all for animators here, so no "delete selected" either.
    assert client.get(COMMUNITIES).context["action_form"] is None
    assert Community.objects.filter(pk=community.pk).exists()
    client.force_login(community_world.admin)
    assert client.get(f"{COMMUNITIES}add/").status_code == 200
    assert client.get(f"{COMMUNITIES}{community.pk}/delete/").status_code == 200


def test_administrators_group_member_sees_all_but_cannot_delete(client, community_world):
    # Put in the group (which a migration creates), the person becomes staff.
    group_admin = UserFactory()
    group_admin.groups.add(Group.objects.get(name="Administrateurs"))
    client.force_login(group_admin)
    assert len(listed(client.get(COMMUNITIES))) == 3
    membership_pk = membership(community_world.private_member, community_world.private).pk
    assert client.get(f"{MEMBERSHIPS}{membership_pk}/change/").status_code == 200
    assert client.get(f"{MEMBERSHIPS}{membership_pk}/delete/").status_code == 403


def test_community_filters_and_search(admin_client, community_world):
    assert listed(admin_client.get(COMMUNITIES, {"visibility": "closed"})) == {
        community_world.closed
    }
    assert listed(admin_client.get(COMMUNITIES, {"q": "private"})) == {community_world.private}


# --- Memberships ----------------------------------------------------------------------


def test_animator_lists_only_memberships_of_their_communities(client, community_world):
    client.force_login(community_world.open_animator)
    response = client.get(MEMBERSHIPS)
    assert response.status_code == 200
    assert {m.community for m in listed(response)} == {community_world.open}
    assert len(listed(response)) == 3  # animator, member, and the outsider who left
    # The community filter offers the animator's communities only.
    html = response.content.decode()
    assert "?community=" in html
    assert "Communauté private" not in html and "Communauté closed" not in html


def test_superuser_lists_every_membership(admin_client, community_world):
    assert len(listed(admin_client.get(MEMBERSHIPS))) == 7


def test_membership_filters(client, community_world):
    animator = community_world.open_animator
    client.force_login(animator)
    response = client.get(MEMBERSHIPS, {"role": "animator"})
    assert listed(response) == {membership(animator, community_world.open)}
    response = client.get(MEMBERSHIPS, {"status": "left"})
    assert listed(response) == {membership(community_world.outsider, community_world.open)}
    # Another community's id, or nonsense, filters down to nothing rather than leaking.
    for value in (str(community_world.private.pk), "abc"):
        response = client.get(MEMBERSHIPS, {"community": value})
        assert response.status_code == 200
        assert listed(response) == set()
    assert client.get(MEMBERSHIPS, {"role": "pirate"}).status_code == 200


def test_membership_search_by_email(client, community_world):
    member = community_world.open_member
    client.force_login(community_world.open_animator)
    response = client.get(MEMBERSHIPS, {"q": member.email})
    assert listed(response) == {membership(member, community_world.open)}
    # A member of another community is not found, even by exact address.
    response = client.get(MEMBERSHIPS, {"q": community_world.private_member.email})
    assert listed(response) == set()


def test_animator_cannot_open_change_or_delete_another_communitys_membership(
    client, community_world
):
    other = membership(community_world.private_member, community_world.private)
    client.force_login(community_world.open_animator)
    url = change_url(MEMBERSHIPS, other)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    response = client.post(url, {"roles": ["member", "animator"]})
    assert response.status_code == 302
    assert client.get(f"{MEMBERSHIPS}{other.pk}/delete/").status_code in (302, 403)
    assert client.get(f"{MEMBERSHIPS}{other.pk}/history/").status_code == 302
    other.refresh_from_db()
    assert other.roles == ["member"]
    assert not community_world.private_member.is_staff


def test_per_object_permissions_refuse_objects_outside_the_scope(community_world):
    """Defence in depth: even an object fetched some other way is refused."""
    request = RequestFactory().get("/admin/")
    request.user = community_world.open_animator
    model_admin = MembershipAdmin(Membership, admin.site)
    inside = membership(community_world.open_member, community_world.open)
    outside = membership(community_world.private_member, community_world.private)
    assert model_admin.has_change_permission(request, inside)
    assert model_admin.has_view_permission(request, inside)
    assert not model_admin.has_change_permission(request, outside)
    assert not model_admin.has_view_permission(request, outside)
    assert not model_admin.has_delete_permission(request, inside)
    community_admin = CommunityAdmin(Community, admin.site)
    assert community_admin.has_change_permission(request, community_world.open)
    assert not community_admin.has_change_permission(request, community_world.closed)
    profile_admin = ProfileAdmin(Profile, admin.site)
    assert profile_admin.has_view_permission(request, community_world.open_member.profile)
    assert not profile_admin.has_view_permission(request, community_world.private_member.profile)


def test_mixin_limits_community_choices_to_moderated_ones(community_world):
    class ScopedMembershipAdmin(CommunityScopedAdminMixin, admin.ModelAdmin):
        community_path = "community"

    add = Permission.objects.get(codename="add_membership")
    animator, member = community_world.closed_animator, community_world.closed_member
    for person in (animator, member):
        person.user_permissions.add(add)
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(pk=animator.pk)
    model_admin = ScopedMembershipAdmin(Membership, admin.site)
    field = model_admin.formfield_for_foreignkey(Membership._meta.get_field("community"), request)
    assert set(field.queryset) == {community_world.closed}
    assert model_admin.has_add_permission(request)
    # The same model permission without a community to attach the object to: no adding.
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(pk=member.pk)
    assert not model_admin.has_add_permission(request)


def test_memberships_are_not_added_in_the_admin_and_superusers_alone_delete(
    admin_client, community_world
):
    assert admin_client.get(f"{MEMBERSHIPS}add/").status_code == 403
    own = membership(community_world.open_member, community_world.open)
    # Superusers may delete (they alone); animators may not, even in their community.
    assert admin_client.get(f"{MEMBERSHIPS}{own.pk}/delete/").status_code == 200


def test_animator_cannot_delete_a_membership_of_their_community(client, community_world):
    own = membership(community_world.open_member, community_world.open)
    client.force_login(community_world.open_animator)
    assert client.post(f"{MEMBERSHIPS}{own.pk}/delete/", {"post": "yes"}).status_code == 403
    response = run_action(client, MEMBERSHIPS, "delete_selected", [own], follow=False)
    assert Membership.objects.filter(pk=own.pk).exists()
    assert response.status_code in (200, 302)


# --- Actions --------------------------------------------------------------------------


@pytest.fixture
def requests_world(
    community_world: CommunityWorld,
) -> tuple[CommunityWorld, list[Membership]]:
    closed = community_world.closed
    asking = [UserFactory(), UserFactory()]
    pending = [services.membership_join(community=closed, user=user) for user in asking]
    return community_world, pending


def test_approve_action_accepts_pending_requests_and_skips_the_rest(
    client, requests_world, django_capture_on_commit_callbacks
):
    world, pending = requests_world
    animator = world.closed_animator
    already = membership(world.closed_member, world.closed)
    client.force_login(animator)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, MEMBERSHIPS, "approve_requests", [*pending, already])
    assert response.status_code == 200
    for item in pending:
        item.refresh_from_db()
        assert item.status == Membership.Status.ACTIVE and item.decided_by == animator
    assert page_messages(response) == [
        "2 demandes acceptées.",
        "1 adhésion ignorée : ce n'était pas une demande en attente.",
    ]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.user.email for p in pending)


def test_refuse_action_refuses_pending_requests(client, requests_world):
    world, pending = requests_world
    client.force_login(world.closed_animator)
    response = run_action(client, MEMBERSHIPS, "refuse_requests", pending[:1])
    assert page_messages(response) == ["1 demande refusée."]
    pending[0].refresh_from_db()
    pending[1].refresh_from_db()
    assert pending[0].status == Membership.Status.REFUSED
    assert pending[1].status == Membership.Status.REQUESTED


def test_actions_cannot_reach_another_communitys_requests(client, requests_world):
    world, pending = requests_world
    client.force_login(world.open_animator)
    response = run_action(client, MEMBERSHIPS, "approve_requests", pending)
    for item in pending:
        item.refresh_from_db()
        assert item.status == Membership.Status.REQUESTED
    assert not any("acceptée" in message for message in page_messages(response))


def test_csv_export_of_selected_members(client, community_world):
    community = community_world.open
    member = community_world.open_member
    member.display_name = "=Zoé Côté"
    member.save()
    Profile.objects.filter(user=member).update(unit="Faculté des sciences de l'éducation")
    client.force_login(community_world.open_animator)
    selected = Membership.objects.filter(community=community, status="active")
    response = run_action(client, MEMBERSHIPS, "export_csv", selected, follow=False)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="membres-')
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Adresse e-mail",
        "Nom affiché",
        "Communauté",
        "Rôles",
        "Statut",
        "Unité",
        "Membre depuis",
    ]
    by_email = {row[0]: row for row in rows[1:]}
    assert set(by_email) == {member.email, community_world.open_animator.email}
    row = by_email[member.email]
    # A leading "=" is neutralised so that a spreadsheet shows it rather than runs it.
    assert row[1:6] == [
        "'=Zoé Côté",
        "Communauté open",
        "Membre",
        "Active",
        "Faculté des sciences de l'éducation",
    ]
    assert by_email[community_world.open_animator.email][3] == "Animateur·rice"


def test_csv_export_leaves_out_other_communities(client, community_world):
    client.force_login(community_world.open_animator)
    everything = Membership.objects.all()
    response = run_action(client, MEMBERSHIPS, "export_csv", everything, follow=False)
    text = response.content.decode("utf-8-sig")
    assert community_world.private_member.email not in text
    assert community_world.open_member.email in text


# --- Roles through the admin ----------------------------------------------------------


def test_giving_and_removing_the_animator_role_in_the_admin_syncs_admin_access(
    client, community_world
):
    community = community_world.closed
    member = community_world.closed_member
    target = membership(member, community)
    client.force_login(community_world.closed_animator)
    url = change_url(MEMBERSHIPS, target)
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.fields) == {"roles", "allocated_hours_per_month"}
    assert 'type="checkbox" name="roles" value="animator"' in response.content.decode()
    response = client.post(url, {"roles": ["member", "animator"], "allocated_hours_per_month": 6})
    assert response.status_code == 302
    member.refresh_from_db()
    target.refresh_from_db()
    assert target.roles == ["member", "animator"]
    assert target.allocated_hours_per_month == 6
    assert member.is_staff
    assert member.groups.filter(name=ANIMATORS_GROUP).exists()

    response = client.post(url, {"roles": ["member"], "allocated_hours_per_month": ""})
    assert response.status_code == 302
    member.refresh_from_db()
    target.refresh_from_db()
    assert target.roles == ["member"] and target.allocated_hours_per_month is None
    assert not member.is_staff
    assert not member.groups.filter(name=ANIMATORS_GROUP).exists()


def test_sponsor_role_given_in_the_admin_becomes_the_communitys_sponsor(
    admin_client, community_world
):
    target = membership(community_world.open_member, community_world.open)
    response = admin_client.post(change_url(MEMBERSHIPS, target), {"roles": ["sponsor"]})
    assert response.status_code == 302
    community_world.open.refresh_from_db()
    assert community_world.open.sponsor == community_world.open_member


def test_removing_the_last_animator_is_a_form_error_not_a_crash(client, community_world):
    animator = community_world.closed_animator
    target = membership(animator, community_world.closed)
    client.force_login(animator)
    response = client.post(change_url(MEMBERSHIPS, target), {"roles": ["member"]})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["roles"] == ["Une communauté doit garder au moins une personne à l'animation."]
    target.refresh_from_db()
    animator.refresh_from_db()
    assert "animator" in target.roles and animator.is_staff


def test_unknown_role_is_a_form_error(client, community_world):
    target = membership(community_world.open_member, community_world.open)
    client.force_login(community_world.open_animator)
    response = client.post(change_url(MEMBERSHIPS, target), {"roles": ["emperor"]})
    assert response.status_code == 200
    assert "roles" in response.context["adminform"].form.errors
    response = client.post(
        change_url(MEMBERSHIPS, target), {"roles": ["member"], "allocated_hours_per_month": "-3"}
    )
    assert response.status_code == 200
    assert "allocated_hours_per_month" in response.context["adminform"].form.errors


def test_status_is_read_only_in_the_change_form(client, community_world):
    target = membership(community_world.open_member, community_world.open)
    client.force_login(community_world.open_animator)
    response = client.post(
        change_url(MEMBERSHIPS, target), {"roles": ["member"], "status": "refused"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == Membership.Status.ACTIVE


# --- Profiles -------------------------------------------------------------------------


def test_animator_sees_only_profiles_of_their_communities_members(client, community_world):
    closed = community_world.closed
    asking = UserFactory()
    services.membership_join(community=closed, user=asking)
    client.force_login(community_world.closed_animator)
    response = client.get(PROFILES)
    assert response.status_code == 200
    assert {p.user for p in listed(response)} == {
        community_world.closed_animator,
        community_world.closed_member,
        asking,
    }
    other = community_world.private_member.profile
    assert client.get(change_url(PROFILES, other)).status_code == 302


def test_animator_views_but_cannot_change_a_profile(client, community_world):
    profile = community_world.open_member.profile
    client.force_login(community_world.open_animator)
    response = client.get(change_url(PROFILES, profile))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = client.post(change_url(PROFILES, profile), {"job_title": "Piratage"})
    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.job_title != "Piratage"


def test_profile_search_by_unit_and_superuser_edits(admin_client, community_world):
    profile = community_world.open_member.profile
    Profile.objects.filter(pk=profile.pk).update(unit="Bibliothèque")
    assert {p.pk for p in listed(admin_client.get(PROFILES, {"q": "Biblioth"}))} == {profile.pk}
    response = admin_client.post(
        change_url(PROFILES, profile),
        {
            "handle": profile.handle,
            "job_title": "Bibliothécaire",
            "languages": ["fr", "en"],
            "expertise": "documentation, moodle",
            "show_email": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    profile.refresh_from_db()
    assert profile.job_title == "Bibliothécaire" and profile.languages == ["fr", "en"]
    assert set(profile.expertise.names()) == {"documentation", "moodle"}
    assert admin_client.get(f"{PROFILES}add/").status_code == 403


# --- Query counts ---------------------------------------------------------------------


def _crowd(community, count):
    for index in range(count):
        member = make_member(community, roles=("member", "coach") if index % 2 else ("member",))
        member.profile.expertise.add("moodle", f"tag-{index}")


@pytest.mark.parametrize("extra", [3, 12])
def test_membership_changelist_runs_a_fixed_number_of_queries(
    client, community_world, django_assert_num_queries, extra
):
    _crowd(community_world.open, extra)
    client.force_login(community_world.open_animator)
    # session, user, user and group permissions, the Administrateurs group check,
    # moderated communities for the community filter and for the sidebar's "add forum"
    # link, two counts, the page of rows.
    # + SAVEPOINT/RELEASE around the changelist: tests run in a transaction (a request in
    # autocommit has none; see SafeChangelistMixin).
    with django_assert_num_queries(11):
        response = client.get(MEMBERSHIPS)
    assert len(listed(response)) == 3 + extra


@pytest.mark.parametrize("extra", [3, 12])
def test_membership_changelist_for_superuser_runs_a_fixed_number_of_queries(
    admin_client, community_world, django_assert_num_queries, extra
):
    _crowd(community_world.closed, extra)
    # Superusers skip the permission queries: session, user, community filter, two
    # counts, the page of rows.
    # + SAVEPOINT/RELEASE around the changelist: tests run in a transaction (a request in
    # autocommit has none; see SafeChangelistMixin).
    with django_assert_num_queries(8):
        response = admin_client.get(MEMBERSHIPS)
    assert len(listed(response)) == 7 + extra


@pytest.mark.parametrize("extra", [2, 8])
def test_community_changelist_runs_a_fixed_number_of_queries(
    client, community_world, django_assert_num_queries, extra
):
    animator = community_world.open_animator
    for index in range(extra):
        community = CommunityFactory(theme=f"Thème {index}")
        make_member(community, user=animator, roles=("animator",))
        _crowd(community, 2)
        community.sponsor = community_world.open_member
        community.save()
    client.force_login(animator)
    # session, user, permissions (2), Administrateurs group, two counts, the page of rows
    # (member counts annotated), the theme filter, moderated communities (the sidebar's
    # "add forum" link).
    # + SAVEPOINT/RELEASE around the changelist: tests run in a transaction (a request in
    # autocommit has none; see SafeChangelistMixin).
    with django_assert_num_queries(11):
        response = client.get(COMMUNITIES)
    assert len(listed(response)) == 1 + extra
    assert {c.member_count for c in listed(response)} >= {3}


@pytest.mark.parametrize("extra", [3, 12])
def test_profile_changelist_runs_a_fixed_number_of_queries(
    client, community_world, django_assert_num_queries, extra
):
    _crowd(community_world.open, extra)
    client.force_login(community_world.open_animator)
    # session, user, permissions (2), Administrateurs group, two counts, the page of rows,
    # their expertise tags (one prefetch), the campus filter, moderated communities (the
    # sidebar's "add forum" link).
    # + SAVEPOINT/RELEASE around the changelist: tests run in a transaction (a request in
    # autocommit has none; see SafeChangelistMixin).
    with django_assert_num_queries(12):
        response = client.get(PROFILES)
    assert len(listed(response)) == 2 + extra
