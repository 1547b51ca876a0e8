"""The readiness pieces of pages other apps own: "my checklist tasks" on the dashboard
(`DASHBOARD_PANELS`) and the readiness progress on a community's home
(`COMMUNITY_SECTIONS`). Registered in `CommunitiesConfig.ready()`."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from cdp_portal.core.page_sections import Section

from .models import READINESS_PHASES, ChecklistItem
from .scoring import readiness_report
from .services import checklist_get

DASHBOARD_TASKS = 10


def my_tasks_panel(request, user) -> Section | None:
    """Hand-set items I own that are not done, overdue first: one query."""
    tasks = list(ChecklistItem.objects.my_tasks(user)[:DASHBOARD_TASKS])
    if not tasks:
        return None
    return Section(
        key="readiness-tasks",
        title=_("Mes tâches de préparation"),
        template="readiness/dashboard_panel.html",
        context={
            "tasks": tasks,
            "today": timezone.localdate(),
        },
    )


def readiness_section(request, community) -> Section | None:
    """The score and a link, while the community decides or prepares; no query otherwise.
    The checklist is not created here: the readiness page does that."""
    if community.phase not in READINESS_PHASES:
        return None
    checklist = checklist_get(community)
    return Section(
        key="readiness",
        title=_("Préparation au démarrage"),
        template="readiness/community_section.html",
        context={
            "community": community,
            "report": readiness_report(checklist) if checklist else None,
        },
    )
