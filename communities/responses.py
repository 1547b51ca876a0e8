"""Pages that several apps answer about a community: the person's membership state for
the join/leave buttons, and the "members only" 403 of a closed community's content
(members page, forums, readiness), which says how to ask to join."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .forms import JoinForm
from .models import Community, Membership
from .permissions import membership_for

# What a person's membership means for the buttons they get.
STATE_BY_STATUS = {
    Membership.Status.ACTIVE: "member",
    Membership.Status.REQUESTED: "requested",
    Membership.Status.INVITED: "invited",
}


def membership_state(user, community: Community) -> tuple[Membership | None, str]:
    membership = membership_for(user, community)
    state = STATE_BY_STATUS.get(membership.status, "none") if membership else "none"
    return membership, state


def members_only(request: HttpRequest, community: Community, template: str) -> HttpResponse:
    """403 with the way to ask to join; `template` extends
    communities/members_forbidden.html and says what is reserved."""
    membership, state = membership_state(request.user, community)
    return render(
        request,
        template,
        {
            "community": community,
            "membership": membership,
            "membership_state": state,
            "join_form": JoinForm(),
        },
        status=403,
    )
