"""Badge sheets, calibration pages and tickets as PDF. Pure: data in, bytes out.

The QR code is vector: the stored module matrix merged into rectangles (`QRMatrix.rectangles`)
and filled as one path per badge, in module units, so it stays sharp at any printer
resolution and costs a few hundred bytes. Text goes through `badges.text` (fallback fonts,
Arabic shaping) and is fitted into boxes that never overlap: every block gets its own box
inside the label's padding, and shrinks, wraps or ends with an ellipsis to stay in it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from reportlab import rl_config
from reportlab.lib.colors import HexColor, white
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from meetup.badges import text
from meetup.badges.layouts import A4, MM, Box, Layout
from meetup.registrations.qr import QUIET_ZONE, QRMatrix

#: Role band colours; the band always says the role in words too.
ROLE_COLOURS = {
    "speaker": HexColor("#6A1B9A"),
    "organiser": HexColor("#0D47A1"),
    "first_time": HexColor("#C43E00"),
    "regular": HexColor("#37474F"),
}
INK = HexColor("#111111")
SOFT = HexColor("#444444")
CAPTION = HexColor("#666666")
GUIDE = HexColor("#BBBBBB")
#: Room kept beside text, as a share of its size, for glyphs that reach past their advance.
OVERHANG = 0.06
#: Share of a landscape badge's height kept for the footer (office street, event).
FOOTER = 0.16
#: Grid, in points, on which badge QR codes are laid: 2 pixels at 150 dpi, 4 at 300 dpi.
QR_GRID = 0.96
#: One pixel at 150 dpi, two at 300 dpi.
_PIXEL = 0.48

# Compressed streams as raw bytes, not ASCII85 text: a quarter smaller and faster to write.
rl_config.useA85 = 0


@dataclass(frozen=True)
class Badge:
    first_name: str
    last_name: str = ""
    company: str = ""
    #: From "I can help with".
    ask_me_about: str = ""
    #: A key of ROLE_COLOURS, or "" for no band.
    role: str = ""
    #: Street or district of the office, only for people who agreed to show it.
    neighbourhood: str = ""
    #: Event name and date, already formatted in the reader's language.
    event_line: str = ""
    qr: QRMatrix | None = None
    #: The table the person was seated at (tables by neighbourhood), None if not.
    table: int | None = None


@dataclass(frozen=True)
class Logo:
    """The series' logo, as meetup.images keeps it: PNG (transparency kept) or JPEG bytes and
    their size in pixels. Drawn once into the PDF, shown on every badge."""

    data: bytes
    width: int
    height: int


#: A logo is left out of a badge where its room is smaller than this (points): 4 × 8 mm.
LOGO_MIN_HEIGHT = 4 * MM
LOGO_MIN_WIDTH = 8 * MM
#: Tallest a logo is drawn (points): 18 mm, on the largest badges.
LOGO_MAX_HEIGHT = 18 * MM


@dataclass(frozen=True)
class Words:
    """The few words printed on every badge, in the organiser's language."""

    ask_me_about: str = "Ask me about"
    office: str = "Office:"
    table: str = "Table"
    roles: dict[str, str] = field(
        default_factory=lambda: {
            "speaker": "Speaker",
            "organiser": "Organiser",
            "first_time": "First time",
            "regular": "Regular",
        }
    )


@dataclass
class Trace:
    """What was drawn where (points, PDF coordinates): the geometry tests read it. `faces`
    holds, for each box, the safe area (x, y, width, height) of the face it was drawn for."""

    boxes: list[tuple[str, float, float, float, float]] = field(default_factory=list)
    faces: list[tuple[float, float, float, float] | None] = field(default_factory=list)
    face: tuple[float, float, float, float] | None = None

    def add(self, kind: str, x: float, y: float, width: float, height: float) -> None:
        self.boxes.append((kind, x, y, width, height))
        self.faces.append(self.face)


