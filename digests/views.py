"""The unsubscribe link of a digest: no sign-in, the signed token says who and which
digest (`tokens`). GET only shows what would change and a button, so that the link
scanners of mail servers, which open every link, change nothing; POST unsubscribes,
from that button or from a mail client's one-click button (RFC 8058
`List-Unsubscribe-Post`), which sends no CSRF token and no cookie: the token is the
authority here, not the session."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from communities.models import Profile

from .services import digest_unsubscribe
from .tokens import ExpiredToken, InvalidToken, read_unsubscribe_token


def _digest_name(frequency: str) -> str:
    if frequency == Profile.DigestFrequency.DAILY:
        return _("le résumé quotidien")
    return _("le résumé hebdomadaire")


@login_not_required
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        unsubscription = read_unsubscribe_token(token)
    except InvalidToken as exc:
        expired = isinstance(exc, ExpiredToken)
        return render(request, "digests/link_invalid.html", {"expired": expired}, status=400)
    profile = (
        Profile.objects.filter(user_id=unsubscription.user_id, user__is_active=True)
        .select_related("user")
        .first()
    )
    if profile is None:  # the account was closed since
        return render(request, "digests/link_invalid.html", {"gone": True}, status=404)
    context = {"digest_name": _digest_name(unsubscription.frequency)}
    if request.method == "POST":
        context["changed"] = digest_unsubscribe(
            user=profile.user, frequency=unsubscription.frequency
        )
        return render(request, "digests/unsubscribed.html", context)
    context["subscribed"] = profile.digest_frequency == unsubscription.frequency
    return render(request, "digests/unsubscribe.html", context)
