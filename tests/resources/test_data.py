"""Demo library and scale generator: the hooks seed_demo and generate_scale_data call."""

import pytest

from resources.demo_data import seed_demo_resources, tiny_pdf
from resources.models import Resource, ResourceRevision, TaggedResource
from resources.scale_data import generate_resources
from resources.uploads import inspect_upload

pytestmark = pytest.mark.django_db


def test_seed_demo_resources_is_idempotent_and_spread(world):
    created = seed_demo_resources()
    assert created == 150
    assert seed_demo_resources() == 0
    # 150 demo resources plus the 4 of the `world` fixture.
    assert Resource.objects.count() == 154
    demo = Resource.objects.exclude(pk__in=[resource.pk for resource in world.resources()])
    assert demo.filter(language="en").exists() and demo.filter(language="fr").exists()
    assert demo.filter(community__isnull=True).exists()
    assert demo.filter(community=world.private).exists()
    assert demo.exclude(file="").exists() and demo.exclude(url="").exists()
    assert set(demo.values_list("kind", flat=True)) == {
        "document", "link", "tool", "method", "process", "case_study", "testimonial", "faq",
        "scenario", "best_practice", "presentation", "training",
    }  # fmt: skip
    assert TaggedResource.objects.filter(tag__name="études-de-cas").exists()
    assert ResourceRevision.objects.filter(resource__in=demo).count() == 150
    # Demo resources are searchable.
    assert Resource.objects.search("témoignage").exists()


def test_the_demo_pdf_is_accepted_by_the_upload_checks():
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = tiny_pdf("Guide (démo) \\ test")
    assert pdf.startswith(b"%PDF-1.4") and b"startxref" in pdf
    assert inspect_upload(SimpleUploadedFile("demo.pdf", pdf)).kind.key == "pdf"


def test_generate_resources_in_batches(world, monkeypatch):
    monkeypatch.setattr("resources.scale_data.BATCH_SIZE", 40)
    assert generate_resources(count=100, seed=1) == 100
    generated = Resource.objects.filter(revisions__isnull=True).exclude(
        pk__in=[resource.pk for resource in world.resources()]
    )
    assert generated.count() == 100
    assert not generated.filter(search_vector__isnull=True).exists()
    assert not generated.filter(tag_names="").exists()
    assert generated.filter(community__isnull=True).exists()
    assert Resource.objects.search("évaluation").exists()
