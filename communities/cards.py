"""Member cards (directory/member_card.html), rendered once and kept in the fragment
cache: the directory, the search page and the tag pages list 24 of them a page, the
same for every reader."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.safestring import SafeString, mark_safe

from cdp_portal.core.fragments import render_stored_fragments

from .models import Profile

CARD_TEMPLATE = "directory/member_card.html"


def member_card_key(profile: Profile) -> tuple:
    """Every value a card shows (its cache key, cdp_portal.core.fragments); the profile
    comes from `ProfileQuerySet.for_cards`."""
    return (
        (profile.pk, profile.handle, profile.user.get_full_name()),
        (profile.job_title, profile.unit, profile.campus, profile.ask_me_about),
        tuple((tag["slug"], tag["name"]) for tag in profile.expertise_labels),
    )


def render_member_cards(profiles: Iterable[Profile]) -> SafeString:
    """The cards of these profiles, each from the cache when it was rendered before. The
    cards hold no form, hence no CSRF placeholder."""
    cards = render_stored_fragments(CARD_TEMPLATE, profiles, name="profile", key=member_card_key)
    return mark_safe("".join(cards))
