"""Atom feeds served to a signed-in browser or, through a personal address, to a feed
reader that has no session (`feed_tokens`).

A feed's items come from the `visible_to(reader)` querysets of its app, where `reader`
is the token's owner when the address carries a token, the signed-in person otherwise:
the rule of who reads what stays in those querysets."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from .feed_tokens import TOKEN_PARAMETER, feed_token_ensure, feed_token_user, feed_token_value


class PersonalFeed(Feed):
    # LoginRequiredMiddleware lets it through: `__call__` asks for the token or the session.
    login_required = False

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if TOKEN_PARAMETER in request.GET:
            # A token decides alone, even next to a session: the address serves the same
            # feed to whoever fetches it, and a wrong token is a 404, never a fallback.
            reader = feed_token_user(request.GET[TOKEN_PARAMETER])
            if reader is None:
                raise Http404
        elif request.user.is_authenticated:
            reader = request.user
        else:
            return redirect_to_login(request.get_full_path())
        # Whose feed this is, for the subclasses' `get_object`.
        request.feed_reader = reader
        response = super().__call__(request, *args, **kwargs)
        # One person's items: never kept by a shared cache or proxy.
        patch_cache_control(response, private=True)
        return response


def personal_feed_url(request: HttpRequest, feed_url: str) -> str | None:
    """The signed-in person's own address of the feed at `feed_url`, for a feed reader;
    None when they revoked their token (or nobody is signed in)."""
    if not request.user.is_authenticated:
        return None
    token = feed_token_value(feed_token_ensure(user=request.user))
    if token is None:
        return None
    return request.build_absolute_uri(f"{feed_url}?{urlencode({TOKEN_PARAMETER: token})}")
