"""Names and titles are one line: CR/LF/TAB fold into a space, other control characters
are refused (cdp_portal.core.fields.SingleLineCharField), in every form that takes one."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from cdp_portal.core.fields import SingleLineCharField
from communities.models import Community, Profile
from forums.models import Forum, Topic
from resources.models import Resource
from tests.forums.factories import general_forum

INJECTION = "Titre\r\nBcc: x@y.example"


@pytest.mark.parametrize(
    "value, cleaned",
    [
        ("Titre\r\nBcc: x@y", "Titre Bcc: x@y"),
        ("a\tb", "a b"),
        ("a\u2028b\u2029c", "a b c"),
        ("  a \n\n b  ", "a b"),
    ],
)
def test_whitespace_controls_fold_into_one_space(value, cleaned):
    assert SingleLineCharField().clean(value) == cleaned


@pytest.mark.parametrize("value", ["a\x07b", "a\x1bb", "a\x9bb", "a\u202eb", "a\x7fb"])
def test_other_controls_are_refused(value):
    field = SingleLineCharField()
    with pytest.raises(Exception) as error:
        field.clean(value)
    assert "caractère de contrôle" in str(error.value)


def _single_line(value: str) -> bool:
    return not any(char in value for char in "\r\n\t")


def test_topic_title(client, community_world):
    forum = general_forum(community_world.open)
    client.force_login(community_world.open_member)
    url = reverse("forums:topic_new", kwargs={"community_slug": "cdp-open", "slug": forum.slug})
    client.post(url, {"title": INJECTION, "body": "Texte"})
    titles = list(Topic.objects.filter(forum=forum).values_list("title", flat=True))
    assert titles and all(_single_line(title) for title in titles)


def test_resource_title_and_summary(client, community_world):
    client.force_login(community_world.open_member)
    data = {
        "title": INJECTION,
        "summary": "Résumé\nsur deux lignes",
        "kind": "method",
        "language": "fr",
        "community": "",
        "tags": "",
        "body": "Corps\nsur plusieurs\nlignes",
        "url": "https://example.org/",
    }
    assert client.post(reverse("resources:create"), data).status_code == 302
    resource = Resource.objects.get(title__startswith="Titre")
    assert _single_line(resource.title) and _single_line(resource.summary)
    assert "\n" in resource.body


def test_profile_names(client, community_world):
    user = community_world.open_member
    client.force_login(user)
    client.post(
        reverse("directory:profile_edit"),
        {
            "display_name": INJECTION,
            "first_name": "Ana\r\nBcc: x",
            "last_name": "B\tC",
            "job_title": "Conseillère\npédagogique",
            "unit": "Unité\r\n",
            "campus": "Campus\u2028Nord",
            "notification_email": "each",
        },
    )
    user.refresh_from_db()
    profile = Profile.objects.get(user=user)
    values = [user.display_name, user.first_name, user.last_name]
    values += [profile.job_title, profile.unit, profile.campus]
    assert all(_single_line(value) and "\u2028" not in value for value in values), values


def test_signup_display_name(client, db):
    client.post(
        reverse("account_signup"),
        {
            "display_name": INJECTION,
            "email": "nouvelle@example.org",
            "password1": "un-mot-de-passe-solide-2026",
            "password2": "un-mot-de-passe-solide-2026",
        },
    )
    user = get_user_model().objects.filter(email="nouvelle@example.org").first()
    assert user is None or _single_line(user.display_name)


def test_admin_community_and_forum_names(admin_client, community_world):
    from communities.admin import CommunityAdmin
    from communities.admin_scoping import CommunityScopedAdminMixin
    from forums.admin import ForumAdmin

    assert issubclass(CommunityAdmin, CommunityScopedAdminMixin)
    request = RequestFactory().get("/admin/")
    request.user = community_world.admin
    for admin_class, model, name in (
        (CommunityAdmin, Community, "name"),
        (ForumAdmin, Forum, "name"),
    ):
        form = admin_class(model, admin.site).get_form(request)
        field = form.base_fields[name]
        assert field.clean("Nom\r\nBcc: x") == "Nom Bcc: x"
