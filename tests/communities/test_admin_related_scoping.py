"""Foreign keys in the scoped admin (raw-id fields especially) offer, accept and name only
what the person may see: the checklist evidence's raw-id widget printed the title of any
resource id typed in."""

import pytest
from django.urls import reverse

from readiness.models import ChecklistItem
from tests.readiness.factories import (  # noqa: F401
    checklist_of,
    item_of,
    readiness_world_fixture,
)
from tests.resources.factories import make_resource

pytestmark = pytest.mark.django_db

SECRET = "Plan de restructuration confidentiel"


@pytest.fixture
def scene(readiness_world):
    community = readiness_world.open
    checklist_of(community)
    item = item_of(community, "integration")
    secret = make_resource(
        author=readiness_world.private_member,
        community=readiness_world.private,
        title=SECRET,
    )
    own = make_resource(
        author=readiness_world.open_member, community=community, title="Guide d'accueil"
    )
    return {"item": item, "secret": secret, "own": own, "world": readiness_world}


def change_url(item) -> str:
    return reverse("admin:readiness_checklistitem_change", args=[item.pk])


def post_evidence(client, item, resource):
    return client.post(
        change_url(item),
        {"status": "in_progress", "owner": "", "due_date": "", "note": "", "evidence": resource.pk},
    )


def test_a_private_resource_id_is_neither_named_nor_saved(client, scene):
    client.force_login(scene["world"].open_animator)
    response = post_evidence(client, scene["item"], scene["secret"])
    assert response.status_code == 200  # the form again, with the refusal
    assert "evidence" in response.context["adminform"].form.errors
    assert SECRET not in response.content.decode()
    assert ChecklistItem.objects.get(pk=scene["item"].pk).evidence_id is None


def test_an_item_already_pointing_at_a_private_resource_does_not_name_it(client, scene):
    ChecklistItem.objects.filter(pk=scene["item"].pk).update(evidence=scene["secret"])
    client.force_login(scene["world"].open_animator)
    response = client.get(change_url(scene["item"]))
    assert response.status_code == 200
    assert SECRET not in response.content.decode()


def test_a_visible_resource_is_named_and_saved(client, scene):
    client.force_login(scene["world"].open_animator)
    response = post_evidence(client, scene["item"], scene["own"])
    assert response.status_code == 302
    assert ChecklistItem.objects.get(pk=scene["item"].pk).evidence_id == scene["own"].pk
    assert "Guide d&#x27;accueil" in client.get(change_url(scene["item"])).content.decode()


def test_administrators_still_reach_every_resource(client, scene):
    ChecklistItem.objects.filter(pk=scene["item"].pk).update(evidence=scene["secret"])
    client.force_login(scene["world"].admin)
    assert SECRET in client.get(change_url(scene["item"])).content.decode()


def test_the_raw_id_popup_lists_only_what_the_animator_reaches(client, scene):
    client.force_login(scene["world"].open_animator)
    response = client.get(
        reverse("admin:resources_resource_changelist"), {"_to_field": "id", "_popup": "1"}
    )
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
