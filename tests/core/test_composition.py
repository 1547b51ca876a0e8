"""Each composed page lists its sections once, in the order the site gave, and a Section
reads its context as attributes (which the section templates rely on)."""

import pytest

from cdp_portal.composition import DASHBOARD
from cdp_portal.core.page_sections import Page, Section
from communities.pages import COMMUNITY_HOME, TAG_PAGE
from resources.pages import RESOURCE_PAGE


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (
            DASHBOARD,
            [
                "flags_to_handle_panel",
                "message_flags_panel",
                "calls_for_me_panel",
                "my_tasks_panel",
                "recent_activity_panel",
                "followed_tags_panel",
            ],
        ),
        (
            COMMUNITY_HOME,
            [
                "readiness_section",
                "open_calls_section",
                "recent_topics_section",
                "community_resources_section",
            ],
        ),
        (
            TAG_PAGE,
            [
                "experts_section",
                "tag_resources_section",
                "discussions_section",
                "interested_section",
            ],
        ),
        (RESOURCE_PAGE, ["resource_discussions_section"]),
    ],
)
def test_every_page_is_composed_in_order(page, expected):
    assert [builder.__name__ for builder in page.builders] == expected


def test_a_page_leaves_out_the_sections_that_answer_none():
    page: Page[str] = Page("probe")
    page.compose(
        [
            lambda request, subject: Section("a", "A", "a.html", {"subject": subject}),
            lambda request, subject: None,
        ]
    )
    (section,) = page.build(None, "tag")
    assert (section.key, section.subject) == ("a", "tag")
    with pytest.raises(AttributeError):
        section.missing  # noqa: B018
