"""The impact report as PDF, for sponsors, the town hall or the chamber of commerce. Pure:
anonymous figures in (already translated and formatted), bytes out.

A title page (the series, the period, how the figures are counted), then one A4 page per
year or for the period chosen: the key figures, attendance per evening, sectors, and a
schematic map of districts (proportional circles at district centres on a plain background:
no tiles, nothing fetched). Nothing here knows a person: no name, email, company or point.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from meetup.badges import text
from meetup.impact.districts import District

INK = HexColor("#111111")
SOFT = HexColor("#4E5B62")
BAR = HexColor("#0D47A1")
CIRCLE = HexColor("#0D47A1")
PAPER = HexColor("#EEF1F3")
RULE = HexColor("#B0BEC5")
MARGIN = 50.0
#: Rows shown in a list before the rest go into one line ("other districts: 12").
MAX_ROWS = 12


@dataclass(frozen=True)
class Words:
    key_figures: str = "Key figures"
    attendance: str = "Attendance per evening"
    sectors: str = "Sectors"
    districts: str = "Where offices are"
    map_note: str = "Circle area: people per district. Districts under 3 are not drawn."
    no_evening: str = "No evening in this period."
    no_map: str = "No district has enough people on the map to be drawn."
    kilometres: str = "{n} km"
    page: str = "Page {n} of {total}"


@dataclass(frozen=True)
class Page:
    heading: str
    #: (label, value) as they are printed.
    figures: Sequence[tuple[str, str]]
    #: (evening, people who came) for the bars; `came_text` as printed.
    evenings: Sequence[tuple[str, int, str]]
    #: (sector, count as printed).
    sectors: Sequence[tuple[str, str]]
    #: (district label, count as printed), and the districts to draw.
    district_rows: Sequence[tuple[str, str]]
    districts: Sequence[District] = ()


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    period: str
    generated: str
    #: Paragraphs of the title page: the definitions and the rule on small counts.
    notes: Sequence[str]
    pages: Sequence[Page]
    words: Words = field(default_factory=Words)
    #: Printed at the foot of every page.
    footer: str = ""


def _write(canvas: Canvas, x: float, y: float, line: str, size: float, bold=False, colour=INK):
    canvas.setFillColor(colour)
    text.draw(canvas, x, y, line, size, bold)


def _paragraph(canvas, x, y, paragraph, width, size, colour=INK) -> float:
    for line in text.wrap(paragraph, width, size):
        _write(canvas, x, y, line, size, colour=colour)
        y -= size * 1.35
    return y


def _fit(line: str, width: float, size: float, bold: bool = False) -> str:
    lines = text.wrap(line, width, size, bold)
    if len(lines) <= 1:
        return line
    first = lines[0]
    while first and text.unit_width(first + "…", bold) * size > width:
        first = first[:-1]
    return first.rstrip() + "…"


def _title_page(canvas: Canvas, report: Report) -> None:
    width = A4[0] - 2 * MARGIN
    y = A4[1] - 140
    for line in text.wrap(report.title, width, 24, True):
        _write(canvas, MARGIN, y, line, 24, True)
        y -= 30
    y -= 6
    _write(canvas, MARGIN, y, report.subtitle, 18, colour=BAR)
    y -= 28
    _write(canvas, MARGIN, y, report.period, 13)
    y -= 18
    _write(canvas, MARGIN, y, report.generated, 10, colour=SOFT)
    y -= 40
    canvas.setStrokeColor(RULE)
    canvas.line(MARGIN, y + 14, A4[0] - MARGIN, y + 14)
    for note in report.notes:
        y = _paragraph(canvas, MARGIN, y, note, width, 10) - 6


def _table(canvas, x, y, rows, width, size=9.5) -> float:
    for label, value in list(rows)[: MAX_ROWS + 1]:
        value_width = text.unit_width(value, True) * size
        lines = text.wrap(label, width - value_width - 8, size) or [""]
        _write(canvas, x + width - value_width, y, value, size, True)
        for line in lines[:2]:
            _write(canvas, x, y, line, size)
            y -= size * 1.3
        y -= size * 0.2
    return y


def _heading(canvas, x, y, title, width, size=12) -> float:
    """A section's title (wrapped in its column); the y below it."""
    for line in text.wrap(title, width, size, True):
        _write(canvas, x, y, line, size, True, BAR)
        y -= size * 1.25
    return y - 4


def _bars(canvas, x, y, rows, width, size=9.0) -> float:
    biggest = max((n for _label, n, _t in rows), default=0)
    label_width = width * 0.42
    room = width - label_width - 30
    for label, n, shown in rows:
        _write(canvas, x, y, _fit(label, label_width - 6, size), size)
        length = room * n / biggest if biggest else 0
        if length > 0:
            canvas.setFillColor(BAR)
            canvas.rect(x + label_width, y - 1, length, size * 0.9, stroke=0, fill=1)
        _write(canvas, x + label_width + length + 4, y, shown, size)
        y -= size * 1.5
    return y


def _radius(people: int, biggest: int, r_max: float) -> float:
    """Area proportional to the people, never too small for its number."""
    return max(9.0, r_max * math.sqrt(people / biggest))


