"""Forum test data, written through the services (as the site would) so counters,
watches and notifications are what they would be in real use."""

from __future__ import annotations

from forums import services
from forums.models import Forum


def general_forum(community) -> Forum:
    """The "Général" forum every community gets when it is created."""
    return Forum.objects.get(community=community, slug="general")


def calls_forum(community) -> Forum:
    return Forum.objects.get(community=community, slug="appels-a-tous")


def make_topic(
    forum: Forum,
    author,
    *,
    title: str = "Comment évaluer une activité en ligne ?",
    body: str = "Je cherche des idées.",
    tags=(),
    is_call_for_help: bool = False,
    resource=None,
    notify: bool = True,
):
    return services.topic_create(
        forum=forum,
        author=author,
        title=title,
        body=body,
        tags=tags,
        is_call_for_help=is_call_for_help,
        resource=resource,
        notify=notify,
        rate_limited=False,
    )


def make_post(topic, author, body: str = "Une réponse utile.", *, notify: bool = True):
    return services.post_create(
        topic=topic, author=author, body=body, notify=notify, rate_limited=False
    )
