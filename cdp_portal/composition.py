"""What each composed page shows, in order: the one place that puts the apps' sections
together (see `cdp_portal.core.page_sections`). The site sits above every app, so it may
name them all; the apps only declare their pages and write their builders.
"""

from __future__ import annotations

from typing import Any

from cdp_portal.core.page_sections import Page
from communities import directory_views
from communities.pages import COMMUNITY_HOME, TAG_PAGE
from conversations import sections as conversation_sections
from forums import sections as forum_sections
from readiness import sections as readiness_sections
from resources import sections as resource_sections
from resources.pages import RESOURCE_PAGE

# The signed-in home, below the person's communities, invitations and requests; its
# subject is the person.
DASHBOARD: Page[Any] = Page("dashboard")


def compose_pages() -> None:
    DASHBOARD.compose(
        [
            resource_sections.flags_to_handle_panel,
            conversation_sections.message_flags_panel,
            forum_sections.calls_for_me_panel,
            readiness_sections.my_tasks_panel,
            forum_sections.recent_activity_panel,
            resource_sections.followed_tags_panel,
        ]
    )
    COMMUNITY_HOME.compose(
        [
            readiness_sections.readiness_section,
            forum_sections.open_calls_section,
            forum_sections.recent_topics_section,
            resource_sections.community_resources_section,
        ]
    )
    TAG_PAGE.compose(
        [
            directory_views.experts_section,
            resource_sections.tag_resources_section,
            forum_sections.discussions_section,
            directory_views.interested_section,
        ]
    )
    RESOURCE_PAGE.compose([forum_sections.resource_discussions_section])
