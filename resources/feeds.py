"""Atom feeds of the library, per tag and per community, for the person who asks.

A signed-in browser reads them with its session; a feed reader through the person's
personal address (`cdp_portal.accounts.feeds.PersonalFeed`). Items come from
`visible_to(reader)`, so a private community's resources never appear in anyone else's
feed; a private community's feed is a 404 for a non-member and a closed community's a
403, and so is a tag's feed when no resource the person may see carries it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from taggit.models import Tag

from cdp_portal.accounts.feeds import PersonalFeed
from communities.access import community_or_404

from .models import Resource

FEED_SIZE = 30


@dataclass
class FeedScope:
    title: str
    link: str
    subtitle: str
    items: list[Resource]


def _latest(queryset) -> list[Resource]:
    return list(
        queryset.select_related("author", "community").order_by("-created_at", "-pk")[:FEED_SIZE]
    )


class ResourceFeed(PersonalFeed):
    feed_type = Atom1Feed

    def title(self, obj: FeedScope) -> str:
        return obj.title

    def link(self, obj: FeedScope) -> str:
        return obj.link

    def subtitle(self, obj: FeedScope) -> str:
        return obj.subtitle

    def items(self, obj: FeedScope) -> list[Resource]:
        return obj.items

    def item_title(self, item: Resource) -> str:
        return item.title

    def item_description(self, item: Resource) -> str:
        # Atom's summary is HTML to the reader: escape the plain-text summary.
        return escape(item.summary)

    def item_link(self, item: Resource) -> str:
        return item.get_absolute_url()

    def item_author_name(self, item: Resource) -> str | None:
        return item.author.get_full_name() if item.author else None

    def item_pubdate(self, item: Resource):
        return item.created_at

    def item_updateddate(self, item: Resource):
        return item.updated_at

    def item_categories(self, item: Resource) -> list[str]:
        return [item.get_kind_display()]


class TagFeed(ResourceFeed):
    def get_object(self, request, slug: str) -> FeedScope:
        tag = get_object_or_404(Tag, slug=slug)
        items = _latest(Resource.objects.visible_to(request.feed_reader).tagged(tag.slug))
        if not items:
            # A tag only a private community uses must not show its name to outsiders.
            raise Http404
        return FeedScope(
            title=_("Ressources : %(tag)s") % {"tag": tag.name},
            link=reverse("resources:list") + f"?tag={tag.slug}",
            subtitle=_("Les dernières ressources étiquetées « %(tag)s ».") % {"tag": tag.name},
            items=items,
        )


class CommunityFeed(ResourceFeed):
    def get_object(self, request, slug: str) -> FeedScope:
        community = community_or_404(request.feed_reader, slug)
        items = _latest(
            Resource.objects.visible_to(request.feed_reader).filter(community=community)
        )
        return FeedScope(
            title=_("Ressources : %(community)s") % {"community": community.name},
            link=reverse("resources:list") + f"?community={community.slug}",
            subtitle=_("Les dernières ressources de la communauté %(community)s.")
            % {"community": community.name},
            items=items,
        )
