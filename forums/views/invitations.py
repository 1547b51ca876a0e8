"""Inviting experts into a call for help: its author (or the community's animation) sees
the members whose expertise meets the call's tags and who may read it, and invites some
by name; each is told once (in-app, and by e-mail as their profile asks)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from cdp_portal.core.errors import error_text
from communities.models import Profile

from .. import services
from ..forms import InviteExpertsForm
from ..models import CallInvitation, Topic
from ..permissions import can_invite_experts
from .common import _topic

EXPERTS_PER_PAGE = 30


def _experts(topic: Topic, user) -> Paginator:
    """The profiles of the experts the person may invite, by name, each with whether they
    were invited already (`invited`)."""
    profiles = (
        Profile.objects.filter(user__in=services.invitable_experts(topic, user).values("pk"))
        .select_related("user")
        .annotate(
            invited=Exists(CallInvitation.objects.filter(topic=topic, invitee=OuterRef("user")))
        )
        .ordered_by_name()
    )
    return Paginator(profiles, EXPERTS_PER_PAGE)


@require_http_methods(["GET", "HEAD", "POST"])
def call_invite(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _topic(request, pk)
    user = request.user
    if not can_invite_experts(user, topic):
        raise PermissionDenied(
            _("Seul l'auteur·rice de l'appel ou l'animation peut y inviter des personnes.")
        )
    status = 200
    if request.method == "POST":
        form = InviteExpertsForm(request.POST)
        if form.is_valid():
            try:
                invited = services.call_invite_experts(
                    topic=topic, by=user, invitees=form.cleaned_data["invitees"]
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error_text(error))
            else:
                if invited:
                    messages.success(
                        request,
                        ngettext(
                            "%(n)d personne est invitée à répondre à l'appel.",
                            "%(n)d personnes sont invitées à répondre à l'appel.",
                            len(invited),
                        )
                        % {"n": len(invited)},
                    )
                else:
                    messages.info(request, _("Ces personnes étaient déjà invitées."))
                return redirect(request.path)
        status = 400
    else:
        form = InviteExpertsForm()
    page = _experts(topic, user).get_page(request.GET.get("page"))
    # A refused invitation comes back with the same people ticked.
    chosen = set(getattr(form, "cleaned_data", {}).get("invitees", []))
    return render(
        request,
        "forums/call_invite.html",
        {
            "topic": topic,
            "forum": topic.forum,
            "community": topic.forum.community,
            "form": form,
            "page_obj": page,
            "experts": list(page.object_list),
            "chosen": chosen,
        },
        status=status,
    )
