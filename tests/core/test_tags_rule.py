"""One tag rule for the portal: a name without a letter or digit (its slug would be
empty) is refused wherever tags come in, and a tag already stored with an empty slug
(before the rule) gets a usable one, so no page linking it breaks."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from taggit.models import Tag

from cdp_portal.core.tags import MAX_TAG_LENGTH, clean_tag_names, tag_slug
from communities.member_import import parse_member_csv
from forums.models import Topic
from resources.models import Resource
from tests.forums.factories import general_forum, make_topic
from tests.resources.factories import ResourceFactory

HOSTILE = [">", "🎓", "!!!", "\u0301", "\ud800", "\ufffd", "___"]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_name_without_letter_or_digit_is_refused(name):
    with pytest.raises(ValidationError) as error:
        clean_tag_names(["moodle", name])
    assert error.value.code in {"tag_meaningless", "tag_control"}


def test_control_characters_are_refused_and_whitespace_collapsed():
    assert clean_tag_names(["classe\r\ninversée", "a\tb"]) == ["classe inversée", "a b"]
    with pytest.raises(ValidationError):
        clean_tag_names(["bell\x07"])
    with pytest.raises(ValidationError):
        clean_tag_names(["x" * (MAX_TAG_LENGTH + 1)])


def test_accented_names_keep_their_slug():
    assert clean_tag_names(["Évaluation", "évaluation"]) == ["Évaluation"]
    assert tag_slug("études de cas") == "études-de-cas"


@pytest.mark.parametrize("name", [">", "🎓"])
def test_resource_form_refuses_a_tag_without_slug(client, community_world, name):
    client.force_login(community_world.open_member)
    data = {
        "title": "Fiche avec étiquette",
        "summary": "Un résumé.",
        "kind": "method",
        "language": "fr",
        "community": "",
        "tags": f"moodle, {name}",
        "body": "Du texte.",
        "url": "https://example.org/",
    }
    response = client.post(reverse("resources:create"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "au moins une lettre ou un chiffre" in body
    assert "Fiche avec étiquette" in body
    assert not Resource.objects.filter(title="Fiche avec étiquette").exists()
    assert not Tag.objects.filter(slug="").exists()


@pytest.mark.parametrize("name", [">", "🎓"])
def test_topic_form_refuses_a_tag_without_slug(client, community_world, name):
    forum = general_forum(community_world.open)
    client.force_login(community_world.open_member)
    url = reverse(
        "forums:topic_new", kwargs={"community_slug": forum.community.slug, "slug": forum.slug}
    )
    response = client.post(
        url, {"title": "Sujet étiqueté", "body": "Mon texte gardé", "tags": f"moodle, {name}"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "au moins une lettre ou un chiffre" in body
    assert "Mon texte gardé" in body
    assert not Topic.objects.filter(title="Sujet étiqueté").exists()


def test_import_members_reports_a_tag_without_slug_by_line():
    rows, errors = parse_member_csv(
        "email,first_name,last_name,job_title,unit,campus,expertise\n"
        "ok@example.org,A,B,,,,moodle\n"
        "bad@example.org,C,D,,,,moodle;🎓\n"
    )
    assert [row.email for row in rows] == ["ok@example.org"]
    assert [(error.line, error.email) for error in errors] == [(3, "bad@example.org")]


def test_admin_tag_form_refuses_a_name_without_slug(admin_client):
    inline = {
        "taggit_taggeditem_items-TOTAL_FORMS": "0",
        "taggit_taggeditem_items-INITIAL_FORMS": "0",
    }
    url = reverse("admin:taggit_tag_add")
    response = admin_client.post(url, {"name": ">", "slug": "x", **inline})
    assert response.status_code == 200
    assert "au moins une lettre ou un chiffre" in response.content.decode()
    assert not Tag.objects.filter(name=">").exists()
    admin_client.post(url, {"name": "Évaluation", "slug": "évaluation", **inline})
    assert Tag.objects.filter(name="Évaluation").exists()


def test_admin_profile_form_refuses_a_tag_without_slug(admin_client, community_world):
    from communities.admin import ProfileAdmin
    from communities.models import Profile

    profile = Profile.objects.get(user=community_world.open_member)
    form_class = ProfileAdmin(Profile, None).get_form(None)
    field = form_class.base_fields["expertise"]
    with pytest.raises(ValidationError):
        field.clean("moodle, >")
    assert field.clean("moodle, évaluation") == ["moodle", "évaluation"]
    assert profile.pk


def test_pages_answer_200_with_a_legacy_tag_without_slug(client, community_world):
    """A tag stored before the rule, with an empty slug: the data migration gives it a
    slug, and every page linking it works."""
    w = community_world
    legacy = Tag.objects.create(name="🎓")
    Tag.objects.filter(pk=legacy.pk).update(slug="")
    resource = ResourceFactory(title="Ancienne fiche", author=w.open_member, tags=[])
    resource.tags.add(legacy)
    topic = make_topic(general_forum(w.open), w.open_member, title="Ancien sujet")
    topic.tags.add(legacy)

    migration = importlib.import_module("communities.migrations.0007_tags_without_slug")
    migration.give_empty_slugs_one(apps, None)
    legacy.refresh_from_db()
    assert legacy.slug

    client.force_login(w.open_member)
    forum = topic.forum
    for url in [
        reverse("resources:list"),
        reverse("resources:detail", args=[resource.pk]),
        reverse("forums:forum", kwargs={"community_slug": w.open.slug, "slug": forum.slug}),
        reverse("forums:topic", args=[topic.pk]),
        reverse("forums:calls"),
        reverse("directory:tag", args=[legacy.slug]),
        reverse("search") + "?q=Ancien",
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
