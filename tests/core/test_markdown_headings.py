"""Markdown headings take the level the page asks for, counted from the text's own
highest heading (a description starting at "##" jumped from h2 to h4 before); the posts'
stored HTML is re-rendered by forums.0018."""

import importlib
import re

import pytest
from django.apps import apps
from django.template import Context, Template

from cdp_portal.core.markdown import render_markdown
from communities.models import Community
from forums.models import Post
from tests.factories import CommunityFactory, make_member
from tests.forums.factories import general_forum, make_post, make_topic

rerender = importlib.import_module("forums.migrations.0018_posts_headings_from_their_highest")


def levels(html: str) -> list[str]:
    return re.findall(r"<(h[1-6])>", str(html))


def test_the_texts_highest_heading_takes_the_level_asked_and_the_others_follow():
    assert levels(render_markdown("## Plan\n\n### Étape\n\n## Fin", heading_level=3)) == [
        "h3",
        "h4",
        "h3",
    ]
    # The same outline whether the text starts at "#" or at "##".
    assert levels(render_markdown("# Plan\n\n## Étape", heading_level=2)) == ["h2", "h3"]
    assert levels(render_markdown("### Plan\n\n#### Étape", heading_level=2)) == ["h2", "h3"]
    # A gap the author left stays; h6 is the floor; setext headings count too.
    assert levels(render_markdown("# A\n\n### C\n\n###### F", heading_level=3)) == [
        "h3",
        "h5",
        "h6",
    ]
    assert levels(render_markdown("Titre\n=====\n\nSous\n----", heading_level=2)) == [
        "h2",
        "h3",
    ]
    assert levels(render_markdown("## As written")) == ["h2"]
    assert render_markdown("Pas de titre.", heading_level=3) == "<p>Pas de titre.</p>\n"


def test_the_template_filter_names_the_level():
    template = Template("{% load portal %}{{ text|markdown:3 }}|{{ text|markdown:'x' }}")
    html = template.render(Context({"text": "## Objectifs\n\n### Court terme"}))
    placed, as_written = html.split("|")
    assert levels(placed) == ["h3", "h4"]
    assert levels(as_written) == ["h2", "h3"]


@pytest.mark.django_db
def test_a_post_starting_at_two_hashes_is_stored_at_the_posts_level():
    community = CommunityFactory()
    author = make_member(community)
    topic = make_topic(general_forum(community), author, body="## Contexte\n\nDu texte.")
    post = make_post(topic, author, body="## Plan\n\n### Étape un")
    assert levels(topic.posts.get(position=1).body_html) == ["h3"]
    assert levels(Post.objects.get(pk=post.pk).body_html) == ["h3", "h4"]


@pytest.mark.django_db
def test_the_migration_rerenders_posts_stored_the_old_way_and_back():
    community = CommunityFactory()
    author = make_member(community)
    topic = make_topic(general_forum(community), author, body="Sans titre, @personne.")
    post = make_post(topic, author, body="## Plan\n\n### Étape")
    # As the previous code stored it: every level two lower.
    Post.objects.filter(pk=post.pk).update(body_html="<h4>Plan</h4>\n<h5>Étape</h5>\n")
    untouched = topic.posts.get(position=1)
    revision = type(topic).objects.get(pk=topic.pk).revision

    rerender.place_headings(apps, None)
    assert levels(Post.objects.get(pk=post.pk).body_html) == ["h3", "h4"]
    assert Post.objects.get(pk=untouched.pk).body_html == untouched.body_html
    # The topic's cached fragments are renewed (its revision moved once, for one write).
    assert type(topic).objects.get(pk=topic.pk).revision == revision + 1

    rerender.shift_headings_back(apps, None)
    assert levels(Post.objects.get(pk=post.pk).body_html) == ["h4", "h5"]


def test_a_community_description_fits_under_its_section(client, login, community_world):
    community: Community = community_world.open
    Community.objects.filter(pk=community.pk).update(description="## Mission\n\n### Public")
    html = login(community_world.open_member).get(community.get_absolute_url()).content.decode()
    about = html[html.index('id="about-title"') :]
    assert levels(about)[:2] == ["h3", "h4"]
