"""Markdown texts have one documented maximum (MAX_MARKDOWN_LENGTH) and render in linear
time: runs of "[" no longer make markdown-it-py walk to the end of the paragraph for
every bracket."""

import time

import pytest
from django.urls import reverse

from cdp_portal.core.markdown import MAX_MARKDOWN_LENGTH, render_markdown
from tests.forums.factories import general_forum, make_topic

# Inputs that were quadratic (seconds at 20,000 characters) and the other usual suspects.
WORST = ["[", "![", "[]", "[a", "\\[", "](", "*", "_", "`", "<", ">", "-", "|", "[a]("]


def _at_max(unit: str) -> str:
    return (unit * (MAX_MARKDOWN_LENGTH // len(unit) + 1))[:MAX_MARKDOWN_LENGTH]


@pytest.mark.parametrize("unit", WORST)
def test_worst_inputs_render_fast_at_the_maximum_length(unit):
    started = time.process_time()
    render_markdown(_at_max(unit))
    # Generous: the machine running the suite is shared; measured times are in README.
    assert time.process_time() - started < 0.5


@pytest.mark.parametrize("unit", ["[", "![", "[a"])
def test_bracket_runs_skip_the_walk_to_the_end_of_the_paragraph(unit):
    """Unclosed brackets took 0.3-0.45 s of CPU at 20,000 characters, 60 ms now."""
    render_markdown(unit * 100)
    started = time.process_time()
    render_markdown(_at_max(unit))
    assert time.process_time() - started < 0.2


@pytest.mark.parametrize(
    "text, html",
    [
        ("[lien](https://example.org/)", '<a href="https://example.org/"'),
        ("[[lien]](https://example.org/)", ">[lien]</a>"),
        ("![image](https://example.org/a.png)", 'nofollow">image</a>'),
        ("`[` [lien](https://example.org/)", '<a href="https://example.org/"'),
        ("\\[pas un lien\\]", "[pas un lien]"),
        ("[a [b] c](https://example.org/)", '<a href="https://example.org/"'),
    ],
)
def test_links_still_render(text, html):
    assert html in render_markdown(text)


def test_a_reply_over_the_maximum_is_refused_with_the_maximum_stated(client, community_world):
    topic = make_topic(general_forum(community_world.open), community_world.open_member)
    client.force_login(community_world.open_member)
    response = client.post(
        reverse("forums:reply", args=[topic.pk]), {"body": "a" * (MAX_MARKDOWN_LENGTH + 1)}
    )
    assert response.status_code in (200, 400)
    assert (
        f"{MAX_MARKDOWN_LENGTH:,}".replace(",", "\u202f") in response.content.decode()
        or str(MAX_MARKDOWN_LENGTH) in response.content.decode()
    )


def test_a_resource_body_over_the_maximum_is_refused(client, community_world):
    client.force_login(community_world.open_member)
    data = {
        "title": "Longue fiche",
        "summary": "Résumé",
        "kind": "method",
        "language": "fr",
        "community": "",
        "tags": "",
        "body": "a" * (MAX_MARKDOWN_LENGTH + 1),
        "url": "https://example.org/",
    }
    response = client.post(reverse("resources:create"), data)
    assert response.status_code == 400
    assert str(MAX_MARKDOWN_LENGTH) in response.content.decode().replace("\u202f", "").replace(
        "\xa0", ""
    )


def test_a_profile_bio_over_the_maximum_is_refused(client, community_world):
    user = community_world.open_member
    client.force_login(user)
    url = reverse("directory:profile_edit")
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data["bio"] = "a" * (MAX_MARKDOWN_LENGTH + 1)
    response = client.post(url, data)
    assert response.status_code in (200, 400)
    assert "bio" in response.context["form"].errors
    user.profile.refresh_from_db()
    assert len(user.profile.bio) <= MAX_MARKDOWN_LENGTH
