import pytest
from django.core.cache import cache

from tests.forums.factories import general_forum, make_post, make_topic


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The posting rate limit counts in the cache: no count carried from another test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def forum_world(community_world):
    """community_world plus, in each community's "Général" forum, a topic by its member
    with one reply by its animator."""
    w = dict(community_world)
    for visibility in ("open", "closed", "private"):
        forum = general_forum(w[visibility])
        topic = make_topic(
            forum,
            w[f"{visibility}_member"],
            title=f"Sujet {visibility}",
            body=f"Texte secret du sujet {visibility}",
            tags=["moodle"],
        )
        reply = make_post(topic, w[f"{visibility}_animator"], f"Réponse {visibility}")
        w[f"{visibility}_forum"] = forum
        w[f"{visibility}_topic"] = topic
        w[f"{visibility}_reply"] = reply
    return w
