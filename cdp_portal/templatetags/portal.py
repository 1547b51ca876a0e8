"""The portal's own template filters and tags: `{% load portal %}`."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import template
from django.conf import settings
from django.core.paginator import Page
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from cdp_portal.core import querystrings
from cdp_portal.core.fragments import render_one_fragment
from cdp_portal.core.markdown import render_markdown
from cdp_portal.core.numbers import format_percent

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None, heading_level: int | None = None) -> SafeString:
    """`{{ text|markdown }}`, or `{{ text|markdown:3 }}` to make the text's highest
    heading an `<h3>` (the others follow it)."""
    try:
        level = int(heading_level) if heading_level is not None else None
    except (TypeError, ValueError):
        level = None
    return render_markdown(text, heading_level=level)


@register.simple_tag(takes_context=True)
def sign_in_options(context) -> dict:
    """`{% sign_in_options as sign_in %}`: `sign_in.buttons`, one per identity provider
    configured (README, "Single sign-on"), and `sign_in.password`, whether e-mail and
    password sign-in is on (PORTAL_PASSWORD_LOGIN). Read from the settings: no query."""
    from cdp_portal.accounts.sso import sign_in_buttons

    request = context.get("request")
    return {
        "buttons": sign_in_buttons(request) if request is not None else [],
        "password": settings.PORTAL_PASSWORD_LOGIN,
    }


@register.simple_tag
def elided_page_range(page: Page, on_each_side: int = 2, on_ends: int = 1) -> list:
    """Page numbers around the current one, with `…` where pages are skipped."""
    return list(
        page.paginator.get_elided_page_range(
            page.number, on_each_side=on_each_side, on_ends=on_ends
        )
    )


@register.simple_tag(takes_context=True)
def changed_query(context, **changes) -> str:
    """Django's `{% querystring %}` (the page's parameters with `changes`; None removes
    one), for lists of links such as the library's sorts: the same string, each of the
    page's parameters encoded once per request (cdp_portal.core.querystrings)."""
    return querystrings.changed_query(context["request"], **changes)


@register.simple_tag(takes_context=True)
def pagination(context, page_obj: Page, page_param: str = "") -> SafeString:
    """A list's page links (partials/pagination_links.html), from the fragment cache: they
    show nothing else than the page, the number of pages and the query's other
    parameters (a hot topic's ten page links cost more to render than its page of posts
    to fetch)."""
    request = context["request"]
    page_param = page_param or "page"
    key = (page_obj.number, page_obj.paginator.num_pages, sorted(request.GET.lists()), page_param)
    values = {"page_obj": page_obj, "page_param": page_param, "request": request}
    return render_one_fragment(request, "partials/pagination_links.html", values, key=key)


@register.simple_tag(takes_context=True)
def page_query(context, number: int, page_param: str = "page") -> str:
    """`?…` for page `number` of a list paginated by `page_param`, keeping the other
    parameters: a page showing several paginated sections pages each on its own."""
    query = context["request"].GET.copy()
    query[page_param or "page"] = number
    return "?" + query.urlencode()


@register.filter
def duration_text(value: datetime.timedelta | None) -> str:
    """A duration in words, as `timesince` says it ("5 heures", "2 jours, 3 heures")."""
    if value is None:
        return ""
    now = timezone.now()
    return timesince(now - value, now)


@register.simple_tag
def member_cards(profiles) -> SafeString:
    """The member cards of `profiles` (from `ProfileQuerySet.for_cards`), each from the
    fragment cache when it was rendered before (communities.cards)."""
    from communities.cards import render_member_cards

    return render_member_cards(profiles)


@register.simple_tag(takes_context=True)
def resource_items(context, resources, bookmarked=None) -> SafeString:
    """`{% resource_items resources bookmarked=ids %}`: the list items of `resources`
    (from `ResourceQuerySet.for_listing`), each from the fragment cache when it was
    rendered before (resources.items); `bookmarked`, the ids the person keeps, shows the
    bookmark buttons."""
    from resources.items import render_resource_items

    return render_resource_items(context.get("request"), resources, bookmarked)


@register.simple_tag(takes_context=True)
def facet_links(context, name: str, values, cloud: bool = False) -> SafeString:
    """`{% facet_links "kind" facets.kind %}`: the library's links choosing (or removing)
    each value of a facet; `cloud=True` for the tag cloud (resources.facet_links)."""
    from resources.facet_links import facet_links as links

    return links(context["request"], name, values, cloud=cloud)


# The portal's sections, by the path they start with: the header marks the one shown.
HEADER_SECTIONS = (
    ("/communities/", "communities"),
    ("/members/", "members"),
    ("/resources/", "resources"),
    ("/forums/", "forums"),
)


@register.simple_tag(takes_context=True)
def site_header(context) -> SafeString:
    """The site's header (partials/header.html), from the fragment cache: rendered once
    per combination of what it shows (signed in or not, the section, the search typed,
    the unread notifications and conversations, the person's name, whether they are
    staff, the language), with the
    page's own address (the language switcher's `next`) and the CSRF token put in for
    each request."""
    from django.urls import reverse

    from cdp_portal.core.fragments import render_one_fragment
    from conversations.unread import header_unread_conversations
    from forums.unread import header_unread_count

    request = context.get("request")
    user = context.get("user")
    if request is None or user is None:
        # Rendered outside a request (an error page drawn by hand): nothing to key on.
        return get_template("partials/header.html").render(
            {"signed_in": False, "section": "", "next_path": "/"}
        )
    signed_in = bool(user.is_authenticated)
    path = request.path
    unread_notifications = header_unread_count(user)
    unread_conversations = header_unread_conversations(user)
    values = {
        "signed_in": signed_in,
        "section": next((name for prefix, name in HEADER_SECTIONS if path.startswith(prefix)), ""),
        "on_notifications": signed_in and path == reverse("forums:notifications"),
        "on_conversations": signed_in and path == reverse("conversations:list"),
        "search_q": request.GET.get("q", "") if signed_in else "",
        # What the context processor shows (forums.context_processors), not lazily here.
        "unread_notification_count": unread_notifications,
        "unread_conversation_count": unread_conversations,
        "unread_total": unread_notifications + unread_conversations,
        "user_name": user.get_full_name() if signed_in else "",
        "is_staff": signed_in and user.is_staff,
        "password_login": settings.PORTAL_PASSWORD_LOGIN,
    }
    return render_one_fragment(
        request,
        "partials/header.html",
        values,
        per_request={"next_path": request.get_full_path() or "/"},
    )


@register.filter
def percent(value) -> str:
    """`{{ report.score|percent }}`: a percentage in the page's language (see
    `cdp_portal.core.numbers.format_percent`); anything but a number (None, "—") is
    shown as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    return format_percent(value)
