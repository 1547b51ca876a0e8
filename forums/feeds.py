"""A forum's Atom feed: its latest topics, with their opening message.

Served like the library's feeds (`cdp_portal.accounts.feeds.PersonalFeed`): to a signed-in
browser or through the person's personal address. The forum is found as its page finds
it (`forum_for`: 404 for a community the reader may not know, 403 for a closed one),
its topics through `Topic.objects.visible_to(reader)` and the opening messages' text
through `Post.objects.readable_by(reader)`."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from cdp_portal.accounts.feeds import PersonalFeed

from .models import Forum, Post, Topic
from .views.common import forum_for

FEED_SIZE = 30


@dataclass
class ForumScope:
    forum: Forum
    topics: list[Topic]


class ForumFeed(PersonalFeed):
    feed_type = Atom1Feed

    def get_object(self, request, community_slug: str, slug: str) -> ForumScope:
        reader = request.feed_reader
        forum = forum_for(reader, community_slug, slug)
        topics = list(
            Topic.objects.visible_to(reader)
            .filter(forum=forum)
            .select_related("author")
            .order_by("-created_at", "-pk")[:FEED_SIZE]
        )
        openings = dict(
            Post.objects.readable_by(reader)
            .filter(topic__in=[topic.pk for topic in topics], position=1)
            .values_list("topic_id", "body_html")
        )
        for topic in topics:
            topic.forum = forum
            topic.opening_html = openings.get(topic.pk, "")
        return ForumScope(forum=forum, topics=topics)

    def title(self, obj: ForumScope) -> str:
        return _("Forum : %(forum)s") % {"forum": obj.forum}

    def link(self, obj: ForumScope) -> str:
        return obj.forum.get_absolute_url()

    def subtitle(self, obj: ForumScope) -> str:
        return _("Les derniers sujets du forum %(forum)s.") % {"forum": obj.forum.name}

    def items(self, obj: ForumScope) -> list[Topic]:
        return obj.topics

    def item_title(self, item: Topic) -> str:
        return item.title

    def item_description(self, item: Topic) -> str:
        # The Markdown already rendered and cleaned when the post was written.
        return item.opening_html

    def item_link(self, item: Topic) -> str:
        return item.get_absolute_url()

    def item_author_name(self, item: Topic) -> str | None:
        return item.author.get_full_name() if item.author else None

    def item_pubdate(self, item: Topic):
        return item.created_at

    def item_updateddate(self, item: Topic):
        return item.last_activity_at

    def item_categories(self, item: Topic) -> list[str]:
        categories = []
        if item.is_call_for_help:
            categories.append(_("Appel à tous"))
        if item.is_hidden:
            categories.append(_("Masqué"))
        return categories
