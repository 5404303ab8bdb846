"""Text on badges: font fallback per character, right-to-left shaping, measuring, fitting.

ReportLab draws a string in one font and knows nothing of Arabic joining or right-to-left
order. So a line is shaped first (arabic-reshaper picks the joined letter forms, python-bidi
puts the line in visual order), then cut into runs, each drawn with the first font of the
chain that has its characters (fonts/README.md). Widths scale with the size, so a text is
measured once at size 1 and fitted by arithmetic. Pure: no Flask.
"""

from __future__ import annotations

import math
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).with_name("fonts")

#: (name, file) from the first font tried to the last.
CHAINS: dict[bool, tuple[tuple[str, str], ...]] = {
    False: (
        ("NotoSans", "NotoSans-Regular.ttf"),
        ("NotoSansArabic", "NotoSansArabic-Regular.ttf"),
        ("NotoSansHebrew", "NotoSansHebrew-Regular.ttf"),
        ("DroidSansFallback", "DroidSansFallbackFull.ttf"),
        ("NanumSquare", "NanumSquareR.ttf"),
    ),
    True: (
        ("NotoSans-Bold", "NotoSans-Bold.ttf"),
        ("NotoSansArabic-Bold", "NotoSansArabic-Bold.ttf"),
        ("NotoSansHebrew-Bold", "NotoSansHebrew-Bold.ttf"),
        ("DroidSansFallback", "DroidSansFallbackFull.ttf"),
        ("NanumSquare-Bold", "NanumSquareB.ttf"),
    ),
}

#: Line box in multiples of the size: room above and below the baseline (accents, descenders).
ASCENT = 0.95
DESCENT = 0.3
LEADING = ASCENT + DESCENT  # lines never overlap
ELLIPSIS = "…"

_lock = threading.Lock()
_loaded: dict[str, TTFont] = {}


def _font(name: str, filename: str) -> TTFont:
    """Load a font the first time it is needed (the CJK fallback weighs 4 MB). Not through
    pdfmetrics.getFont: for a name not registered yet it parses every AFM file reportlab
    ships (100 of them) before giving up, a few tenths of a second per process."""
    font = _loaded.get(name)
    if font is not None:
        return font
    with _lock:
        if name not in _loaded:
            font = TTFont(name, str(FONT_DIR / filename))
            pdfmetrics.registerFont(font)
            _loaded[name] = font
        return _loaded[name]


def primary_font(bold: bool = False) -> str:
    name, filename = CHAINS[bold][0]
    _font(name, filename)
    return name


@lru_cache(maxsize=8192)
def font_for(char: str, bold: bool) -> str | None:
    """The first font of the chain that has `char`, None when none does (emoji...)."""
    code = ord(char)
    for name, filename in CHAINS[bold]:
        if code in _font(name, filename).face.charToGlyph:
            return name
    return None


def missing_letters(text: str) -> str:
    """The letters and digits of `text` no shipped font can draw (Thai, Devanagari...): they
    would be left off a badge. Symbols and emoji, left off on purpose, do not count."""
    return "".join(
        dict.fromkeys(
            char
            for char in text
            if unicodedata.category(char)[0] in "LN" and font_for(char, False) is None
        )
    )


