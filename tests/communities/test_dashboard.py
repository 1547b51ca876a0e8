"""The signed-in home: my communities, requests to handle, my invitations."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from resources.models import ResourceFlag
from tests.factories import CommunityFactory, UserFactory, make_member
from tests.forums.factories import calls_forum, general_forum, make_topic
from tests.readiness.factories import checklist_of, deciding_community, set_item
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db


def dashboard(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert "home/dashboard.html" in [t.name for t in response.templates]
    return response, response.content.decode()


def requests_url(community):
    return reverse("communities:requests", kwargs={"slug": community.slug})


def test_anonymous_visitors_get_the_landing_page_not_the_panels(client, community_world):
    response = client.get("/")
    assert "home/panels/my_communities.html" not in [t.name for t in response.templates]
    assert "Communauté open" not in response.content.decode()


def test_my_communities_with_their_phase_and_my_roles(client, community_world):
    member = community_world.closed_member
    make_member(CommunityFactory(name="Préparation", phase="preparing"), user=member)
    left = CommunityFactory(name="Communauté quittée")
    make_member(left, user=member, status="left")
    response, text = dashboard(client, member)
    names = [m.community.name for m in response.context["my_memberships"]]
    assert names == ["Communauté closed", "Préparation"]
    assert "Communauté quittée" not in text
    assert "Préparer" in text and "Croître" in text
    assert 'href="/communities/cdp-closed/"' in text
    assert "Mes communautés" in text
    assert "Demandes à traiter" not in text  # a plain member moderates nothing


def test_a_newcomer_is_pointed_to_the_community_list(client, community_world):
    _response, text = dashboard(client, UserFactory())
    assert "Vous ne faites encore partie d'aucune communauté." in text
    assert f'href="{reverse("communities:list")}"' in text


def test_animators_see_the_requests_to_handle(client, community_world):
    closed = community_world.closed
    for _ in range(2):
        make_member(closed, status="requested")
    make_member(community_world.open, status="requested")  # not theirs
    response, text = dashboard(client, community_world.closed_animator)
    assert "Demandes à traiter" in text
    assert f'href="{requests_url(closed)}"' in text
    assert "Communauté closed : 2 demandes d'adhésion" in text
    assert requests_url(community_world.open) not in text
    assert [c.slug for c in response.context["communities_with_requests"]] == ["cdp-closed"]


def test_administrators_see_requests_everywhere(client, community_world):
    make_member(community_world.closed, status="requested")
    make_member(community_world.private, status="invited")  # an invitation, not a request
    _response, text = dashboard(client, community_world.admin)
    assert f'href="{requests_url(community_world.closed)}"' in text
    assert requests_url(community_world.private) not in text


def test_my_pending_invitations(client, community_world):
    invitee = UserFactory()
    private = community_world.private
    make_member(private, user=invitee, status="invited")
    _response, text = dashboard(client, invitee)
    assert "Invitations en attente" in text
    assert 'href="/communities/cdp-private/"' in text
    # The link works: an invitee may open the private community's home to answer.
    assert client.get(private.get_absolute_url()).status_code == 200


def test_outsiders_see_nothing_of_private_communities(client, community_world):
    make_member(community_world.private, status="requested")
    _response, text = dashboard(client, community_world.outsider)
    assert "Communauté private" not in text
    assert "cdp-private" not in text
    assert "Invitations en attente" not in text


def test_the_dashboard_runs_a_fixed_number_of_queries(
    client, community_world, django_assert_num_queries
):
    animator = community_world.open_animator
    for number in range(8):
        community = CommunityFactory(name=f"Tableau {number}")
        make_member(community, user=animator, roles=("animator",))
        make_member(community, status="requested")
        invitation_to = CommunityFactory(name=f"Invitation {number}", visibility="private")
        make_member(invitation_to, user=animator, status="invited")
        asker = make_member(community)
        make_topic(calls_forum(community), asker, tags=["moodle"], is_call_for_help=True)
        make_topic(general_forum(community), asker, title=f"Sujet {number}")
        flagged = ResourceFactory(community=community, author=asker, tags=["moodle"])
        ResourceFlag.objects.create(resource=flagged, reporter=asker, reason="Lien brisé")
    animator.profile.expertise.add("moodle")
    animator.profile.interests.add("moodle")
    preparing = deciding_community(name="En préparation")
    make_member(preparing, user=animator, roles=("animator",))
    checklist_of(preparing)
    set_item(preparing, "facilitating-environment", owner=animator)
    client.force_login(animator)
    # session, user, my memberships, my invitations, requests;
    # panels: calls for help I can answer, recent activity
    # in my forums, my checklist tasks, the tags I follow then new resources carrying
    # them (and their tags), flagged resources waiting for me
    with django_assert_num_queries(12):
        response = client.get("/")
    assert len(response.context["my_memberships"]) == 10
    assert len(response.context["my_invitations"]) == 8
    assert len(response.context["communities_with_requests"]) == 8
    panels = {panel.key: panel for panel in response.context["panels"]}
    assert len(panels["calls-for-me"].topics) > 0
    assert len(panels["followed-tags"].resources) == 6
    assert panels["resource-flags"].count == 8
    assert len(panels["recent-discussions"].topics) > 0
    assert len(panels["readiness-tasks"].tasks) == 1


def test_following_no_tag_looks_at_no_resource(client, community_world):
    """Most people follow no tag: the panel is left out without walking the library
    (the query used to read every visible resource in date order, 175 ms at 50,000)."""
    member = community_world.open_member
    for number in range(3):
        ResourceFactory(community=community_world.open, tags=["moodle", f"t{number}"])
    client.force_login(member)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    panels = {panel.key for panel in response.context["panels"]}
    assert "followed-tags" not in panels
    assert not [q for q in queries.captured_queries if "resources_taggedresource" in q["sql"]]
    member.profile.interests.add("moodle")
    panels = {panel.key: panel for panel in client.get("/").context["panels"]}
    assert len(panels["followed-tags"].resources) == 3
