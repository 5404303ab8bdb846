"""Markdown typed by organisers, rendered to HTML that is safe to show to anyone."""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str | None) -> Markup:
    """CommonMark to HTML, then cleaned by nh3 (no raw HTML, no scripts, safe links only)."""
    if not text:
        return Markup("")
    return _render(text)


@lru_cache(maxsize=512)
def _render(text: str) -> Markup:
    """Pure and deterministic, so an event page shown a thousand times renders once."""
    # The page has its own h1: a "# Title" in a description becomes a section heading.
    html = _markdown.render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)  # noqa: S704 - cleaned by nh3 just above


def markdown_to_text(text: str | None) -> str:
    """The same Markdown as plain text, for a calendar file: no asterisks or brackets, links
    as "text (address)", paragraphs apart, list items on lines of their own."""
    if not text:
        return ""
    return _to_text(text)


@lru_cache(maxsize=512)
def _to_text(text: str) -> str:
    """Pure and deterministic, as _render: the event page asks it twice a view (its calendar
    links and its link preview), a fifth of the page's time."""
    parts: list[str] = []
    lists: list[list[int]] = []  # per open list: [numbered, number of the next item]
    for token in _markdown.parse(text):
        if token.type in {"bullet_list_open", "ordered_list_open"}:
            lists.append([token.type == "ordered_list_open", int(token.attrGet("start") or 1)])
        elif token.type in {"bullet_list_close", "ordered_list_close"}:
            lists.pop()
            parts.append("" if lists else "\n")
        elif token.type == "list_item_open":
            numbered, number = lists[-1]
            lists[-1][1] += 1
            parts.append("  " * (len(lists) - 1) + (f"{number}. " if numbered else "- "))
        elif token.type in {"paragraph_close", "heading_close"}:
            parts.append("\n" if lists else "\n\n")
        elif token.type in {"fence", "code_block"}:
            parts.append(token.content + "\n")
        elif token.type in {"th_open", "td_open"} and parts and not parts[-1].endswith("\n"):
            parts.append(" | ")  # cells of a row, one row a line
        elif token.type == "tr_close" or token.type == "table_close":
            parts.append("\n")
        elif token.type == "inline":
            parts.append(_inline_text(token.children or []))
    lines = [line.rstrip() for line in "".join(parts).strip().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _inline_text(children) -> str:
    text, links = [], []
    for child in children:
        if child.type in {"text", "code_inline", "image"}:  # an image: its description
            text.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            text.append("\n")
        elif child.type == "link_open":
            links.append(child.attrGet("href") or "")
        elif child.type == "link_close":
            href = links.pop()
            if href and href not in text[-1:]:
                text.append(f" ({href})")
    return "".join(text)
