"""`is_signed_in` is the one "signed in" test of the permissions and querysets, and keeps
the rule it replaced (`getattr(user, "is_authenticated", False)`): an anonymous visitor,
and None where a caller means "nobody", are refused rather than raising."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import SimpleLazyObject

from cdp_portal.accounts.types import is_signed_in
from communities.models import Community, is_portal_admin
from communities.permissions import can_see_content, membership_for
from forums.models import Topic
from resources.models import Resource
from tests.factories import CommunityFactory, SuperUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_people_are_signed_in_even_behind_the_request_lazy_object():
    user = UserFactory()
    assert is_signed_in(user)
    assert is_signed_in(SimpleLazyObject(lambda: user))


@pytest.mark.parametrize("nobody", [AnonymousUser(), None], ids=["anonymous", "none"])
def test_nobody_is_refused_without_an_error(nobody):
    community = CommunityFactory(visibility="open")
    assert not is_signed_in(nobody)
    assert not is_portal_admin(nobody)
    assert membership_for(nobody, community) is None
    assert not can_see_content(nobody, community)
    assert not Community.objects.visible_to(nobody).exists()
    assert not Topic.objects.visible_to(nobody).exists()
    assert not Resource.objects.visible_to(nobody).exists()


def test_an_administrator_behind_the_lazy_object_keeps_every_right():
    admin = SuperUserFactory()
    CommunityFactory(visibility="private")
    assert is_portal_admin(SimpleLazyObject(lambda: admin))
    assert Community.objects.visible_to(SimpleLazyObject(lambda: admin)).count() == 1
