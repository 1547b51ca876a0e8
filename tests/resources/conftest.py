import pytest

from communities.models import Role
from tests.factories import make_member
from tests.resources.factories import ResourceFactory


@pytest.fixture
def world(community_world):
    """community_world plus a documentalist in the open community and one resource per
    place: institution-wide, open, closed and private (authored by a member of each)."""
    w = dict(community_world)
    w["open_documentalist"] = make_member(w["open"], roles=(Role.MEMBER, Role.DOCUMENTALIST))
    w["institution_resource"] = ResourceFactory(
        title="Guide institutionnel", author=w["open_member"], tags=["documentation"]
    )
    for visibility in ("open", "closed", "private"):
        w[f"{visibility}_resource"] = ResourceFactory(
            title=f"Ressource {visibility}",
            summary=f"Résumé de la ressource {visibility}.",
            community=w[visibility],
            author=w[f"{visibility}_member"],
            tags=["outil", f"tag-{visibility}"],
        )
    return w
