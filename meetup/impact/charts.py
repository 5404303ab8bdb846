"""Bar charts as inline SVG, drawn on the server: no script (our CSP forbids inline ones), no
chart library. Pure: labels and numbers in (already translated and formatted), markup out.

One row per item, its label on a line above its bar, so that the chart reads the same on a
phone (the SVG scales to the width) as on a desk. Segments of a stacked bar, or bars of a
group, each have a colour with at least 4.5:1 contrast on white, and a legend in words. The
SVG is hidden from screen readers: the figure's table says the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Dark enough on white for text and shapes (WCAG AA), and told apart from each other.
COLOURS = ("#0D47A1", "#B33C00", "#4E5B62", "#1B5E20")
WIDTH = 320
LABEL = 16  # a label line
BAR = 14  # a bar's thickness
GAP = 8  # between rows
VALUE_ROOM = 64  # right of the longest bar, for its number
LEGEND = 22


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[float, ...]
    #: The number(s) written after the bar, formatted for the reader.
    text: str


def _legend(names: Sequence[str]) -> tuple[list[str], float]:
    parts, x, y = [], 0.0, 12.0
    for n, name in enumerate(names):
        width = 18 + 6.5 * len(name)
        if x and x + width > WIDTH:
            x, y = 0.0, y + 16
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="10" height="10" '
            f'fill="{COLOURS[n % len(COLOURS)]}"/>'
            f'<text x="{x + 14:.1f}" y="{y:.1f}">{escape(name)}</text>'
        )
        x += width + 8
    return parts, y + 10


def bars(rows: Sequence[Row], names: Sequence[str] = (), *, grouped: bool = False) -> Markup:
    """Horizontal bars, one row per item: stacked segments (values add up), or with
    `grouped` one thinner bar per value. `names` name the values (a legend if more than one)."""
    parts, top = ([], 0.0)
    if len(names) > 1:
        parts, top = _legend(names)
        top += 6
    count = max((len(row.values) for row in rows), default=1)
    if grouped:
        biggest = max((v for row in rows for v in row.values), default=0)
        thickness = max(6.0, BAR * 1.5 / count)
    else:
        biggest = max((sum(row.values) for row in rows), default=0)
        thickness = BAR
    scale = (WIDTH - VALUE_ROOM) / biggest if biggest > 0 else 0
    y = top
    for row in rows:
        y += LABEL - 4
        parts.append(f'<text x="0" y="{y:.1f}">{escape(row.label)}</text>')
        y += 4
        block = thickness * count if grouped else BAR
        x = 0.0
        for n, value in enumerate(row.values):
            length = value * scale
            colour = COLOURS[n % len(COLOURS)]
            if length <= 0:
                continue
            if grouped:
                parts.append(
                    f'<rect x="0" y="{y + n * thickness:.1f}" width="{length:.1f}" '
                    f'height="{thickness - 1:.1f}" fill="{colour}"/>'
                )
                x = max(x, length)
            else:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{length:.1f}" height="{BAR}" '
                    f'fill="{colour}"/>'
                )
                x += length
        parts.append(f'<text x="{x + 4:.1f}" y="{y + block / 2 + 4:.1f}">{escape(row.text)}</text>')
        y += block + GAP
    height = max(y, top + 10)
    # Every text in `parts` went through escape(); the rest are numbers and constants.
    return Markup(  # noqa: S704
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'aria-hidden="true" focusable="false" font-size="11" '
        f'font-family="system-ui, sans-serif" fill="#111">{"".join(parts)}</svg>'
    )
