from communities.models import Role
from tests.factories import make_member
from tests.resources.factories import ResourceFactory
from tests.shared_worlds import shared_world
from tests.worlds import VISIBILITIES, CommunityWorld, ResourceWorld


@shared_world
def world(community_world: CommunityWorld) -> ResourceWorld:
    """community_world plus a documentalist in the open community and one resource per
    place: institution-wide, open, closed and private (authored by a member of each)."""
    w = community_world
    documentalist = make_member(w.open, roles=(Role.MEMBER, Role.DOCUMENTALIST))
    institution_resource = ResourceFactory(
        title="Guide institutionnel", author=w.open_member, tags=["documentation"]
    )
    resources = {
        f"{visibility}_resource": ResourceFactory(
            title=f"Ressource {visibility}",
            summary=f"Résumé de la ressource {visibility}.",
            community=w.community(visibility),
            author=w.visitor_for("member", visibility),
            tags=["outil", f"tag-{visibility}"],
        )
        for visibility in VISIBILITIES
    }
    return ResourceWorld.extending(
        community_world,
        open_documentalist=documentalist,
        institution_resource=institution_resource,
        **resources,
    )
