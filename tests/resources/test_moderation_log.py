"""Library moderation goes through the one flag flow (`cdp_portal.core.moderation`): hiding a
resource from a flag closes every open flag on it and writes the moderation log, the one
the forums keep (/forums/<community>/log/), on the site and in the admin alike."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from cdp_portal.core.moderation import moderation_logged
from forums.models import ModerationLog
from forums.services import write_moderation_log
from resources import services
from resources.models import ResourceFlag
from tests.worlds import ResourceWorld

pytestmark = pytest.mark.django_db

FLAGS_ADMIN = "/admin/resources/resourceflag/"
RESOURCES_ADMIN = "/admin/resources/resource/"


def two_flags(world: ResourceWorld, name: str = "open_resource"):
    resource = world.resource(name)
    first = services.resource_flag(resource=resource, reporter=world.outsider, reason="a")
    services.resource_flag(resource=resource, reporter=world.open_member, reason="b")
    return resource, first


def test_hiding_from_a_flag_closes_them_all_and_shows_in_the_log(client, login, world):
    resource, first = two_flags(world)
    login(world.open_animator)
    client.post(
        reverse("resources:flag_resolve", args=[first.pk]),
        {"decision": "hide", "note": "Droits d'auteur"},
    )
    resource.refresh_from_db()
    assert resource.is_hidden
    assert not ResourceFlag.objects.open().exists()
    entries = ModerationLog.objects.filter(resource=resource)
    assert sorted(entries.values_list("action", flat=True)) == [
        "hide_resource",
        "resolve_flag",
        "resolve_flag",
    ]
    assert {e.community for e in entries} == {world.open}
    assert {e.actor for e in entries} == {world.open_animator}
    assert {e.reason for e in entries} == {"Droits d'auteur"}
    page = client.get(reverse("forums:log", args=[world.open.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Masquer une ressource" in html and resource.title in html
    assert resource.get_absolute_url() in html


def test_dismissing_logs_that_flag_only(client, login, world):
    resource, first = two_flags(world)
    login(world.open_animator)
    client.post(reverse("resources:flag_resolve", args=[first.pk]), {"decision": "dismiss"})
    entry = ModerationLog.objects.get(resource=resource)
    assert entry.action == "dismiss_flag" and entry.details == {"resource_flag": first.pk}


def test_the_admin_action_hides_closes_and_logs_the_same_way(client, login, world):
    resource, first = two_flags(world)
    _, private = two_flags(world, "private_resource")
    login(world.open_animator)
    client.post(
        FLAGS_ADMIN,
        {"action": "hide_flagged_resources", ACTION_CHECKBOX_NAME: [first.pk, private.pk]},
    )
    resource.refresh_from_db()
    assert resource.is_hidden
    assert not ResourceFlag.objects.open().filter(resource=resource).exists()
    assert sorted(
        ModerationLog.objects.filter(resource=resource).values_list("action", flat=True)
    ) == ["hide_resource", "resolve_flag", "resolve_flag"]
    # Outside the animator's scope: untouched (listed for administrators only, anyway).
    world.private_resource.refresh_from_db()
    assert not world.private_resource.is_hidden
    assert ResourceFlag.objects.open().filter(resource=world.private_resource).count() == 2


def test_hide_and_unhide_in_the_admin_are_logged_once(client, login, world):
    resource = world.open_resource
    login(world.open_animator)
    for action in ("hide", "hide", "unhide"):
        client.post(RESOURCES_ADMIN, {"action": action, ACTION_CHECKBOX_NAME: [resource.pk]})
    actions = ModerationLog.objects.filter(resource=resource).order_by("pk")
    # Hiding what is already hidden changes nothing and writes nothing.
    assert list(actions.values_list("action", flat=True)) == ["hide_resource", "unhide_resource"]


def test_institution_wide_resources_are_logged_without_a_community(world):
    resource = world.institution_resource
    services.resource_set_hidden(resource=resource, by=world.admin, hidden=True)
    entry = ModerationLog.objects.get(resource=resource)
    assert entry.community is None and entry.action == "hide_resource"


def test_no_log_writer_means_nothing_is_hidden(world):
    """Hiding and its log line are one transaction: without the log, no hiding."""
    resource, first = two_flags(world)
    assert moderation_logged.disconnect(dispatch_uid="forums_moderation_log")
    try:
        with pytest.raises(ImproperlyConfigured):
            services.resource_flag_resolve(flag=first, by=world.open_animator, hide=True)
    finally:
        moderation_logged.connect(write_moderation_log, dispatch_uid="forums_moderation_log")
    resource.refresh_from_db()
    assert not resource.is_hidden
    assert ResourceFlag.objects.open().count() == 2