@dataclass(frozen=True)
class _Rect:
    """Points, PDF coordinates (origin at the bottom left)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def top(self) -> float:
        return self.y + self.height


def _to_points(box: Box, page_height: float) -> _Rect:
    return _Rect(
        box.x * MM, (page_height - box.y - box.height) * MM, box.width * MM, box.height * MM
    )


# -- text blocks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    kind: str
    content: str
    #: Share of the region's height.
    weight: float
    #: Largest size, as a share of the badge's shorter side (names must not become posters).
    cap: float
    max_lines: int = 1
    bold: bool = False
    colour: object = INK
    min_size: float = 5.0
    #: Names shrink on one line before they wrap.
    shrink_first: bool = False


def _blocks(badge: Badge, words: Words) -> list[_Block]:
    blocks = [_Block("first_name", badge.first_name, 0.34, 0.26, 2, True, INK, 8.0, True)]
    if badge.last_name:
        blocks.append(_Block("last_name", badge.last_name, 0.14, 0.11, 2, True, INK, 6.0, True))
    if badge.company:
        blocks.append(_Block("company", badge.company, 0.13, 0.075, 2, False, SOFT, 5.5, True))
    if badge.ask_me_about:
        caption = words.ask_me_about.upper()
        blocks.append(_Block("ask_caption", caption, 0.06, 0.045, 1, True, CAPTION))
        blocks.append(_Block("ask_me_about", badge.ask_me_about, 0.18, 0.065, 3))
    return blocks


def _footer(badge: Badge, words: Words) -> list[_Block]:
    """Their table, where the person works and which evening: at the bottom."""
    blocks = []
    if badge.table:
        line = f"{words.table} {badge.table}"
        blocks.append(_Block("table", line, 1.0, 0.09, 1, True, INK))
    if badge.neighbourhood:
        line = f"{words.office} {badge.neighbourhood}"
        blocks.append(_Block("neighbourhood", line, 0.5, 0.055, 1, False, SOFT))
    if badge.event_line:
        blocks.append(_Block("event", badge.event_line, 0.5, 0.045, 1, False, CAPTION))
    return blocks


def _draw_blocks(
    canvas: Canvas,
    blocks: Sequence[_Block],
    region: _Rect,
    scale: float,
    trace: Trace | None,
    *,
    from_bottom: bool = False,
) -> None:
    """Stack blocks in the region, each in its share of the height and no larger than its
    cap; from the top, or (footers) packed against the bottom."""
    if not blocks or region.width <= 0 or region.height <= 0:
        return
    total = sum(block.weight for block in blocks)
    fitted_blocks = []
    for block in blocks:
        height = region.height * block.weight / total
        max_size = min(height / (text.ASCENT + text.DESCENT), scale * block.cap)
        # Some glyphs reach past their advance (the hook of a bold J): keep a sliver free.
        side = OVERHANG * max_size
        fitted = text.fit(
            block.content,
            region.width - 2 * side,
            height,
            max_size=max_size,
            min_size=block.min_size,
            max_lines=block.max_lines,
            bold=block.bold,
            shrink_first=block.shrink_first,
        )
        fitted_blocks.append((block, fitted, height, side))
    if from_bottom:
        used = sum(fitted.height + fitted.size * 0.25 for _, fitted, _, _ in fitted_blocks)
        top = region.y + min(used, region.height)
    else:
        top = region.top
    for block, fitted, height, side in fitted_blocks:
        _draw_lines(canvas, fitted, region.x + side, top, region.width - 2 * side, block, trace)
        top -= fitted.height + fitted.size * 0.25 if from_bottom else height


def _draw_lines(canvas, fitted, x, top, width, block, trace) -> None:
    canvas.setFillColor(block.colour)
    baseline = top - text.ASCENT * fitted.size
    for line in fitted.lines:
        line_width = text.unit_width(line, block.bold) * fitted.size
        left = x + width - line_width if text.starts_right_to_left(line) else x
        text.draw(canvas, left, baseline, line, fitted.size, block.bold)
        if trace is not None:
            trace.add(
                block.kind,
                left,
                baseline - text.DESCENT * fitted.size,
                line_width,
                (text.ASCENT + text.DESCENT) * fitted.size,
            )
        baseline -= text.LEADING * fitted.size


# -- the QR code ----------------------------------------------------------------------------


def _module_size(box_side: float, modules: int, padding: float) -> float:
    """Module size so that the code and its four-module quiet zone fit in `box_side`; the
    label's padding (blank) counts as quiet zone on the right and below."""
    module = box_side / (modules + QUIET_ZONE)
    if QUIET_ZONE * module > padding:
        module = (box_side + padding) / (modules + 2 * QUIET_ZONE)
    return module


