"""Community pages and membership flows, under the five kinds of visitor."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from cdp_portal.accounts.feed_tokens import feed_token_ensure
from cdp_portal.accounts.models import User
from cdp_portal.core.markdown import render_markdown
from communities.models import ANIMATORS_GROUP, Membership, Role
from tests.factories import CommunityFactory, ProfileFactory, UserFactory, make_member
from tests.forums.factories import calls_forum, general_forum, make_topic
from tests.resources.factories import ResourceFactory
from tests.worlds import CommunityWorld

pytestmark = pytest.mark.django_db

VISITORS = ["outsider", "member", "animator", "admin"]


def url(name, community=None, **kwargs):
    if community is not None:
        kwargs["slug"] = community.slug
    return reverse(f"communities:{name}", kwargs=kwargs)


def membership(user, community):
    return Membership.objects.get(user=user, community=community)


def body(response):
    return response.content.decode()


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Anonymous visitors and method checks ------------------------------------------


@pytest.mark.parametrize(
    ("name", "method", "extra"),
    [
        ("list", "get", {}),
        ("detail", "get", {}),
        ("members", "get", {}),
        ("join", "post", {}),
        ("leave", "post", {}),
        ("invitation", "post", {}),
        ("requests", "get", {}),
        ("invite", "get", {}),
        ("roles", "post", {"membership_id": 1}),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(
    client, community_world, name, method, extra
):
    target = (
        reverse("communities:list") if name == "list" else url(name, community_world.open, **extra)
    )
    response = getattr(client, method)(target)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["join", "leave", "invitation"])
def test_membership_actions_refuse_get(client, login, community_world, name):
    login(community_world.outsider)
    assert client.get(url(name, community_world.open)).status_code == 405
    assert not Membership.objects.filter(
        user=community_world.outsider, status=Membership.Status.ACTIVE
    ).exists()


def test_roles_change_refuses_get(client, login, community_world):
    community = community_world.open
    login(community_world.open_animator)
    target = url(
        "roles",
        community,
        membership_id=membership(community_world.open_member, community).pk,
    )
    assert client.get(target).status_code == 405


# --- List -------------------------------------------------------------------------


def listed_slugs(response):
    return {community.slug for community in response.context["communities"]}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("outsider", {"cdp-open", "cdp-closed"}),
        ("private_member", {"cdp-open", "cdp-closed", "cdp-private"}),
        ("closed_animator", {"cdp-open", "cdp-closed"}),
        ("admin", {"cdp-open", "cdp-closed", "cdp-private"}),
    ],
)
def test_the_list_shows_what_each_person_may_see(client, login, community_world, kind, expected):
    login(community_world.visitor(kind))
    response = client.get(url("list"))
    assert response.status_code == 200
    assert listed_slugs(response) == expected
    assert response.context["page_obj"].paginator.count == len(expected)
    text = body(response)
    assert f"{len(expected)} communautés" in text
    assert ("Communauté private" in text) == ("cdp-private" in expected)


def test_a_private_community_leaks_neither_its_theme_nor_its_visibility(
    client, login, community_world
):
    private = community_world.private
    private.theme = "Thème secret des RH"
    private.save()
    login(community_world.outsider)
    response = client.get(url("list"))
    assert "Thème secret des RH" not in body(response)
    form = response.context["form"]
    assert "private" not in dict(form.fields["visibility"].choices)
    # The same filter, tampered with, finds nothing and says the value is not valid.
    response = client.get(url("list"), {"theme": "Thème secret des RH", "visibility": "private"})
    assert response.status_code == 200
    assert listed_slugs(response) == {"cdp-open", "cdp-closed"}
    assert response.context["form"].errors.keys() == {"theme", "visibility"}

    login(community_world.private_member)
    form = client.get(url("list")).context["form"]
    assert "Thème secret des RH" in dict(form.fields["theme"].choices)
    assert "private" in dict(form.fields["visibility"].choices)


def test_the_list_filters(client, login, community_world):
    CommunityFactory(name="Pédagogie active", phase="deciding", theme="Innover")
    CommunityFactory(name="Soutien informatique", summary="Outils et pédagogie", theme="Outils")
    outsider = community_world.outsider
    login(outsider)

    def names(params):
        return {c.name for c in client.get(url("list"), params).context["communities"]}

    assert names({"phase": "deciding"}) == {"Pédagogie active"}
    assert names({"theme": "Innover"}) == {"Pédagogie active"}
    assert names({"q": "SOUTIEN"}) == {"Soutien informatique"}
    response = client.get(url("list"), {"q": "pédagogie"})
    assert {c.name for c in response.context["communities"]} == {
        "Pédagogie active",
        "Soutien informatique",
    }
    assert listed_slugs(client.get(url("list"), {"visibility": "closed"})) == {"cdp-closed"}

    login(community_world.closed_member)
    assert listed_slugs(client.get(url("list"), {"mine": "on"})) == {"cdp-closed"}


def test_bad_filter_values_are_reported_not_fatal(client, login, community_world):
    login(community_world.outsider)
    response = client.get(url("list"), {"phase": "nope", "visibility": "closed", "page": "x"})
    assert response.status_code == 200
    assert "phase" in response.context["form"].errors
    assert listed_slugs(response) == {"cdp-closed"}  # the valid filter still applies
    assert "n'ont pas été appliqués" in body(response)


def test_each_card_says_my_status(client, login, community_world):
    person = UserFactory()
    make_member(community_world.closed, user=person, status="requested")
    make_member(community_world.private, user=person, status="invited")
    extra = CommunityFactory(name="Autre communauté")
    make_member(extra, user=person)
    login(person)
    response = client.get(url("list"))
    states = {c.slug: c.my_state for c in response.context["communities"]}
    # Invited to a private community is not seeing it in the list.
    assert states == {"cdp-closed": "requested", "cdp-open": "none", extra.slug: "member"}
    text = body(response)
    assert "Demande envoyée" in text
    assert 'class="badge badge--mine"' in text


def test_the_list_is_paginated_and_pages_keep_the_filters(client, login, community_world):
    for number in range(30):
        CommunityFactory(name=f"Zeta {number:02d}", phase="launching")
    login(community_world.outsider)
    response = client.get(url("list"), {"phase": "launching"})
    assert len(response.context["communities"]) == 24
    assert response.context["page_obj"].paginator.count == 30
    assert "?phase=launching&amp;page=2" in body(response)
    second = client.get(url("list"), {"phase": "launching", "page": 2})
    assert len(second.context["communities"]) == 6
    assert 'aria-current="page"' in body(second)


def test_the_list_runs_a_fixed_number_of_queries(
    client, login, community_world, django_assert_num_queries
):
    person = community_world.closed_member
    for number in range(12):
        community = CommunityFactory(name=f"Liste {number}", theme=f"Thème {number % 4}")
        make_member(community)
        make_member(community, user=person, status="requested" if number % 2 else "active")
    login(person)
    # session, user, filter choices, count, page, my memberships
    with django_assert_num_queries(6):
        response = client.get(url("list"))
    assert len(response.context["communities"]) == 14


# --- Community home ---------------------------------------------------------------


@pytest.mark.parametrize("visibility", ["open", "closed", "private"])
@pytest.mark.parametrize("kind", VISITORS)
def test_the_home_is_hidden_only_from_non_members_of_private_communities(
    client, login, community_world, visibility, kind
):
    login(community_world.visitor_for(kind, visibility))
    response = client.get(url("detail", community_world.community(visibility)))
    hidden = visibility == "private" and kind == "outsider"
    assert response.status_code == (404 if hidden else 200)
    if not hidden:
        assert community_world.community(visibility).name in body(response)


def test_an_invitee_may_open_a_private_home_to_answer(client, login, community_world):
    invitee = UserFactory()
    make_member(community_world.private, user=invitee, status="invited")
    login(invitee)
    response = client.get(url("detail", community_world.private))
    assert response.status_code == 200
    text = body(response)
    assert "Accepter l'invitation" in text
    # Not the content: no plain member listed, no members link.
    assert community_world.private_member.get_full_name() not in text
    assert client.get(url("members", community_world.private)).status_code == 404


def test_the_home_shows_the_charter(client, login, community_world):
    community = community_world.closed
    sponsor = UserFactory(display_name="Josée Parrain")
    ProfileFactory(user=sponsor, handle="josee-parrain")
    community.sponsor = sponsor
    community.benefits = ["productivity", "less_isolation"]
    community.theme = "Enseigner avec les technologies"
    community.phase = "preparing"
    community.save()
    login(community_world.outsider)
    text = body(client.get(url("detail", community)))
    assert "Gains de productivité" in text
    assert "Réduction de l&#x27;isolement" in text
    assert "Enseigner avec les technologies" in text
    assert "Préparer" in text
    assert "Fermée" in text
    assert '<a href="/members/josee-parrain/">Josée Parrain</a>' in text
    assert "<time datetime=" in text


def test_roles_shown_depend_on_who_may_read_the_content(client, login, community_world):
    community = community_world.closed
    coach = make_member(community, roles=("member", "coach"))
    animator = community_world.closed_animator
    login(community_world.outsider)
    text = body(client.get(url("detail", community)))
    assert animator.get_full_name() in text
    assert f'href="{animator.profile.get_absolute_url()}"' in text
    assert coach.get_full_name() not in text

    login(community_world.closed_member)
    text = body(client.get(url("detail", community)))
    assert coach.get_full_name() in text
    assert "Coach" in text


def test_the_buttons_follow_my_membership(client, login, community_world):
    world = community_world
    login(world.outsider)
    text = body(client.get(url("detail", world.open)))
    assert f'action="{url("join", world.open)}"' in text
    assert "Rejoindre la communauté" in text
    text = body(client.get(url("detail", world.closed)))
    assert "Demander à rejoindre" in text
    assert 'name="message"' in text

    login(world.closed_member)
    text = body(client.get(url("detail", world.closed)))
    assert f'action="{url("leave", world.closed)}"' in text
    assert url("requests", world.closed) not in text

    login(world.admin)
    text = body(client.get(url("detail", world.private)))
    assert "sur invitation seulement" in text
    assert url("join", world.private) not in text


def test_animators_see_pending_requests_and_the_invite_link(client, login, community_world):
    community = community_world.closed
    for _ in range(3):
        make_member(community, status="requested")
    login(community_world.closed_animator)
    text = body(client.get(url("detail", community)))
    assert "3 demandes d'adhésion en attente" in text
    assert url("invite", community) in text


def test_markdown_in_the_description_is_rendered_and_sanitised(client, login, community_world):
    community = community_world.open
    community.description = (
        "# Notre charte\n\n**Gras** et [lien](https://exemple.org)\n\n"
        '<script>alert("x")</script>\n\n<img src=x onerror=alert(1)>\n\n'
        "[piège](javascript:alert(1)) ![image](https://tiers.example/pixel.png)"
    )
    community.save()
    login(community_world.outsider)
    text = body(client.get(url("detail", community)))
    assert "<h3>Notre charte</h3>" in text  # demoted below the page's own headings
    assert "<strong>Gras</strong>" in text
    assert '<a href="https://exemple.org" rel="noopener noreferrer nofollow">lien</a>' in text
    assert "<script>alert" not in text
    assert "&lt;script&gt;" in text
    assert "<img" not in text
    assert 'href="javascript:' not in text
    assert 'src="https://tiers.example' not in text


def test_render_markdown_keeps_only_the_allow_list():
    html = render_markdown(
        '<a href="x" onclick="y">z</a> *ok*\n\n| a |\n|:-|\n| b |\n\n'
        '[t](http://e.org "t\\" x=\\"y")'
    )
    assert '<a href="x"' not in html  # raw HTML stays text
    assert "&lt;a href" in html
    assert "<em>ok</em>" in html
    assert "<table>" in html and "style=" not in html  # no inline style (strict CSP)
    assert 'title="t&quot; x=&quot;y"' in html  # a title cannot open a new attribute
    assert 'href="data:' not in render_markdown("[c](data:text/html,x)")
    assert render_markdown("") == "" and render_markdown(None) == ""
    assert render_markdown("###### six", heading_level=6).startswith("<h6>")


def test_the_home_runs_a_fixed_number_of_queries(
    client, login, community_world, django_assert_num_queries
):
    community = community_world.open
    for role in ("coach", "documentalist", "sponsor", "animator", "technical_support"):
        make_member(community, roles=("member", role))
    for n in range(5):
        make_member(community)
        make_member(community, status="requested")
        ResourceFactory(community=community, title=f"Guide {n}", tags=["guide", f"t{n}"])
        author = make_member(community)
        make_topic(general_forum(community), author, title=f"Sujet {n}", tags=[f"t{n}"])
        make_topic(
            calls_forum(community), author, title=f"Appel {n}", tags=["aide"], is_call_for_help=True
        )
    login(community_world.open_animator)
    # Made once in a person's life, by the first page that offers a feed.
    feed_token_ensure(user=community_world.open_animator)
    # session, user, community (with my membership), role holders,
    # pending requests count; sections: open calls for
    # help, forums, recent discussions (and their tags), recent resources (and their
    # tags; my feed token comes with my account)
    with django_assert_num_queries(12):
        response = client.get(url("detail", community))
    assert response.status_code == 200
    assert "5 demandes d'adhésion en attente" in body(response)
    assert "Guide 4" in body(response)
    assert "Sujet 4" in body(response) and "Appel 4" in body(response)


# --- Members page -----------------------------------------------------------------


@pytest.mark.parametrize("visibility", ["open", "closed", "private"])
@pytest.mark.parametrize("kind", VISITORS)
def test_the_members_page_is_for_those_who_read_the_content(
    client, login, community_world, visibility, kind
):
    login(community_world.visitor_for(kind, visibility))
    response = client.get(url("members", community_world.community(visibility)))
    if kind == "outsider" and visibility == "private":
        assert response.status_code == 404
    elif kind == "outsider" and visibility == "closed":
        assert response.status_code == 403
        text = body(response)
        assert "Demander à rejoindre" in text
        assert community_world.closed_member.get_full_name() not in text
    else:
        assert response.status_code == 200
        member = community_world.visitor_for("member", visibility)
        assert member.get_full_name() in body(response)
        assert f'href="{member.profile.get_absolute_url()}"' in body(response)


def test_animators_see_allocated_time_and_role_forms(client, login, community_world):
    community = community_world.open
    member = community_world.open_member
    Membership.objects.filter(user=member, community=community).update(allocated_hours_per_month=6)
    target = url("roles", community, membership_id=membership(member, community).pk)
    login(community_world.open_member)
    text = body(client.get(url("members", community)))
    assert "6 h par mois" not in text
    assert target not in text

    for kind in ("open_animator", "admin"):
        login(community_world.visitor(kind))
        text = body(client.get(url("members", community)))
        assert "6 h par mois" in text
        assert f'action="{target}"' in text
        # Each row's checkboxes have their own ids.
        assert len(re.findall(r'id="roles-\d+-roles_0"', text)) == 2


def test_the_members_page_filters_by_role(client, login, community_world):
    community = community_world.open
    coach = make_member(community, roles=("member", "coach"))
    login(community_world.open_member)
    response = client.get(url("members", community), {"role": "coach"})
    assert [m.user for m, _form in response.context["rows"]] == [coach]
    response = client.get(url("members", community), {"role": "overlord"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 3


def test_the_members_page_runs_a_fixed_number_of_queries(
    client, login, community_world, django_assert_num_queries
):
    community = community_world.open
    for number in range(12):
        make_member(community, roles=("member", "coach") if number % 3 else ("member",))
    make_member(community, status="requested")
    login(community_world.open_animator)
    # session, user, community (with my membership), count, page
    with django_assert_num_queries(5):
        response = client.get(url("members", community))
    assert len(response.context["rows"]) == 14


# --- Join, leave, invitations -----------------------------------------------------


def test_joining_an_open_community_is_immediate(client, login, community_world):
    outsider = community_world.outsider
    login(outsider)
    response = client.post(url("join", community_world.open), follow=True)
    assert membership(outsider, community_world.open).is_active
    assert "Bienvenue dans la communauté Communauté open." in messages_of(response)
    assert f'action="{url("leave", community_world.open)}"' in body(response)


def test_asking_to_join_a_closed_community_tells_the_animators(
    client, login, community_world, django_capture_on_commit_callbacks
):
    outsider = community_world.outsider
    community = community_world.closed
    login(outsider)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("join", community), {"message": "Je suis CP en FSE."})
    assert response.status_code == 302
    asked = membership(outsider, community)
    assert asked.status == Membership.Status.REQUESTED
    assert asked.request_message == "Je suis CP en FSE."
    assert [m.to for m in mail.outbox] == [[community_world.closed_animator.email]]
    assert "Je suis CP en FSE." in mail.outbox[0].body
    # Asking again neither duplicates nor re-sends.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("join", community), follow=True)
    assert len(mail.outbox) == 1
    assert "Votre adhésion est déjà enregistrée." in messages_of(response)
    assert "attend la réponse de l'animation" in body(response)


def test_a_too_long_join_message_is_kept_and_explained(client, login, community_world):
    login(community_world.outsider)
    message = "Bonjour " * 300
    response = client.post(url("join", community_world.closed), {"message": message})
    assert response.status_code == 400
    assert message.strip() in body(response)
    assert "errorlist" in body(response)
    assert not Membership.objects.filter(
        user=community_world.outsider, community=community_world.closed
    ).exists()


def test_joining_a_private_community_is_refused(client, login, community_world):
    login(community_world.outsider)
    assert client.post(url("join", community_world.private)).status_code == 404
    admin = community_world.admin
    login(admin)
    response = client.post(url("join", community_world.private), follow=True)
    assert response.status_code == 200
    assert "Cette communauté est accessible sur invitation seulement." in messages_of(response)
    assert (
        not Membership.objects.filter(user__in=[admin, community_world.outsider])
        .filter(community=community_world.private)
        .exists()
    )


def test_leaving(client, login, community_world):
    member = community_world.closed_member
    login(member)
    response = client.post(url("leave", community_world.closed), follow=True)
    assert membership(member, community_world.closed).status == Membership.Status.LEFT
    assert "Vous avez quitté la communauté Communauté closed." in messages_of(response)
    # Leaving twice is a message, not an error.
    response = client.post(url("leave", community_world.closed), follow=True)
    assert "Vous n'êtes pas membre de cette communauté." in messages_of(response)


def test_leaving_a_private_community_goes_back_to_the_list(client, login, community_world):
    login(community_world.private_member)
    response = client.post(url("leave", community_world.private))
    assert response["Location"] == url("list")


def test_a_pending_request_can_be_withdrawn_from_the_community_page(client, community_world):
    from communities import services

    closed = community_world.closed
    asking = community_world.outsider
    services.membership_join(community=closed, user=asking)
    client.force_login(asking)
    page = client.get(closed.get_absolute_url()).content.decode()
    assert "Retirer ma demande" in page
    response = client.post(reverse("communities:leave", args=[closed.slug]), follow=True)
    assert "adhésion est retirée." in response.content.decode()
    assert not closed.memberships.filter(user=asking, status="requested").exists()
    client.force_login(community_world.closed_animator)
    requests_page = client.get(reverse("communities:requests", args=[closed.slug]))
    assert asking.get_full_name() not in requests_page.content.decode()


def test_the_last_animator_cannot_leave(client, login, community_world):
    animator = community_world.open_animator
    login(animator)
    response = client.post(url("leave", community_world.open), follow=True)
    assert response.status_code == 200
    assert any("dernière personne à animer" in m for m in messages_of(response))
    assert membership(animator, community_world.open).is_active
    animator.refresh_from_db()
    assert animator.is_staff


@pytest.mark.parametrize(
    ("decision", "status"),
    [("accept", Membership.Status.ACTIVE), ("decline", Membership.Status.LEFT)],
)
def test_answering_an_invitation(client, login, community_world, decision, status):
    invitee = UserFactory()
    community = community_world.private
    make_member(community, user=invitee, status="invited", roles=("member", "animator"))
    login(invitee)
    response = client.post(url("invitation", community), {"decision": decision})
    assert membership(invitee, community).status == status
    invitee.refresh_from_db()
    assert invitee.is_staff == (decision == "accept")  # the animator role brings admin access
    expected = url("detail", community) if decision == "accept" else url("list")
    assert response["Location"] == expected


def test_bad_invitation_answers_are_messages(client, login, community_world):
    invitee = UserFactory()
    community = community_world.closed
    make_member(community, user=invitee, status="invited")
    login(invitee)
    response = client.post(url("invitation", community), {"decision": "maybe"}, follow=True)
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in " ".join(messages_of(response))
    assert membership(invitee, community).status == Membership.Status.INVITED

    login(community_world.outsider)
    response = client.post(url("invitation", community), {"decision": "accept"}, follow=True)
    assert "Aucune invitation en attente." in messages_of(response)
    assert client.post(url("invitation", community_world.private)).status_code == 404


# --- Requests ---------------------------------------------------------------------


@pytest.mark.parametrize("visibility", ["open", "closed", "private"])
@pytest.mark.parametrize("kind", VISITORS)
def test_the_requests_page_is_for_animators(client, login, community_world, visibility, kind):
    login(community_world.visitor_for(kind, visibility))
    response = client.get(url("requests", community_world.community(visibility)))
    if kind == "outsider" and visibility == "private":
        assert response.status_code == 404
    elif kind in ("outsider", "member"):
        assert response.status_code == 403
    else:
        assert response.status_code == 200


def test_an_animator_of_another_community_may_not_handle_requests(client, login, community_world):
    login(community_world.open_animator)
    assert client.get(url("requests", community_world.closed)).status_code == 403
    assert client.get(url("invite", community_world.closed)).status_code == 403


def test_approving_and_refusing_requests(
    client, login, community_world, django_capture_on_commit_callbacks
):
    community = community_world.closed
    approved = make_member(community, status="requested")
    refused = make_member(community, status="requested")
    Membership.objects.filter(user=approved).update(request_message="Je veux <b>aider</b>")
    animator = community_world.closed_animator
    login(animator)
    text = body(client.get(url("requests", community)))
    assert "Je veux &lt;b&gt;aider&lt;/b&gt;" in text
    assert approved.get_full_name() in text and refused.get_full_name() in text

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("requests", community),
            {"membership": membership(approved, community).pk, "decision": "approve"},
        )
        client.post(
            url("requests", community),
            {
                "membership": membership(refused, community).pk,
                "decision": "refuse",
                "reason": "Réservée au personnel de la FSE",
            },
        )
    assert membership(approved, community).is_active
    assert membership(approved, community).decided_by == animator
    assert membership(refused, community).status == Membership.Status.REFUSED
    assert {tuple(m.to) for m in mail.outbox} == {(approved.email,), (refused.email,)}
    assert any("Réservée au personnel de la FSE" in m.body for m in mail.outbox)

    # A request already handled (double submit, another animator) is a message.
    response = client.post(
        url("requests", community),
        {"membership": membership(approved, community).pk, "decision": "refuse"},
        follow=True,
    )
    assert "Cette demande a déjà été traitée." in messages_of(response)
    assert membership(approved, community).is_active
    assert "Aucune demande en attente." in body(response)


def test_a_request_of_another_community_cannot_be_decided_here(client, login, community_world):
    elsewhere = CommunityFactory(visibility="closed")
    asking = make_member(elsewhere, status="requested")
    login(community_world.closed_animator)
    client.post(
        url("requests", community_world.closed),
        {"membership": membership(asking, elsewhere).pk, "decision": "approve"},
    )
    assert membership(asking, elsewhere).status == Membership.Status.REQUESTED


def test_a_bad_decision_re_renders_with_the_reason(client, login, community_world):
    community = community_world.closed
    asking = make_member(community, status="requested")
    login(community_world.closed_animator)
    response = client.post(
        url("requests", community),
        {
            "membership": membership(asking, community).pk,
            "decision": "ignore",
            "reason": "Motif gardé",
        },
    )
    assert response.status_code == 400
    assert "Motif gardé" in body(response)
    assert membership(asking, community).status == Membership.Status.REQUESTED


def test_members_may_not_decide_requests(client, login, community_world):
    community = community_world.closed
    asking = make_member(community, status="requested")
    login(community_world.closed_member)
    response = client.post(
        url("requests", community),
        {"membership": membership(asking, community).pk, "decision": "approve"},
    )
    assert response.status_code == 403
    assert membership(asking, community).status == Membership.Status.REQUESTED


# --- Invite -----------------------------------------------------------------------


@pytest.mark.parametrize("visibility", ["open", "closed", "private"])
@pytest.mark.parametrize("kind", VISITORS)
def test_the_invite_page_is_for_animators(client, login, community_world, visibility, kind):
    login(community_world.visitor_for(kind, visibility))
    response = client.get(url("invite", community_world.community(visibility)))
    if kind == "outsider" and visibility == "private":
        assert response.status_code == 404
    elif kind in ("outsider", "member"):
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert 'name="email"' in body(response)


def test_inviting_a_new_person(client, login, community_world, django_capture_on_commit_callbacks):
    community = community_world.private
    login(community_world.private_animator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("invite", community),
            {
                "email": "Nouvelle.Personne@Example.org",
                "display_name": "Nouvelle Personne",
                "roles": ["member", "documentalist"],
            },
            follow=True,
        )
    assert "Invitation envoyée à nouvelle.personne@example.org." in messages_of(response)
    invited = User.objects.get(email="nouvelle.personne@example.org")
    assert invited.display_name == "Nouvelle Personne"
    assert not invited.has_usable_password()
    invitation = membership(invited, community)
    assert invitation.status == Membership.Status.INVITED
    assert invitation.roles == ["member", "documentalist"]
    assert [m.to for m in mail.outbox] == [["nouvelle.personne@example.org"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert community.get_absolute_url() in mail.outbox[0].body


def test_pending_invitations_are_listed_and_can_be_cancelled(client, login, community_world):
    from communities import services

    community = community_world.private
    animator = community_world.private_animator
    invited = services.membership_invite(
        community=community, email="attente@example.org", by=animator, roles=["coach"]
    )
    login(animator)
    page = body(client.get(url("invite", community)))
    assert "attente@example.org" in page and "Annuler l'invitation" in page
    cancel = reverse("communities:invitation_cancel", args=[community.slug, invited.pk])
    response = client.post(cancel, follow=True)
    assert "L'invitation de attente@example.org est annulée." in messages_of(response)
    assert membership(invited.user, community).status == Membership.Status.LEFT
    assert "attente@example.org" not in body(client.get(url("invite", community)))
    # Answered already: nothing to cancel, a message says so.
    again = client.post(cancel, follow=True)
    assert "Aucune invitation en attente." in messages_of(again)


@pytest.mark.parametrize("kind", ["member", "outsider", "anonymous"])
def test_only_animators_cancel_invitations(client, login, community_world, kind):
    from communities import services

    community = community_world.closed
    invited = services.membership_invite(
        community=community, email="attente@example.org", by=community_world.closed_animator
    )
    if kind != "anonymous":
        login(community_world.visitor_for(kind, "closed"))
    cancel = reverse("communities:invitation_cancel", args=[community.slug, invited.pk])
    response = client.post(cancel)
    assert response.status_code == (302 if kind == "anonymous" else 403)
    assert membership(invited.user, community).status == Membership.Status.INVITED


def test_inviting_an_active_member_adds_the_roles(client, login, community_world):
    community = community_world.open
    member = community_world.open_member
    login(community_world.admin)
    response = client.post(
        url("invite", community), {"email": member.email, "roles": ["coach"]}, follow=True
    )
    assert membership(member, community).roles == ["coach", "member"]
    assert any("ses rôles sont à jour" in m for m in messages_of(response))


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": "pas-une-adresse", "display_name": "Gardé", "roles": ["coach"]}, "email"),
        ({"email": "ok@example.org", "display_name": "Gardé", "roles": []}, "roles"),
        ({"email": "ok@example.org", "display_name": "Gardé", "roles": ["overlord"]}, "roles"),
    ],
)
def test_a_bad_invitation_re_renders_with_the_values(client, login, community_world, data, error):
    login(community_world.open_animator)
    response = client.post(url("invite", community_world.open), data)
    assert response.status_code == 400
    assert error in response.context["form"].errors
    assert 'value="Gardé"' in body(response)
    assert not User.objects.filter(email__in=["pas-une-adresse", "ok@example.org"]).exists()


def test_invitations_respect_the_institution_domains(client, login, community_world, settings):
    settings.PORTAL_ALLOWED_EMAIL_DOMAINS = ["universite.example"]
    login(community_world.open_animator)
    response = client.post(
        url("invite", community_world.open), {"email": "x@ailleurs.example", "roles": ["member"]}
    )
    assert response.status_code == 400
    assert "@universite.example" in body(response)
    # An existing account is invited whatever its address.
    response = client.post(
        url("invite", community_world.open),
        {"email": community_world.outsider.email, "roles": ["member"]},
    )
    assert response.status_code == 302


# --- Roles ------------------------------------------------------------------------


def roles_url(world: CommunityWorld, visibility: str, person: User) -> str:
    community = world.community(visibility)
    return url("roles", community, membership_id=membership(person, community).pk)


def test_giving_and_removing_the_animator_role_moves_admin_access(client, login, community_world):
    member = community_world.open_member
    target = roles_url(community_world, "open", member)
    login(community_world.open_animator)
    response = client.post(target, {"roles": ["member", "animator"]}, follow=True)
    assert any("sont à jour" in m for m in messages_of(response))
    member.refresh_from_db()
    assert member.is_staff
    assert member.groups.filter(name=ANIMATORS_GROUP).exists()

    client.post(target, {"roles": ["member"]})
    member.refresh_from_db()
    assert not member.is_staff
    assert not member.groups.filter(pk=Group.objects.get(name=ANIMATORS_GROUP).pk).exists()


def test_the_last_animator_role_cannot_be_removed(client, login, community_world):
    animator = community_world.closed_animator
    login(community_world.admin)
    response = client.post(
        roles_url(community_world, "closed", animator), {"roles": ["member"]}, follow=True
    )
    assert response.status_code == 200
    assert any("au moins une personne à l'animation" in m for m in messages_of(response))
    assert Role.ANIMATOR in membership(animator, community_world.closed).roles


def test_role_changes_go_back_to_the_members_page_with_its_filters(client, login, community_world):
    target = roles_url(community_world, "open", community_world.open_member)
    login(community_world.open_animator)
    back = url("members", community_world.open) + "?role=member&page=1"
    response = client.post(target, {"roles": ["member", "coach"], "next": back})
    assert response["Location"] == back
    response = client.post(target, {"roles": ["member"], "next": "https://evil.example/"})
    assert response["Location"] == url("members", community_world.open)


def test_an_empty_role_selection_is_a_message(client, login, community_world):
    member = community_world.open_member
    login(community_world.open_animator)
    response = client.post(roles_url(community_world, "open", member), {}, follow=True)
    assert any("Choisissez au moins un rôle." in m for m in messages_of(response))
    assert membership(member, community_world.open).roles == ["member"]


@pytest.mark.parametrize(
    ("kind", "visibility", "status"),
    [
        ("open_member", "open", 403),
        ("outsider", "open", 403),
        ("outsider", "private", 404),
        ("closed_animator", "open", 403),
    ],
)
def test_only_animators_change_roles(client, login, community_world, kind, visibility, status):
    member = community_world.visitor_for("member", visibility)
    login(community_world.visitor(kind))
    response = client.post(
        roles_url(community_world, visibility, member), {"roles": ["member", "animator"]}
    )
    assert response.status_code == status
    assert membership(member, community_world.community(visibility)).roles == ["member"]


def test_a_membership_of_another_community_is_not_found(client, login, community_world):
    login(community_world.open_animator)
    other = membership(community_world.closed_member, community_world.closed)
    response = client.post(
        url("roles", community_world.open, membership_id=other.pk), {"roles": ["animator"]}
    )
    assert response.status_code == 404
    assert membership(community_world.closed_member, community_world.closed).roles == ["member"]


def test_the_list_search_ignores_accents_and_matches_every_word_in_name_summary_or_theme(
    client, login, community_world
):
    CommunityFactory(name="Pédagogie active", summary="Classes inversées", theme="Innover")
    CommunityFactory(name="Pédagogie numérique", summary="Outils", theme="Se documenter")
    login(community_world.outsider)

    def listed(q):
        response = client.get(reverse("communities:list"), {"q": q})
        return {community.name for community in response.context["communities"]}

    assert listed("pedagogie") == {"Pédagogie active", "Pédagogie numérique"}
    assert listed("pedagogie innover") == {"Pédagogie active"}
    assert listed("INVERSEES") == {"Pédagogie active"}
    assert listed("cdp-private") == set()
    assert listed("Communauté private") == set()  # invisible to a non-member
