"""Resources for tests. `ResourceFactory` writes the row directly (fast, any state);
`make_resource` goes through the service, so tags, search index and history are real."""

from __future__ import annotations

import factory

from resources import services
from resources.models import Resource
from tests.factories import UserFactory

# A one-page PDF that readers open ("Bonjour"); small enough to inline.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 41>>stream\nBT /F1 18 Tf 20 40 Td (Bonjour) Tj ET\nendstream endobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Ressource {n}")
    slug = factory.LazyAttribute(lambda o: services.resource_slug(o.title))
    summary = "Un résumé court."
    body = ""
    kind = "document"
    language = "fr"
    author = factory.SubFactory(UserFactory)
    community = None

    @factory.post_generation
    def tags(resource, create, extracted, **kwargs):
        if create and extracted:
            resource.tags.set(list(extracted))

    @factory.post_generation
    def indexed(resource, create, extracted, **kwargs):
        """Compute tag_names, tag_ids and the search vector unless built with
        indexed=False; the library's counts include the resource either way, as every
        write path of the portal keeps them (without its tags when not indexed)."""
        if not create:
            return
        if extracted is False:
            services.recount(Resource.objects.filter(pk=resource.pk))
            return
        services.reindex(resources=[resource])
        resource.refresh_from_db(fields=["tag_names", "tag_ids", "title_folded"])


def make_resource(*, author, community=None, **fields) -> Resource:
    values = {
        "title": "Ressource",
        "summary": "Résumé.",
        "kind": "document",
        "language": "fr",
        **fields,
    }
    return services.resource_create(author=author, community=community, **values)