def _separate(spots: list[list[float]], radii: list[float], box) -> None:
    """Push overlapping circles apart (a schematic map: a district may move a little so
    that every circle and its label can be read), keeping them inside the box."""
    left, bottom, right, top = box
    for _round in range(200):
        moved = False
        for i in range(len(spots)):
            for j in range(i + 1, len(spots)):
                dx = spots[j][0] - spots[i][0]
                dy = spots[j][1] - spots[i][1]
                distance = math.hypot(dx, dy)
                room = radii[i] + radii[j] + 12  # the labels under the circles
                if distance >= room:
                    continue
                if distance < 1e-6:
                    dx, dy, distance = 1.0, 0.0, 1.0
                push = (room - distance) / 2 + 0.1
                ux, uy = dx / distance, dy / distance
                spots[i][0] -= ux * push
                spots[i][1] -= uy * push
                spots[j][0] += ux * push
                spots[j][1] += uy * push
                moved = True
        for spot, r in zip(spots, radii, strict=True):
            spot[0] = min(max(spot[0], left + r), right - r)
            spot[1] = min(max(spot[1], bottom + r + 10), top - r)
        if not moved:
            break


def _map(canvas, x, y_top, size, districts: Sequence[District], words: Words) -> None:
    y = y_top - size
    canvas.setFillColor(PAPER)
    canvas.setStrokeColor(RULE)
    canvas.rect(x, y, size, size, stroke=1, fill=1)
    drawn = [d for d in districts if d.drawn]
    if not drawn:
        _paragraph(canvas, x + 10, y + size / 2, words.no_map, size - 20, 9, SOFT)
        return
    lats = [d.latitude for d in drawn]
    lons = [d.longitude for d in drawn]
    # The same scale on both axes (equirectangular at the middle latitude), in km.
    squeeze = math.cos(math.radians((max(lats) + min(lats)) / 2))
    km = 111.32
    span = max((max(lats) - min(lats)) * km, (max(lons) - min(lons)) * km * squeeze, 6.0)
    biggest = max(d.people for d in drawn)
    r_max = size * 0.1
    scale = (size - 4 * r_max) / span  # points per km
    mid_lat, mid_lon = (max(lats) + min(lats)) / 2, (max(lons) + min(lons)) / 2
    radii = [_radius(d.people, biggest, r_max) for d in drawn]
    spots = [
        [
            x + size / 2 + (d.longitude - mid_lon) * km * squeeze * scale,
            y + size / 2 + (d.latitude - mid_lat) * km * scale,
        ]
        for d in drawn
    ]
    _separate(spots, radii, (x + 4, y + 24, x + size - 4, y + size - 4))
    canvas.setStrokeColor(white)
    for d, (px, py), r in zip(drawn, spots, radii, strict=True):
        canvas.setFillColor(CIRCLE, alpha=0.85)
        canvas.circle(px, py, r, stroke=1, fill=1)
        number = str(d.people)
        canvas.setFillColor(white)
        width = text.unit_width(number, True) * 8
        text.draw(canvas, px - width / 2, py - 3, number, 8, True)
        name = d.label.split(" ")[0]
        width = text.unit_width(name) * 7
        _write(canvas, px - width / 2, py - r - 8, name, 7)
    # A scale bar: a round number of kilometres, about a quarter of the map.
    target = span / 4
    step = next((n for n in (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500) if n >= target), 1000)
    bar = step * scale
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(1.2)
    canvas.line(x + 10, y + 12, x + 10 + bar, y + 12)
    canvas.line(x + 10, y + 9, x + 10, y + 15)
    canvas.line(x + 10 + bar, y + 9, x + 10 + bar, y + 15)
    canvas.setLineWidth(1)
    _write(canvas, x + 14 + bar, y + 9, words.kilometres.format(n=f"{step:g}"), 7.5)


def _page(canvas: Canvas, page: Page, words: Words) -> None:
    left, top = MARGIN, A4[1] - MARGIN
    column = (A4[0] - 2 * MARGIN - 24) / 2
    right = left + column + 24
    _write(canvas, left, top - 18, page.heading, 20, True)
    y = top - 50
    after_figures = _table(
        canvas, left, _heading(canvas, left, y, words.key_figures, column), page.figures, column
    )
    below = _heading(canvas, right, y, words.attendance, column)
    if page.evenings:
        after_bars = _bars(canvas, right, below, list(page.evenings), column)
    else:
        after_bars = _paragraph(canvas, right, below, words.no_evening, column, 9.5, SOFT)
    y = min(after_figures, after_bars) - 16
    _table(canvas, left, _heading(canvas, left, y, words.sectors, column), page.sectors, column)
    below = _heading(canvas, right, y, words.districts, column) + 8
    _map(canvas, right, below, column, page.districts, words)
    below -= column + 12
    below = _paragraph(canvas, right, below, words.map_note, column, 7.5, SOFT) - 4
    _table(canvas, right, below - 4, list(page.district_rows), column, 8.5)


def render(report: Report) -> bytes:
    """The report, title page first."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{report.title} — {report.subtitle}")
    canvas.setCreator("meetup")
    canvas.setAuthor("")
    total = len(report.pages) + 1
    for n in range(total):
        if n == 0:
            _title_page(canvas, report)
        else:
            _page(canvas, report.pages[n - 1], report.words)
        footer = " · ".join(
            part for part in (report.footer, report.words.page.format(n=n + 1, total=total)) if part
        )
        _write(canvas, MARGIN, 28, footer, 8, colour=SOFT)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
