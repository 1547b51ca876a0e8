"""Member cards come from the fragment cache (communities.cards): the directory, the search
page and the tag pages show, with the cache, exactly what they show without it, before
and after each kind of change to what a card shows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import reverse

from communities.models import Profile
from tests.factories import ProfileFactory
from tests.forums.test_fragments import assert_cached_is_fresh, page
from tests.shared_worlds import shared_world

pytestmark = pytest.mark.django_db

PAGES = (
    reverse("directory:list"),
    reverse("directory:list") + "?q=tremblay",
    reverse("search") + "?q=tremblay",
    reverse("directory:tag", kwargs={"slug": "moodle"}),
)


@shared_world
def expert(community_world) -> Profile:
    profile = ProfileFactory(
        user__first_name="Hélène",
        user__last_name="Tremblay",
        job_title="Conseillère pédagogique",
        unit="Pédagogie",
        campus="Longueuil",
        ask_me_about=True,
    )
    profile.expertise.set(["moodle", "évaluation"])
    return profile


def rename(profile):
    profile.user.display_name = "Héloïse Tremblay"
    profile.user.save()


def new_job(profile):
    profile.job_title = "Directrice des études"
    profile.save()


def new_expertise(profile):
    profile.expertise.add("rétroaction")


def no_longer_consulted(profile):
    profile.ask_me_about = False
    profile.save()


@pytest.mark.parametrize("change", [rename, new_job, new_expertise, no_longer_consulted])
def test_a_card_shows_a_change_at_once(client, community_world, expert, change: Callable):
    client.force_login(community_world.open_member)
    before = [page(client, url) for url in PAGES]
    change(expert)
    after = [page(client, url) for url in PAGES]
    assert after != before
    for url in PAGES:
        assert_cached_is_fresh(client, url)
