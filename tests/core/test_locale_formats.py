"""Dates and percentages in each language's own style, the same style for the same
purpose everywhere: "29 novembre 2026" and "November 29, 2026", "82 %" and "82%"."""

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from cdp_portal.core.numbers import format_percent
from forums.models import Post, Topic
from readiness.models import ItemStatus
from tests.factories import CommunityFactory, make_member
from tests.forums.factories import general_forum, make_topic
from tests.readiness.factories import (  # noqa: F401
    checklist_of,
    readiness_world_fixture,
    set_item,
)
from tests.resources.factories import ResourceFactory

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MONTREAL = ZoneInfo("America/Montreal")
AT = datetime.datetime(2026, 11, 29, 14, 30, tzinfo=MONTREAL)


def page(client, path: str, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "date", "date_and_time"),
    [
        ("fr", "29 novembre 2026", "29 novembre 2026, 14:30"),
        ("en", "November 29, 2026", "November 29, 2026, 2:30 p.m."),
    ],
)
def test_a_topic_page_shows_its_dates_in_the_readers_language(
    client, login, language, date, date_and_time
):
    community = CommunityFactory()
    member = make_member(community)
    topic = make_topic(general_forum(community), member)
    Topic.objects.filter(pk=topic.pk).update(created_at=AT)
    Post.objects.filter(topic=topic).update(created_at=AT)
    login(member)
    html = page(client, topic.get_absolute_url(), language)
    times = re.findall(r"<time datetime=\"2026-11-29T14:30:00-05:00\">([^<]*)</time>", html)
    assert times, html
    assert date in times  # the topic's header
    assert date_and_time in times  # its first post
    assert "Nov. 29" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "date"), [("fr", "29 novembre 2026"), ("en", "November 29, 2026")]
)
def test_a_resource_page_and_the_library_date_it_alike(client, login, language, date):
    member = make_member(CommunityFactory())
    resource = ResourceFactory(title="Guide des classes inversées")
    type(resource).objects.filter(pk=resource.pk).update(created_at=AT, updated_at=AT)
    login(member)
    assert f">{date}</time>" in page(client, resource.get_absolute_url(), language)
    assert f">{date}</time>" in page(client, "/resources/", language)


def test_no_template_writes_a_date_format_of_its_own():
    """A display date goes through a named format of the language (DATE_FORMAT,
    DATETIME_FORMAT…); only machine formats ("c", "Y-m-d" in a datetime attribute) may
    be written out."""
    written = re.compile(r"""\|date:(["'])(?P<format>[^"']*)\1""")
    machine = {"c", "Y-m-d", "U"}
    own = [
        f"{path.relative_to(TEMPLATES)}: {match['format']}"
        for path in TEMPLATES.rglob("*.html")
        for match in written.finditer(path.read_text())
        if match["format"] not in machine and not match["format"].endswith("_FORMAT")
    ]
    assert not own, own


@pytest.mark.parametrize(("language", "expected"), [("fr", "82\u202f%"), ("en", "82%")])
def test_percentages_follow_the_language(language, expected):
    with translation.override(language):
        assert format_percent(82) == expected
        rendered = Template("{% load portal %}{{ score|percent }}|{{ none|percent }}").render(
            Context({"score": 82, "none": None})
        )
    assert rendered == f"{expected}|None"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("fr", "\u202f%"), ("en", "%")])
def test_the_readiness_page_shows_its_score_in_the_readers_style(
    client, login, readiness_world, language, expected
):
    community = readiness_world.open
    checklist_of(community)
    set_item(community, "facilitating-environment", status=ItemStatus.DONE)
    login(readiness_world.open_animator)
    html = page(client, f"/communities/{community.slug}/readiness/", language)
    score = re.search(r'<span class="readiness-score__value">([^<]*)</span>', html)
    assert score, html
    assert re.fullmatch(rf"\d+{expected}", score.group(1)), score.group(1)