def _centre_margin(module: float) -> float:
    """How much less than a whole number of pixels (at 150 dpi, hence also at 300) the
    3-module centre square of a finder pattern measures."""
    return (-3 * module) % _PIXEL


def _grid_module(module: float, modules: int) -> float:
    """The largest module size, at most `module`, that draws every finder pattern of a sheet
    on the same pixels at 150 and 300 dpi: finder patterns `modules - 7` modules apart, a
    whole number of grid steps, and a centre square a hair (about 1/11 pixel) short of
    whole pixels, so that no scan line crosses a partly inked border row.

    zbar 0.23.92 (Debian 12), reading a whole page, tries triples of finder patterns in
    order of their number of edge points, then top to bottom; a defect of its RANSAC (see
    tests/test_badges_pdf.py) damages the finder patterns of every triple it rejects, and a
    code whose finders took part in many rejected triples is skipped. A partly inked border
    row gives one scan line more or less depending on the ink around the code, which mixes
    the codes in that order: dozens of rejected triples a page. With every finder drawn
    alike, each code's three come one after the other and none is rejected."""
    span = modules - 7
    most = max(int(module * span / QR_GRID + 1e-9), 1)
    for steps in range(most, max(most * 3 // 4, 1) - 1, -1):
        candidate = steps * QR_GRID / span
        if 0.03 <= _centre_margin(candidate) <= 0.06:
            return candidate
    return most * QR_GRID / span


def _grid_position(position: float, module: float) -> float:
    """`position` (points from the page's left or top edge to the symbol's) moved back, by
    less than a grid step, to where every finder's centre square starts half its margin into
    a pixel and ends half its margin before a pixel's end."""
    phase = _PIXEL + _centre_margin(module) / 2 - 2 * module
    return math.floor((position - phase) / QR_GRID + 1e-9) * QR_GRID + phase


def _draw_qr(canvas: Canvas, matrix: QRMatrix, x: float, y: float, module: float) -> None:
    """The dark modules as one filled path; (x, y) is the symbol's bottom left corner."""
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(module, module)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.addLiteral(matrix.pdf_path)  # the same operators canvas.drawPath would write
    canvas.addLiteral("f*")
    canvas.restoreState()


# -- one face of a badge -------------------------------------------------------------------


#: A badge without a code (text-only sheets, the benchmark's baseline) keeps its room.
_VERSION_3 = 29


def _qr_modules(badge: Badge) -> int:
    return badge.qr.size if badge.qr is not None else _VERSION_3


def draw_badge(
    canvas: Canvas,
    badge: Badge,
    face: _Rect,
    padding: float,
    words: Words,
    page_height: float,
    trace: Trace | None = None,
    logo: _LogoImage | None = None,
) -> None:
    """Draw a badge inside `face` (points); nothing comes closer than `padding` to its edge.
    `page_height` (points) places the QR code on the pixel grid, counted from the top.
    `logo` goes where no text and no code is: above the code on a landscape badge, beside
    it (above the footer) on a portrait one; left out where that room is too small."""
    inner = _Rect(
        face.x + padding, face.y + padding, face.width - 2 * padding, face.height - 2 * padding
    )
    landscape = inner.width >= inner.height * 1.15
    band = min(max(inner.height * (0.13 if landscape else 0.075), 12.0), 30.0)
    gap = max(inner.height * 0.035, 3.0)
    if badge.role:
        _draw_band(canvas, badge, words, _Rect(inner.x, inner.top - band, inner.width, band), trace)
    # Below the band's place even without a band: every QR code of a sheet has the same size
    # and place (zbar, reading a whole page at once, copes best with a regular grid).
    below = inner.height - band - gap
    qr_side = min(below, inner.width * 0.36) if landscape else min(inner.width * 0.4, below * 0.42)
    modules = _qr_modules(badge)
    # Every finder pattern alike on the pixels of 150 and 300 dpi rasters (see _grid_module).
    module = _grid_module(_module_size(qr_side, modules, padding), modules)
    symbol = module * modules
    quiet = QUIET_ZONE * module
    # Bottom right, on the grid of _grid_module (moved inwards by under 0.34 mm). Off the
    # grid, zbar reading whole pages of ten lost 3 to 8 codes in 1,000 wherever the code sat
    # on the badge; on it, none in 11,000 at 150 dpi and 7,000 at 300 dpi. The grid is tuned
    # to poppler's anti-aliased rasteriser at 150 and 300 dpi (whole printer dots at 600 and
    # 1,200 dpi too); other rasterisers and resolutions were not measured.
    qr_x = _grid_position(inner.x + inner.width - symbol - max(0.0, quiet - padding), module)
    qr_top = _grid_position(page_height - inner.y - max(0.0, quiet - padding) - symbol, module)
    qr_y = page_height - qr_top - symbol
    if badge.qr is not None:
        _draw_qr(canvas, badge.qr, qr_x, qr_y, module)
    if trace is not None:
        trace.add("qr", qr_x, qr_y, symbol, symbol)
        trace.add("qr_quiet", qr_x - quiet, qr_y - quiet, symbol + 2 * quiet, symbol + 2 * quiet)
    quiet_left = qr_x - quiet
    quiet_top = qr_y + symbol + quiet
    scale = min(inner.width, inner.height)
    blocks, footer = _blocks(badge, words), _footer(badge, words)
    column_width = quiet_left - inner.x
    if landscape:
        footer_height = inner.height * FOOTER if footer else 0.0
        column = _Rect(inner.x, inner.y + footer_height, column_width, below - footer_height)
        bottom = _Rect(inner.x, inner.y, column_width, footer_height)
        # Above the code's quiet zone, under the band's place: the text keeps its column.
        left = max(quiet_left, inner.x)
        logo_room = _Rect(
            left, quiet_top, inner.x + inner.width - left, inner.y + below - quiet_top
        )
    else:
        column = _Rect(inner.x, quiet_top, inner.width, inner.y + below - quiet_top)
        bottom = _Rect(inner.x, inner.y, column_width, (quiet_top - inner.y) * 0.5)
        # Left of the code, above the footer's half: the text keeps its place.
        logo_room = _Rect(inner.x, bottom.top, column_width, quiet_top - bottom.top)
    _draw_blocks(canvas, blocks, column, scale, trace)
    _draw_blocks(canvas, footer, bottom, scale, trace, from_bottom=True)
    if logo is not None:
        _draw_logo(canvas, logo, logo_room, centred=landscape, trace=trace)


class _LogoImage:
    """A Logo read once for the whole document (reportlab then embeds it once)."""

    def __init__(self, logo: Logo) -> None:
        self.reader = ImageReader(io.BytesIO(logo.data))
        self.ratio = logo.width / logo.height


def _draw_logo(canvas: Canvas, logo: _LogoImage, room: _Rect, *, centred: bool, trace) -> None:
    """The logo as large as fits `room` less a margin (at most LOGO_MAX_HEIGHT high): at its
    top, centred (above the code), or at its left, centred vertically (beside the code)."""
    margin = min(room.width, room.height) * 0.08
    width, height = room.width - 2 * margin, min(room.height - 2 * margin, LOGO_MAX_HEIGHT)
    if width < LOGO_MIN_WIDTH or height < LOGO_MIN_HEIGHT:
        return
    if width / height > logo.ratio:
        width = height * logo.ratio
    else:
        height = width / logo.ratio
    if height < LOGO_MIN_HEIGHT:
        return  # a wide logo in a narrow room: unreadable
    if centred:
        x, y = room.x + (room.width - width) / 2, room.top - margin - height
    else:
        x, y = room.x + margin, room.y + (room.height - height) / 2
    canvas.drawImage(logo.reader, x, y, width, height, mask="auto")
    if trace is not None:
        trace.add("logo", x, y, width, height)


def _draw_band(canvas: Canvas, badge: Badge, words: Words, band: _Rect, trace) -> None:
    canvas.setFillColor(ROLE_COLOURS.get(badge.role, ROLE_COLOURS["regular"]))
    canvas.roundRect(band.x, band.y, band.width, band.height, min(band.height * 0.2, 4), 0, 1)
    label = words.roles.get(badge.role, badge.role).upper()
    inset = band.height * 0.35
    fitted = text.fit(
        label,
        band.width - 2 * inset,
        band.height * 0.8,
        max_size=band.height * 0.55,
        min_size=5,
        bold=True,
    )
    if fitted.lines:
        # Centre the capitals vertically in the band.
        baseline = band.y + (band.height - 0.72 * fitted.size) / 2
        top = baseline + text.ASCENT * fitted.size
        _draw_lines(
            canvas,
            fitted,
            band.x + inset,
            top,
            band.width - 2 * inset,
            _Block("role", label, 1, 1, bold=True, colour=white),
            None,
        )
    if trace is not None:
        trace.add("band", band.x, band.y, band.width, band.height)


# -- documents ------------------------------------------------------------------------------


def _canvas(buffer: io.BytesIO, layout: Layout, title: str) -> Canvas:
    canvas = Canvas(
        buffer,
        pagesize=(layout.page_width * MM, layout.page_height * MM),
        pageCompression=1,
        invariant=1,
        initialFontName=text.primary_font(),
    )
    canvas.setTitle(title)
    canvas.setCreator("meetup")
    return canvas


def render_badges(
    badges: Iterable[Badge],
    layout: Layout,
    words: Words | None = None,
    *,
    title: str = "Badges",
    trace: Trace | None = None,
    logo: Logo | None = None,
) -> bytes:
    """A PDF of badges filling the layout's labels in order, page after page; the series'
    `logo` on each, where it has room."""
    words = words or Words()
    logo_image = _LogoImage(logo) if logo is not None else None
    buffer = io.BytesIO()
    canvas = _canvas(buffer, layout, title)
    slots = layout.badge_faces()
    padding = layout.padding * MM
    used = 0
    for badge in badges:
        if used == len(slots):
            canvas.showPage()
            used = 0
        if used == 0 and layout.faces == 2:
            _draw_fold_guides(canvas, layout)
        for face in slots[used]:
            if trace is not None:
                safe = face.inset(layout.padding)
                top = layout.page_height - safe.y - safe.height
                trace.face = (safe.x * MM, top * MM, safe.width * MM, safe.height * MM)
            draw_badge(
                canvas,
                badge,
                _to_points(face, layout.page_height),
                padding,
                words,
                layout.page_height * MM,
                trace,
                logo_image,
            )
        used += 1
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_fold_guides(canvas: Canvas, layout: Layout) -> None:
    """Light dashes where a fold-over badge is folded, outside every face's padding."""
    canvas.saveState()
    canvas.setStrokeColor(GUIDE)
    canvas.setLineWidth(0.5)
    canvas.setDash(4, 4)
    width, height = layout.page_width * MM, layout.page_height * MM
    middle_y = (layout.page_height - layout.top) * MM
    canvas.line(0, middle_y, width, middle_y)
    canvas.line(width / 2, 0, width / 2, height)
    canvas.restoreState()


def render_calibration(layout: Layout, words: CalibrationWords | None = None) -> bytes:
    """Label outlines, their safe area and a 100 mm bar: printed on plain paper and held
    against a label sheet, it shows whether the printer shifts or scales."""
    words = words or CalibrationWords()
    buffer = io.BytesIO()
    canvas = _canvas(buffer, layout, words.title)
    height = layout.page_height
    for number, label in enumerate(layout.labels, start=1):
        outer = _to_points(label, height)
        inner = _to_points(label.inset(layout.padding), height)
        canvas.setLineWidth(0.6)
        canvas.setStrokeColorRGB(0, 0, 0)
        radius = layout.corner_radius * MM
        canvas.roundRect(outer.x, outer.y, outer.width, outer.height, radius, 1, 0)
        canvas.saveState()
        canvas.setDash(2, 2)
        canvas.setStrokeColor(GUIDE)
        canvas.rect(inner.x, inner.y, inner.width, inner.height, 1, 0)
        canvas.restoreState()
        canvas.setFillColor(SOFT)
        label_text = str(number)
        size = min(inner.height * 0.3, 28)
        text.draw(
            canvas,
            inner.x + (inner.width - text.unit_width(label_text, True) * size) / 2,
            inner.y + (inner.height - size * 0.7) / 2,
            label_text,
            size,
            True,
        )
    _draw_scale_bar(canvas, layout, words)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@dataclass(frozen=True)
class CalibrationWords:
    title: str = "Calibration page"
    scale: str = "This bar must measure 100 mm. Print at 100 % (no “fit to page”)."


def _draw_scale_bar(canvas: Canvas, layout: Layout, words: CalibrationWords) -> None:
    """A 100 mm bar (or as long as the page allows) and its caption, in the largest gap."""
    length = min(100.0, layout.page_width - 20)
    labels = layout.labels
    bottom_gap = layout.page_height - max(b.y + b.height for b in labels)
    top_gap = min(b.y for b in labels)
    if max(bottom_gap, top_gap) >= 8:
        y_mm = (layout.page_height - bottom_gap / 2) if bottom_gap >= top_gap else top_gap / 2
    else:  # labels cover the page: draw across the middle
        y_mm = layout.page_height / 2
    x = (layout.page_width - length) / 2 * MM
    y = (layout.page_height - y_mm) * MM
    canvas.setLineWidth(1)
    canvas.setStrokeColorRGB(0, 0, 0)
    canvas.line(x, y, x + length * MM, y)
    for tick in range(0, int(length) + 1, 10):
        canvas.line(x + tick * MM, y - 3, x + tick * MM, y + 3)
    caption = words.scale if length == 100 else f"{length:.0f} mm"
    canvas.setFillColor(SOFT)
    text.draw(canvas, x, y + 5, caption, 7)


@dataclass(frozen=True)
class Ticket:
    """A one-page ticket from the personal link: what the door needs, and the way there."""

    event_title: str
    when: str
    where: str
    name: str
    qr: QRMatrix
    hint: str = "Show this code at the door, on paper or on your phone."


def render_ticket(ticket: Ticket, trace: Trace | None = None) -> bytes:
    """An A4 page: evening, date, place, name and a large QR code in the upper half."""

    width, height = A4[0] * MM, A4[1] * MM
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(width, height),
        pageCompression=1,
        invariant=1,
        initialFontName=text.primary_font(),
    )
    canvas.setTitle(ticket.event_title)
    canvas.setCreator("meetup")
    margin = 20 * MM
    column = _Rect(margin, height / 2, width - 2 * margin, height / 2 - margin)
    canvas.setFillColor(INK)
    top = column.top
    for content, weight, bold, colour in (
        (ticket.event_title, 16.0, True, INK),
        (ticket.when, 12.0, False, SOFT),
        (ticket.where, 12.0, False, SOFT),
        (ticket.name, 20.0, True, INK),
    ):
        fitted = text.fit(
            content, column.width, weight * 2.6, max_size=weight, min_size=7, max_lines=2, bold=bold
        )
        block = _Block("ticket", content, 1, 1, bold=bold, colour=colour)
        _draw_lines(canvas, fitted, column.x, top, column.width, block, trace)
        top -= fitted.height + weight * 0.8
    side = 60 * MM
    module = side / ticket.qr.size
    _draw_qr(canvas, ticket.qr, (width - side) / 2, top - 10 * MM - side, module)
    hint = text.fit(ticket.hint, column.width, 24, max_size=10, min_size=7, max_lines=2)
    _draw_lines(
        canvas,
        hint,
        column.x,
        top - 20 * MM - side,
        column.width,
        _Block("hint", ticket.hint, 1, 1, colour=CAPTION),
        trace,
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
