"""Markdown written by people (descriptions, bios, posts), rendered then sanitised.

markdown-it-py renders CommonMark with raw HTML disabled; nh3 then keeps only an allow-list
of tags and attributes, so whatever the renderer lets through, no script, style, event
handler or foreign URL scheme reaches the page. Images become plain links: the strict
Content-Security-Policy would block images from other hosts anyway, and a description
should not make the reader's browser call a third party.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"


def _render_image_as_link(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    label = self.renderInlineAsText(token.children or [], options, env) or token.attrGet("src")
    return f'<a href="{escape(token.attrGet("src") or "")}">{escape(label)}</a>'


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.add_render_rule("image", _render_image_as_link)
    return parser


def render_markdown(text: str | None, *, shift_headings: int = 0) -> SafeString:
    """HTML for a Markdown text, safe to insert in a page.

    `shift_headings` demotes headings (1 turns `#` into `<h2>`) so that a text shown under
    the page's own headings keeps the document outline in order; h6 is the floor.
    """
    if not text:
        return mark_safe("")
    parser = _parser()
    env: dict = {}
    tokens = parser.parse(text, env)
    if shift_headings:
        for token in tokens:
            if token.type in ("heading_open", "heading_close"):
                level = min(int(token.tag[1]) + shift_headings, 6)
                token.tag = f"h{level}"
    html = parser.renderer.render(tokens, parser.options, env)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        clean_content_tags={"script", "style"},
    )
    return mark_safe(cleaned)  # sanitised by nh3 just above
