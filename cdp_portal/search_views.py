"""The global search page, `/search/?q=` (signed-in people: LoginRequiredMiddleware)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cdp_portal.core.search_text import SearchText

from .search import DISCUSSION_LIMIT, SECTION_SIZE, search_everything


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = SearchText(request.GET.get("q"))
    return render(
        request,
        "search/results.html",
        {
            "query": query,
            "results": search_everything(request.user, query) if query else None,
            "section_size": SECTION_SIZE,
            "discussion_limit": DISCUSSION_LIMIT,
        },
    )
