"""The facet cache key is derived from the visibility rule itself (`VisibilityScope`):
people who see different resources never share cached counts."""

import itertools
from dataclasses import fields, replace

from django.core.cache import cache

from cdp_portal.core.search_text import SearchText
from communities.models import Community
from resources.library import _facet_cache_key, library_search
from resources.models import Resource, VisibilityScope
from tests.factories import UserFactory, make_member
from tests.resources.factories import ResourceFactory


def key_for(user) -> str:
    scope = Resource.objects.visibility_scope(user)
    return _facet_cache_key(scope, SearchText(""), "", {"kind": "", "tag": ""})


def seen_by(user) -> set[int]:
    return set(Resource.objects.visible_to(user).values_list("pk", flat=True))


def test_people_who_see_different_resources_never_share_a_key(world):
    # The author of a hidden resource sees it; another member of the same community not.
    ResourceFactory(community=world.open, author=world.open_member, is_hidden=True)
    people = [
        world.visitor(name)
        for name in (
            "open_member",
            "open_animator",
            "open_documentalist",
            "closed_member",
            "closed_animator",
            "private_member",
            "private_animator",
            "admin",
        )
    ] + [world.outsider, UserFactory(), UserFactory(is_active=False)]
    for a, b in itertools.combinations(people, 2):
        if seen_by(a) != seen_by(b):
            assert key_for(a) != key_for(b), (a, b)


def test_the_same_scope_is_the_same_key(world):
    # The key is stable (else nothing is ever read back), and administrators, who all see
    # everything, share theirs.
    assert key_for(world.closed_member) == key_for(world.closed_member)
    assert key_for(world.admin) == key_for(UserFactory(is_superuser=True))


def test_a_membership_changes_the_key_and_the_counts(world):
    person = UserFactory()
    before = key_for(person)
    assert library_search(person).total == 2  # institution-wide and the open community
    make_member(world.private, user=person)
    assert key_for(person) != before
    assert library_search(person).total == 3  # not the cached count of before


def test_the_author_of_a_hidden_resource_does_not_share_counts(world):
    cache.clear()
    ResourceFactory(community=world.open, author=world.open_member, is_hidden=True)
    neighbour = make_member(world.open)
    mine = library_search(world.open_member).total
    assert library_search(neighbour).total == mine - 1


def test_every_input_of_the_rule_is_in_the_signature(world):
    """Whatever field the scope gains, the key covers it: changing any one of them alone
    changes the signature."""
    some = Community.objects.filter(pk=world.open.pk).values("pk")
    other = Community.objects.filter(pk=world.closed.pk).values("pk")
    base = VisibilityScope(user_id=1, readable=some, moderated=some)
    changed = {
        "sees_nothing": True,
        "is_admin": True,
        "user_id": 2,
        "readable": other,
        "moderated": other,
    }
    assert set(changed) == {f.name for f in fields(VisibilityScope)}
    for name, value in changed.items():
        assert replace(base, **{name: value}).signature() != base.signature(), name
