import pytest
from django.core.cache import cache

from tests.forums.factories import general_forum, make_post, make_topic
from tests.shared_worlds import shared_world
from tests.worlds import VISIBILITIES, CommunityWorld, ForumWorld


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The posting rate limit counts in the cache: no count carried from another test.
    cache.clear()
    yield
    cache.clear()


@shared_world
def forum_world(community_world: CommunityWorld) -> ForumWorld:
    """community_world plus, in each community's "Général" forum, a topic by its member
    with one reply by its animator."""
    w = community_world
    threads: dict[str, object] = {}
    for visibility in VISIBILITIES:
        forum = general_forum(w.community(visibility))
        topic = make_topic(
            forum,
            w.visitor_for("member", visibility),
            title=f"Sujet {visibility}",
            body=f"Texte secret du sujet {visibility}",
            tags=["moodle"],
        )
        reply = make_post(topic, w.visitor_for("animator", visibility), f"Réponse {visibility}")
        threads[f"{visibility}_forum"] = forum
        threads[f"{visibility}_topic"] = topic
        threads[f"{visibility}_reply"] = reply
    return ForumWorld.extending(community_world, **threads)
