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
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.image import image as image_rule
from markdown_it.rules_inline.link import link as link_rule
from markdown_it.token import Token

# The longest Markdown text a form accepts (posts, topics, resources, descriptions, bios,
# notes): about 8,000 words. Rendering stays linear in time (see `_bracket_matches`).
MAX_MARKDOWN_LENGTH = 20_000
# A "[" nested deeper than this inside other brackets is never the start of a link.
MAX_BRACKET_DEPTH = 32

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


def _bracket_matches(src: str) -> dict[int, bool]:
    """For each "[" of an inline text, whether markdown-it could find its "]".

    markdown-it-py looks for the "]" of every "[" by walking to the end of the paragraph:
    20,000 unclosed "[" take seconds (quadratic). One linear pass answers instead. Without
    backticks or "<" (no code span or autolink can hide a bracket) the answer is exact:
    brackets matched by depth, escaped ones skipped. Otherwise only a "[" with no "]"
    after it at all is known to fail. A "[" deeper than MAX_BRACKET_DEPTH never links, so
    each walk is bounded by its match and the total stays linear."""
    exact = "`" not in src and "<" not in src
    matches: dict[int, bool] = {}
    stack: list[tuple[int, bool]] = []
    last_close = src.rfind("]")
    position = 0
    length = len(src)
    while position < length:
        char = src[position]
        if char == "\\":
            position += 2
            continue
        if char == "[":
            too_deep = len(stack) >= MAX_BRACKET_DEPTH
            matches[position] = not too_deep and not exact and position < last_close
            stack.append((position, too_deep))
        elif char == "]" and stack:
            opener, too_deep = stack.pop()
            if not too_deep:
                matches[opener] = True
        position += 1
    return matches


def _may_match(state: StateInline, start: int) -> bool:
    matches = getattr(state, "_portal_brackets", None)
    if matches is None:
        matches = _bracket_matches(state.src)
        state._portal_brackets = matches
    return matches.get(start, True)


def _guarded_link(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] == "[" and not _may_match(state, state.pos):
        return False
    return link_rule(state, silent)


def _guarded_image(state: StateInline, silent: bool) -> bool:
    if state.src.startswith("![", state.pos) and not _may_match(state, state.pos + 1):
        return False
    return image_rule(state, silent)


def _place_headings(tokens: list[Token], top: int) -> None:
    headings = [token for token in tokens if token.type in ("heading_open", "heading_close")]
    if not headings:
        return
    shift = min(max(top, 1), 6) - min(int(token.tag[1]) for token in headings)
    for token in headings:
        token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.inline.ruler.at("link", _guarded_link)
    parser.inline.ruler.at("image", _guarded_image)
    parser.add_render_rule("image", _render_image_as_link)
    parser.core.ruler.push("mentions", _link_mentions)
    return parser


def render_markdown(
    text: str | None, *, heading_level: int | None = None, mentions: dict[str, str] | None = None
) -> SafeString:
    """HTML for a Markdown text, safe to insert in a page.

    `heading_level` is the level the page gives the text's headings: the text's highest
    heading becomes that level and the others keep their distance to it, so a text that
    starts at `##` or at `#` fits under the page's own headings without skipping a level;
    h6 is the floor. None leaves the levels as written.
    `mentions` maps lowercased handles to profile URLs: those "@handle" become links.
    """
    if not text:
        return mark_safe("")
    parser = _parser()
    env: dict = {"mentions": mentions or {}}
    tokens = parser.parse(text, env)
    if heading_level is not None:
        _place_headings(tokens, heading_level)
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
