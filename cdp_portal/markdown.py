"""Markdown written by people (descriptions, bios, posts), rendered then sanitised.

markdown-it-py renders CommonMark with raw HTML disabled; nh3 then keeps only an allow-list
of tags and attributes, so whatever the renderer lets through, no script, style, event
handler or foreign URL scheme reaches the page. Images become plain links: the strict
Content-Security-Policy would block images from other hosts anyway, and a description
should not make the reader's browser call a third party.
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# "@handle" (a profile's handle), not inside a word, an e-mail address or a path.
MENTION = re.compile(r"(?<![\w.@/])@([a-z0-9](?:[a-z0-9_-]{0,78}[a-z0-9])?)", re.IGNORECASE)

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
# The only class that survives: the links the portal itself makes of "@handle".
ALLOWED_CLASSES = {"a": {"mention"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"


def _render_image_as_link(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    label = self.renderInlineAsText(token.children or [], options, env) or token.attrGet("src")
    return f'<a href="{escape(token.attrGet("src") or "")}">{escape(label)}</a>'


def _link_mentions(state: StateCore) -> None:
    """Turn "@handle" in plain text into a link to the person's profile, for the handles
    the caller resolved (`env["mentions"]`: handle -> URL); never inside a link or code."""
    mentions: dict[str, str] = state.env.get("mentions") or {}
    if not mentions:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            in_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            if token.type != "text" or in_link or "@" not in token.content:
                children.append(token)
                continue
            position = 0
            for match in MENTION.finditer(token.content):
                url = mentions.get(match.group(1).lower())
                if url is None:
                    continue
                if match.start() > position:
                    children.append(_text(token.content[position : match.start()]))
                link = Token("link_open", "a", 1)
                link.attrs = {"href": url, "class": "mention"}
                children += [link, _text(match.group(0)), Token("link_close", "a", -1)]
                position = match.end()
            if position < len(token.content):
                children.append(_text(token.content[position:]))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.add_render_rule("image", _render_image_as_link)
    parser.core.ruler.push("mentions", _link_mentions)
    return parser


def render_markdown(
    text: str | None, *, shift_headings: int = 0, mentions: dict[str, str] | None = None
) -> SafeString:
    """HTML for a Markdown text, safe to insert in a page.

    `shift_headings` demotes headings (1 turns `#` into `<h2>`) so that a text shown under
    the page's own headings keeps the document outline in order; h6 is the floor.
    `mentions` maps lowercased handles to profile URLs: those "@handle" become links.
    """
    if not text:
        return mark_safe("")
    parser = _parser()
    env: dict = {"mentions": mentions or {}}
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
        allowed_classes=ALLOWED_CLASSES,
        clean_content_tags={"script", "style"},
    )
    return mark_safe(cleaned)  # sanitised by nh3 just above