def _is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def starts_right_to_left(text: str) -> bool:
    """The line's direction: that of its first strong character (Unicode bidi rule P2)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


@lru_cache(maxsize=4096)
def visual(text: str) -> str:
    """A line as it must be drawn left to right: Arabic letters joined, right-to-left runs
    reversed. Left-to-right text comes back unchanged."""
    if not _is_rtl(text):
        return text
    return get_display(arabic_reshaper.reshape(text))


@lru_cache(maxsize=16384)
def runs(text: str, bold: bool = False) -> tuple[tuple[str, str], ...]:
    """(font, characters) pieces of a visual line; characters no font has are left out."""
    pieces: list[tuple[str, str]] = []
    current, chars = None, []
    primary = primary_font(bold)
    for char in text:
        font = primary if char == " " else font_for(char, bold)
        if font is None:
            continue
        if font != current and chars:
            pieces.append((current, "".join(chars)))
            chars = []
        current = font
        chars.append(char)
    if chars:
        pieces.append((current, "".join(chars)))
    return tuple(pieces)


@lru_cache(maxsize=16384)
def unit_width(text: str, bold: bool = False) -> float:
    """Width of a line at size 1 (points), after shaping."""
    return sum(pdfmetrics.stringWidth(chars, font, 1) for font, chars in runs(visual(text), bold))


def draw(canvas, x: float, y: float, text: str, size: float, bold: bool = False) -> None:
    """Draw a logical line with its left end at x and its baseline at y."""
    cursor = x
    for font, chars in runs(visual(text), bold):
        canvas.setFont(font, size)
        canvas.drawString(cursor, y, chars)
        cursor += pdfmetrics.stringWidth(chars, font, size)


# -- fitting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fitted:
    lines: tuple[str, ...]
    size: float

    @property
    def height(self) -> float:
        if not self.lines:
            return 0.0
        return self.size * (ASCENT + DESCENT + LEADING * (len(self.lines) - 1))


def _breakable(char: str) -> bool:
    """Scripts written without spaces may break between any two characters."""
    return unicodedata.east_asian_width(char) in ("W", "F")


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, ...]:
    """Words with their trailing space, hyphenated words after each hyphen (Jean-|Christophe),
    CJK characters one by one. Cached: fitting wraps the same text at every size it tries."""
    tokens: list[str] = []
    word = ""
    wide = max(text, default="") >= "\u1100"  # no wide nor fullwidth character before U+1100
    for char in text:
        if char == " ":
            tokens.append(word + " ")
            word = ""
        elif char in "-‐" and word:
            tokens.append(word + char)
            word = ""
        elif wide and _breakable(char):
            if word:
                tokens.append(word)
            tokens.append(char)
            word = ""
        else:
            word += char
    if word:
        tokens.append(word)
    return tuple(token for token in tokens if token.strip())


def _split_long(word: str, limit: float, bold: bool) -> list[str]:
    """A word wider than a line, cut where it must be (long German compounds, URLs)."""
    pieces, piece = [], ""
    for char in word:
        if piece and unit_width(piece + char, bold) > limit:
            pieces.append(piece)
            piece = char
        else:
            piece += char
    return pieces + ([piece] if piece else [])


def wrap(text: str, max_width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy line breaking at `size`; no line wider than max_width."""
    limit = max_width / size
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        candidate = line + token
        if unit_width(candidate.rstrip(), bold) <= limit:
            line = candidate
            continue
        if line:
            lines.append(line.rstrip())
        if unit_width(token.rstrip(), bold) <= limit:
            line = token
        else:
            *full, line = _split_long(token.rstrip(), limit, bold)
            lines.extend(full)
            line += " " if token.endswith(" ") else ""
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _ellipsize(line: str, limit: float, bold: bool) -> str:
    while line and unit_width(line + ELLIPSIS, bold) > limit:
        line = line[:-1].rstrip()
    return line + ELLIPSIS if line else ""


def fit(
    text: str,
    max_width: float,
    max_height: float,
    *,
    max_size: float,
    min_size: float,
    max_lines: int = 1,
    bold: bool = False,
    shrink_first: bool = False,
) -> Fitted:
    """The largest size (down to min_size) at which `text` fits the box in at most
    `max_lines` lines; below that, the last line that fits ends with an ellipsis. The result
    never exceeds the box. With `shrink_first` (names), one line down to 60 % of the size is
    preferred to two lines."""
    text = " ".join(text.split())
    if not text or max_width <= 0:
        return Fitted((), max_size)
    if shrink_first and max_lines > 1:
        one_line = fit(
            text,
            max_width,
            max_height,
            max_size=max_size,
            min_size=max(min_size, max_size * 0.6),
            bold=bold,
        )
        if one_line.lines and not one_line.lines[0].endswith(ELLIPSIS):
            return one_line
    size = max_size
    while True:
        room = math.floor((max_height / size - ASCENT - DESCENT) / LEADING) + 1
        allowed = min(max_lines, room)
        if allowed >= 1:
            lines = wrap(text, max_width, size, bold)
            narrow_enough = all(unit_width(line, bold) * size <= max_width for line in lines)
            if len(lines) <= allowed and narrow_enough:
                return Fitted(tuple(lines), size)
        if size <= min_size:
            break
        size = max(min_size, size * 0.92)
    if allowed < 1:  # not even one line of the smallest size: the box is too small
        return Fitted((), size)
    limit = max_width / size
    lines = wrap(text, max_width, size, bold)
    kept = lines[:allowed]
    if len(lines) > allowed:
        kept[-1] = _ellipsize(kept[-1], limit, bold)
    kept = [
        line if unit_width(line, bold) <= limit else _ellipsize(line, limit, bold) for line in kept
    ]
    return Fitted(tuple(line for line in kept if line), size)
