"""No request fails because mail does: with the SMTP server down, sign-up, password reset,
an invitation, a membership approval and a forum notification all answer normally; once a
real SMTP server is back, `send_queued_mail` delivers each message exactly once."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.urls import reverse

from cdp_portal.accounts.models import User
from communities.models import Membership
from forums import services as forum_services
from tests.core.smtp_server import SMTPServer
from tests.factories import CommunityFactory, UserFactory, make_member
from tests.forums.factories import general_forum, make_post, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_down(smtp_down):
    # Time is not waited for here: every retry is due at once.
    smtp_down.PORTAL_EMAIL_RETRY_BASE_SECONDS = 0
    return smtp_down


@pytest.fixture
def bring_server_back(smtp_down):
    servers = []

    def start() -> SMTPServer:
        server = SMTPServer().start()
        servers.append(server)
        smtp_down.EMAIL_PORT = server.port
        return server

    yield start
    for server in servers:
        server.stop()


def deliver_twice() -> None:
    """The retry timer fires twice: the second run must send nothing again."""
    call_command("send_queued_mail", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("send_queued_mail", stdout=open("/dev/null", "w"))  # noqa: SIM115


def arrived_to(server: SMTPServer) -> list[list[str]]:
    return [received.recipients for received in server.received]


def test_sign_up_while_the_mail_server_is_down(
    client, smtp_down, bring_server_back, django_capture_on_commit_callbacks
):
    data = {
        "display_name": "Louise Tremblay",
        "email": "louise.tremblay@example.org",
        "password1": "un-mot-de-passe-solide-2026",
        "password2": "un-mot-de-passe-solide-2026",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(response["Location"]).status_code == 200
    user = User.objects.get(email="louise.tremblay@example.org")

    server = bring_server_back()
    deliver_twice()
    assert arrived_to(server) == [["louise.tremblay@example.org"]]
    text = server.received[0].message.get_body(("plain",)).get_content()
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", text)
    assert link, text
    client.post(link.group(1))
    assert EmailAddress.objects.get(user=user).verified


def test_password_reset_while_the_mail_server_is_down(
    client, smtp_down, bring_server_back, django_capture_on_commit_callbacks
):
    UserFactory(email="oubli@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "oubli@example.org"})
    assert response.status_code == 302

    server = bring_server_back()
    deliver_twice()
    assert arrived_to(server) == [["oubli@example.org"]]
    assert "/accounts/password/reset/key/" in server.received[0].data.decode()


def test_invitation_while_the_mail_server_is_down(
    client, community_world, smtp_down, bring_server_back, django_capture_on_commit_callbacks
):
    community = community_world.private
    client.force_login(community_world.private_animator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("communities:invite", kwargs={"slug": community.slug}),
            {"email": "nouvelle@example.org", "display_name": "Nouvelle", "roles": ["member"]},
        )
    assert response.status_code == 302
    invited = User.objects.get(email="nouvelle@example.org")
    assert Membership.objects.get(user=invited, community=community).status == "invited"

    server = bring_server_back()
    deliver_twice()
    assert arrived_to(server) == [["nouvelle@example.org"]]


def test_membership_approval_while_the_mail_server_is_down(
    client, community_world, smtp_down, bring_server_back, django_capture_on_commit_callbacks
):
    community = community_world.closed
    asking = make_member(community, status="requested")
    client.force_login(community_world.closed_animator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("communities:requests", kwargs={"slug": community.slug}),
            {
                "membership": Membership.objects.get(user=asking, community=community).pk,
                "decision": "approve",
            },
        )
    assert response.status_code == 302
    assert Membership.objects.get(user=asking, community=community).is_active

    server = bring_server_back()
    deliver_twice()
    assert arrived_to(server) == [[asking.email]]


def test_forum_notification_while_the_mail_server_is_down(
    smtp_down, bring_server_back, django_capture_on_commit_callbacks
):
    community = CommunityFactory()
    author, watcher = make_member(community), make_member(community)
    topic = make_topic(general_forum(community), author, title="Question du jour")
    forum_services.watch_set(user=watcher, topic=topic, watching=True)
    with django_capture_on_commit_callbacks(execute=True):
        make_post(topic, watcher, "Ma réponse")

    server = bring_server_back()
    deliver_twice()
    assert arrived_to(server) == [[author.email]]
    assert "Question du jour" in server.received[0].message["Subject"]


def test_a_name_with_a_line_break_still_gives_a_one_line_subject(
    smtp_down, bring_server_back, django_capture_on_commit_callbacks
):
    """Control characters in a name used to raise BadHeaderError and drop the e-mail."""
    server = bring_server_back()
    community = CommunityFactory()
    author = make_member(community)
    replier = make_member(
        community, user=UserFactory(display_name="Aide\r\nBcc: intrus@example.org")
    )
    topic = make_topic(general_forum(community), author, title="Question du jour")
    with django_capture_on_commit_callbacks(execute=True):
        make_post(topic, replier, "Ma réponse")

    assert arrived_to(server) == [[author.email]]
    message = server.received[0].message
    assert "Aide Bcc: intrus@example.org a répondu" in message["Subject"]
    assert "\n" not in message["Subject"]
    assert message["Bcc"] is None
