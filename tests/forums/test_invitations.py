"""Inviting experts into a call for help: who may (the call's author and the community's
animation), whom (the members whose expertise meets the call's tags and who may read it,
never anyone else), and that each is told once, in-app and by e-mail as they asked."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from communities.services import profile_update
from conversations import services as conversation_services
from forums import services
from forums.models import CallInvitation, Notification
from tests.factories import make_member
from tests.forums.factories import calls_forum, make_post, make_topic
from tests.shared_worlds import shared_world
from tests.worlds import VISIBILITIES, CommunityWorld

pytestmark = pytest.mark.django_db


def expert(community, *tags, user=None):
    person = make_member(community, user=user)
    profile_update(
        profile=person.profile, user_fields={}, profile_fields={}, expertise=list(tags),
        interests=[],
    )  # fmt: skip
    return person


@shared_world
def invite_world(community_world: CommunityWorld):
    """In each community, a call for help on "moodle" by its member, and an expert of
    moodle among its members; an expert of another subject; an expert of moodle in no
    community but the open one (who reads only open content)."""
    w = community_world
    calls, experts = {}, {}
    for visibility in VISIBILITIES:
        community = w.community(visibility)
        experts[visibility] = expert(community, "moodle")
        expert(community, "vidéo")
        calls[visibility] = make_topic(
            calls_forum(community),
            w.visitor_for("member", visibility),
            title=f"Appel {visibility}",
            tags=["moodle"],
            is_call_for_help=True,
            notify=False,
        )
    open_only = expert(w.open, "Moodle")  # case does not matter
    return w, calls, experts, open_only


def invite_url(topic) -> str:
    return reverse("forums:invite", args=[topic.pk])


@pytest.mark.parametrize(
    ("visitor", "visibility", "status"),
    [
        ("anonymous", "open", 302),
        ("open_member", "open", 200),  # the call's author
        ("outsider", "open", 403),  # reads the call, did not write it
        ("outsider", "closed", 403),  # the members-only page
        ("outsider", "private", 404),
        ("closed_member", "open", 403),  # another community's member
        ("open_animator", "open", 200),  # the community's animation
        ("open_animator", "closed", 403),
        ("closed_animator", "closed", 200),
        ("admin", "private", 200),
    ],
)
def test_who_may_invite_experts(client, login, invite_world, visitor, visibility, status):
    w, calls, experts, _open_only = invite_world
    login(None if visitor == "anonymous" else w.visitor(visitor))
    response = client.get(invite_url(calls[visibility]))
    assert response.status_code == status
    if status == 200:
        assert experts[visibility].get_full_name() in response.content.decode()
    page = client.get(calls[visibility].get_absolute_url())
    if page.status_code == 200:
        assert (invite_url(calls[visibility]) in page.content.decode()) == (status == 200)
    response = client.post(invite_url(calls[visibility]), {"invitees": [experts[visibility].pk]})
    assert response.status_code == (302 if status == 200 else status)
    invited = CallInvitation.objects.filter(topic=calls[visibility]).exists()
    assert invited == (status == 200)


def test_only_experts_who_may_read_the_call_are_listed_and_invitable(client, login, invite_world):
    w, calls, experts, open_only = invite_world
    login(w.closed_member)
    page = client.get(invite_url(calls["closed"])).content.decode()
    listed = [p.user for p in client.get(invite_url(calls["closed"])).context["experts"]]
    assert listed == [experts["closed"]]
    assert open_only.get_full_name() not in page  # an expert, but not a reader
    response = client.post(invite_url(calls["closed"]), {"invitees": [open_only.pk]})
    assert response.status_code == 400
    assert "ne peuvent pas être invitées" in response.content.decode()
    assert not CallInvitation.objects.exists()
    assert not Notification.objects.filter(recipient=open_only).exists()
    # Everyone reads the open community's call: its experts are everyone's experts of moodle.
    login(w.open_member)
    listed = {p.user for p in client.get(invite_url(calls["open"])).context["experts"]}
    assert listed == {*experts.values(), open_only}


def test_inviting_twice_tells_once(
    client, login, invite_world, mailoutbox, django_capture_on_commit_callbacks
):
    w, calls, experts, open_only = invite_world
    call, invitee = calls["open"], experts["open"]
    login(w.open_member)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(invite_url(call), {"invitees": [invitee.pk, open_only.pk]})
    assert first.status_code == 302
    notes = Notification.objects.filter(kind="invitation", topic=call)
    assert set(notes.values_list("recipient", flat=True)) == {invitee.pk, open_only.pk}
    assert sorted(m.to[0] for m in mailoutbox) == sorted([invitee.email, open_only.email])
    assert call.get_absolute_url() in mailoutbox[0].body
    # Again, by the animation this time: nobody is told twice.
    login(w.open_animator)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(invite_url(call), {"invitees": [invitee.pk]})
    assert again.status_code == 302
    assert notes.count() == 2 and len(mailoutbox) == 2
    page = client.get(invite_url(call)).content.decode()
    assert "Déjà invitée ou invité" in page
    # The invitee sees it under the bell.
    login(invitee)
    bell = client.get(reverse("forums:notifications")).content.decode()
    assert "vous invite à répondre à l'appel à tous « Appel open »" in bell


def test_the_e_mail_follows_the_preference_an_invitation_is_direct(
    invite_world, mailoutbox, django_capture_on_commit_callbacks
):
    w, calls, experts, open_only = invite_world
    experts["open"].profile.notification_email = "direct"
    experts["open"].profile.save()
    open_only.profile.notification_email = "none"
    open_only.profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.call_invite_experts(
            topic=calls["open"], by=w.open_member, invitees=[experts["open"].pk, open_only.pk]
        )
    assert [m.to for m in mailoutbox] == [[experts["open"].email]]
    assert Notification.objects.filter(recipient=open_only, kind="invitation").exists()


def test_someone_who_blocked_the_author_is_neither_listed_nor_invitable(invite_world):
    w, calls, experts, _open_only = invite_world
    blocker = experts["open"]
    conversation_services.block_set(blocker=blocker, blocked=w.open_member, blocking=True)
    assert blocker not in services.invitable_experts(calls["open"], w.open_member)
    with pytest.raises(ValidationError):
        services.call_invite_experts(topic=calls["open"], by=w.open_member, invitees=[blocker.pk])
    # The animation may still invite them.
    services.call_invite_experts(topic=calls["open"], by=w.open_animator, invitees=[blocker.pk])


@pytest.mark.parametrize("state", ["solved", "hidden", "not_a_call"])
def test_only_open_calls_take_invitations(invite_world, state):
    w, calls, experts, _open_only = invite_world
    call = calls["open"]
    if state == "solved":
        services.topic_mark_solved(topic=call, by=w.open_member)
    elif state == "hidden":
        services.post_set_hidden(
            post=call.posts.get(position=1), by=w.open_animator, hidden=True, reason="x"
        )
    else:
        call = make_topic(calls_forum(w.open), w.open_member, tags=["moodle"], notify=False)
    call.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.call_invite_experts(topic=call, by=w.open_member, invitees=[experts["open"].pk])


@pytest.mark.parametrize("invitees", [[], ["abc"], ["-1"], ["99999999999999999999"], ["1"] * 60])
def test_bad_choices_come_back_with_a_message(client, login, invite_world, invitees):
    w, calls, _experts, _open_only = invite_world
    login(w.open_member)
    response = client.post(invite_url(calls["open"]), {"invitees": invitees})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode() or "errorlist" in response.content.decode()
    assert not CallInvitation.objects.exists()


def test_the_experts_page_runs_a_fixed_number_of_queries(
    client, login, invite_world, django_assert_num_queries
):
    w, calls, _experts, _open_only = invite_world
    login(w.open_member)
    url = invite_url(calls["open"])
    client.get(url)  # the header's counts, made once after the world was written
    # session, user, the topic (with my membership), the page of experts (COUNT, rows).
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
    for _ in range(5):
        expert(w.open, "moodle")
    make_post(calls["open"], w.open_animator)
    client.get(url)
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(response.context["experts"]) == 9  # each community's, the open-only one, five new
