"""Badge PDFs without the app: layouts against the makers' figures, text that never leaves its
box, fonts for every script, and QR codes that zbar reads from rasterised pages."""

from __future__ import annotations

import dataclasses
import itertools
import re
import subprocess
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from meetup.badges import text
from meetup.badges.layouts import INCH, LAYOUTS, MM, Box
from meetup.badges.pdf import (
    Badge,
    Logo,
    Ticket,
    Trace,
    render_badges,
    render_calibration,
    render_ticket,
)
from meetup.registrations.qr import QRMatrix, encode
from meetup.registrations.tokens import new_ticket_code
from tests.scanning import (
    decode,
    decode_pdf,
    decode_regions,
    label_regions,
    rasterise,
    require_tools,
)

BASE = "HTTPS://MEETUP.EXAMPLE.ORG/B/"
EVENT = "Café des entreprenants · jeudi 12 mars 2026"

#: Hard cases: long names and companies, hyphens, several scripts, empty fields, emoji.
PEOPLE = [
    ("Marie", "Dupont", "Boulangerie Dupont", "Pain au levain", "first_time", "rue Victor Hugo"),
    (
        "Jean-Christophe-Alexandre",
        "de La Rochefoucauld-Montmorency-Laval",
        "Société Anonyme des Établissements Industriels du Dauphiné et de la Vallée du Rhône",
        "Financement participatif, levée de fonds, export vers l’Asie du Sud-Est, et plus encore",
        "speaker",
        "avenue du Général de Gaulle et de la Libération",
    ),
    ("محمد", "العلي", "شركة التقنية الحديثة", "التسويق الرقمي", "regular", "شارع الجمهورية"),
    ("Анна", "Кузнецова", "ООО Ромашка", "Бухгалтерия и налоги", "organiser", ""),
    ("美咲", "田中", "株式会社サンプル", "デザインとブランディング", "first_time", "本町通り"),
    ("지민", "김", "삼성전자", "마케팅", "regular", ""),
    ("Zoé", "", "", "", "", ""),
    ("Wolfgang", "Donaudampfschifffahrtsgesellschaftskapitänswitwe", "", "", "regular", ""),
    ("Ana 🚀", "O’Neil", "Café ☕ & Co", "Tout 🙂", "first_time", "place Saint-Maurice"),
]


def _badges(count: int, people=PEOPLE) -> tuple[list[Badge], list[str]]:
    badges, texts = [], []
    for person, _ in zip(itertools.cycle(people), range(count), strict=False):
        content = BASE + new_ticket_code()
        texts.append(content)
        badges.append(Badge(*person, event_line=EVENT, qr=encode(content)))
    return badges, texts


# -- layouts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=lambda layout: layout.name)
def test_labels_sit_on_the_page_without_overlapping(layout):
    page = Box(0, 0, layout.page_width, layout.page_height)
    labels = layout.labels
    assert len(labels) == layout.columns * layout.rows
    assert all(page.contains(label) for label in labels)
    for a, b in itertools.combinations(labels, 2):
        assert not a.overlaps(b)
    assert layout.gap_x >= 0 and layout.gap_y >= 0
    assert layout.badges_per_page * layout.faces == len(labels)
    assert layout.padding >= 3


def test_layouts_match_the_makers_published_figures():
    l4785 = LAYOUTS["a4-2x5"]  # Avery L4785: 80 × 50 mm, 10 per A4, 17.5 / 13.5 mm margins
    assert (l4785.page_width, l4785.page_height) == (210, 297)
    assert (l4785.label_width, l4785.label_height, l4785.columns, l4785.rows) == (80, 50, 2, 5)
    assert (l4785.left, l4785.top, l4785.pitch_x, l4785.pitch_y) == (17.5, 13.5, 95, 55)

    a5395 = LAYOUTS["avery-5395"]  # Avery 5395: 3⅜ × 2⅓ in, 8 per Letter
    assert (a5395.page_width, a5395.page_height) == pytest.approx((8.5 * INCH, 11 * INCH))
    assert (a5395.label_width, a5395.label_height) == pytest.approx((3.375 * INCH, 7 / 3 * INCH))
    assert (a5395.columns, a5395.rows) == (2, 4)
    assert a5395.left == pytest.approx(0.6875 * INCH)
    assert a5395.top == pytest.approx(7 / 12 * INCH)
    assert (a5395.pitch_x, a5395.pitch_y) == pytest.approx((3.75 * INCH, 2.5 * INCH))

    a6 = LAYOUTS["a6-4up"]  # ISO 216: four A6 make an A4
    assert [(b.x, b.y, b.width, b.height) for b in a6.labels] == [
        (0, 0, 105, 148.5),
        (105, 0, 105, 148.5),
        (0, 148.5, 105, 148.5),
        (105, 148.5, 105, 148.5),
    ]
    assert (LAYOUTS["brother-62x100"].label_width, LAYOUTS["brother-62x100"].label_height) == (
        100,
        62,
    )
    assert (LAYOUTS["dymo-99014"].label_width, LAYOUTS["dymo-99014"].label_height) == (101, 54)
    single = LAYOUTS["single-a6"]
    assert (single.page_width, single.page_height) == (single.label_width, single.label_height)


def test_fold_over_badge_has_an_upright_front_and_back_on_the_lower_half():
    layout = LAYOUTS["a4-foldover"]
    (front, back), *rest = layout.badge_faces()
    assert not rest and layout.faces == 2
    assert (front.x, front.y) == (105, 148.5) and (back.x, back.y) == (0, 148.5)
    assert front.width == back.width == 105 and front.height == back.height == 148.5


# -- geometry: nothing leaves its label ---------------------------------------------------------


def _inner_faces(layout) -> list[tuple[float, float, float, float]]:
    """Each label's safe area in PDF points (origin bottom left)."""
    return label_regions(layout, layout.padding)


def _inside(box, area, tolerance=0.01) -> bool:
    x, y, w, h = box
    ax, ay, aw, ah = area
    return (
        x >= ax - tolerance
        and y >= ay - tolerance
        and x + w <= ax + aw + tolerance
        and y + h <= ay + ah + tolerance
    )


def _overlap(a, b, tolerance=0.01) -> bool:
    """Boxes that share more than a touching edge."""
    return not (
        a[0] + a[2] <= b[0] + tolerance
        or b[0] + b[2] <= a[0] + tolerance
        or a[1] + a[3] <= b[1] + tolerance
        or b[1] + b[3] <= a[1] + tolerance
    )


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=lambda layout: layout.name)
def test_every_element_stays_in_its_label_margin_and_nothing_overlaps(layout):
    """Per badge: every text line, the band and the QR code inside the label's safe area; text
    lines clear of each other and of the QR code's quiet zone."""
    areas = _inner_faces(layout)
    for person in PEOPLE:
        trace = Trace()
        badge, _ = _badges(1, [person])
        render_badges(badge * layout.badges_per_page, layout, trace=trace)
        boxes = [(kind, (x, y, w, h)) for kind, x, y, w, h in trace.boxes]
        assert boxes and len(trace.faces) == len(boxes)
        for (kind, box), own in zip(boxes, trace.faces, strict=True):
            if kind == "qr_quiet":
                continue  # the quiet zone may lie in the blank padding
            assert own in areas
            assert _inside(box, own), (person[0], kind, box)  # its own label, not a neighbour's
        lines = [box for kind, box in boxes if kind not in ("qr", "qr_quiet", "band")]
        quiet = [box for kind, box in boxes if kind == "qr_quiet"]
        bands = [box for kind, box in boxes if kind == "band"]
        for line in lines:
            assert not any(_overlap(line, zone) for zone in quiet), (person[0], line)
            assert not any(_overlap(line, band) for band in bands), (person[0], line)
        for a, b in itertools.combinations(lines, 2):
            assert not _overlap(a, b), (person[0], a, b)


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=lambda layout: layout.name)
def test_rendered_pages_have_no_ink_outside_the_labels_safe_areas(layout, tmp_path):
    """What the rasteriser actually drew, not what the code thinks it drew: every dark pixel
    lies inside a label's padding (fold guides are light grey)."""
    badges, _ = _badges(layout.badges_per_page)
    (page,) = rasterise(render_badges(badges, layout), 50, tmp_path)
    with Image.open(page) as raw:
        image = raw.convert("L")
    scale = 50 / 72
    areas = [
        (
            x * scale - 1,
            image.height - (y + h) * scale - 1,
            (x + w) * scale + 1,
            image.height - y * scale + 1,
        )
        for x, y, w, h in _inner_faces(layout)
    ]
    pixels = image.load()
    stray = [
        (px, py)
        for py in range(image.height)
        for px in range(image.width)
        if pixels[px, py] < 128
        and not any(
            left <= px <= right and top <= py <= bottom for left, top, right, bottom in areas
        )
    ]
    assert not stray, stray[:10]


# -- QR codes that zbar reads ------------------------------------------------------------------


@pytest.mark.parametrize("dpi", [150, 300])
def test_a_hundred_badges_decode_exactly_once_each(dpi, tmp_path):
    """Whole pages, as a scanner app or a check-in test reads a sheet: every code exactly
    once. And each label cut out of the same raster gives exactly its own code.

    Whole pages are hard for zbar 0.23.92 (Debian 12) because of a defect of its own:
    `qr_finder_ransac` (qrcode/qrdec.c), moving a finder's inliers to the head of its
    edge-point list, swaps through `tmp = edge_pts[i]` where `edge_pts[j]` was meant, so
    every candidate triple of finder patterns it rejects damages the finders involved; a
    code whose finders took part in many rejected triples before its own turn is skipped
    (a zbar built with the swap fixed reads them all). Badges drawn with the QR code
    anywhere off the pixel grid lost 3 to 8 codes in 1,000 at 150 and 300 dpi; on the grid
    of pdf._grid_module, where every finder looks alike and zbar takes each code's three
    in a row, none in 11,000 at 150 dpi and 7,000 at 300 dpi (measured here, several
    seeds). Tuned for poppler's rasteriser at those resolutions; see the note in pdf.py."""
    badges, texts = _badges(100)
    _assert_every_code_reads(LAYOUTS["a4-2x5"], badges, texts, dpi, tmp_path)


def _assert_every_code_reads(layout, badges, texts, dpi, folder, logo=None) -> None:
    require_tools()
    expected = Counter(texts * layout.faces)
    pages = rasterise(render_badges(badges, layout, logo=logo), dpi, folder)
    on_pages = Counter(decode(pages))
    assert not on_pages - expected
    assert on_pages == expected, expected - on_pages
    labels = label_regions(layout)
    from_labels = [code for page in pages for code in decode_regions(page, labels, dpi)]
    assert Counter(from_labels) == expected


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=lambda layout: layout.name)
def test_every_layout_prints_readable_codes(layout, tmp_path):
    badges, texts = _badges(layout.badges_per_page)
    _assert_every_code_reads(layout, badges, texts, 150, tmp_path)


def test_ticket_text_stays_in_its_column_even_in_bold():
    name = "Jean-Christophe-Alexandre de La Rochefoucauld-Montmorency-Laval du Dauphiné"
    ticket = Ticket(
        "Café des entreprenants " * 4, "jeudi 12 mars 2026", "Vienne", name, encode(BASE + "A" * 26)
    )
    trace = Trace()
    render_ticket(ticket, trace)
    right = LAYOUTS["a4-2x5"].page_width * MM - 20 * MM  # A4, 20 mm margins
    assert trace.boxes
    for kind, x, _y, width, _height in trace.boxes:
        assert x >= 20 * MM - 0.01 and x + width <= right + 0.01, (kind, x + width, right)


def test_ticket_pdf_decodes_to_its_code(tmp_path):
    content = BASE + new_ticket_code()
    ticket = Ticket(
        "Café des entreprenants",
        "jeudi 12 mars 2026, 19:00–21:30",
        "Vienne",
        "Zoé",
        encode(content),
    )
    assert decode_pdf(render_ticket(ticket), 100, tmp_path) == [content]


def test_qr_is_vector_and_small():
    """No image per badge: the page holds paths only, and 100 badges stay well under 100 kB."""
    badges, _ = _badges(100, PEOPLE[:2])
    pdf = render_badges(badges, LAYOUTS["a4-2x5"])
    assert b"/Subtype /Image" not in pdf
    assert len(pdf) < 100_000


def test_matrix_round_trips_and_its_rectangles_cover_exactly_the_dark_modules():
    matrix = encode(BASE + new_ticket_code())
    assert QRMatrix.from_bytes(matrix.to_bytes()) == matrix
    covered = Counter()
    for col, row, width, height in matrix.rectangles:
        for r in range(row, row + height):
            for c in range(col, col + width):
                covered[(r, c)] += 1
    dark = {(r, c) for r in range(matrix.size) for c in range(matrix.size) if matrix.is_dark(r, c)}
    assert set(covered) == dark and set(covered.values()) == {1}
    assert len(matrix.rectangles) < len(dark) / 2


def test_matrix_png_decodes(tmp_path):
    content = BASE + new_ticket_code()
    path = tmp_path / "qr.png"
    path.write_bytes(encode(content).png(box_size=4))
    assert decode([path]) == [content]


def test_stored_matrix_refuses_garbage():
    with pytest.raises(ValueError):
        QRMatrix.from_bytes(b"\x05abc")


def test_ticket_code_in_capitals_keeps_the_qr_code_at_version_3():
    """26 capitals and digits after an upper-case URL: alphanumeric mode, 29 × 29 modules."""
    code = new_ticket_code()
    assert re.fullmatch(r"[A-Z2-7]{26}", code)
    assert encode(BASE + code).size == 29
    assert encode("https://meetup.example.org/b/" + code).size > 29  # what capitals save


# -- text and fonts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "font"),
    [
        ("é", "NotoSans"),
        ("Ж", "NotoSans"),
        ("ش", "NotoSansArabic"),
        ("ﺵ", "NotoSansArabic"),
        ("א", "NotoSansHebrew"),
        ("中", "DroidSansFallback"),
        ("あ", "DroidSansFallback"),
        ("한", "NanumSquare"),
        ("🚀", None),
    ],
)
def test_each_script_has_a_font(char, font):
    assert text.font_for(char, False) == font


def test_arabic_is_joined_and_drawn_right_to_left():
    shaped = text.visual("محمد")
    assert shaped != "محمد"
    assert all("\ufe70" <= c <= "\ufeff" for c in shaped)  # presentation forms: joined letters
    assert text.starts_right_to_left("محمد") and not text.starts_right_to_left("Office: محمد")
    assert text.visual("Marie") == "Marie"


def test_fonts_are_embedded_for_every_script(tmp_path):
    badges, _ = _badges(len(PEOPLE))
    source = tmp_path / "badges.pdf"
    source.write_bytes(render_badges(badges, LAYOUTS["a4-2x5"]))
    require_tools()
    listing = subprocess.run(["pdffonts", str(source)], capture_output=True, text=True).stdout
    fonts = {}
    for row in listing.splitlines()[2:]:
        name, *_, emb, sub, _uni, _obj, _gen = row.split()
        fonts[name.split("+")[-1]] = (emb, sub)
    for name in (
        "NotoSans-Regular",
        "NotoSans-Bold",
        "NotoSansArabic-Regular",
        "DroidSansFallback",
        "NanumSquareR",
    ):
        assert fonts.get(name) == ("yes", "yes"), (name, listing)  # embedded, subset
    assert all(value == ("yes", "yes") for value in fonts.values()), listing


def test_emoji_are_left_out_rather_than_printed_as_boxes():
    assert text.runs("Ana 🚀") == (("NotoSans", "Ana "),)


def test_long_words_break_at_hyphens_before_anywhere_else():
    lines = text.wrap("Jean-Christophe-Alexandre", 120, 20, bold=True)
    assert lines[0].endswith("-") and "".join(lines) == "Jean-Christophe-Alexandre"


def test_a_name_shrinks_on_one_line_before_wrapping():
    fitted = text.fit(
        "Marie-Christine",
        150,
        60,
        max_size=30,
        min_size=8,
        max_lines=2,
        bold=True,
        shrink_first=True,
    )
    assert len(fitted.lines) == 1 and fitted.size < 30


@settings(max_examples=150, deadline=None)
@given(
    content=st.text(max_size=200),
    width=st.floats(min_value=1, max_value=400),
    height=st.floats(min_value=1, max_value=200),
    max_lines=st.integers(min_value=1, max_value=4),
    bold=st.booleans(),
)
def test_fitted_text_never_leaves_its_box(content, width, height, max_lines, bold):
    fitted = text.fit(
        content, width, height, max_size=40, min_size=4, max_lines=max_lines, bold=bold
    )
    assert len(fitted.lines) <= max_lines
    if fitted.lines:
        assert fitted.height <= height + 1e-6
        for line in fitted.lines:
            assert text.unit_width(line, bold) * fitted.size <= width + 1e-6


def test_calibration_page_outlines_every_label(tmp_path):
    for layout in LAYOUTS.values():
        pdf = render_calibration(layout)
        assert pdf.startswith(b"%PDF")
    (page,) = rasterise(render_calibration(LAYOUTS["a4-2x5"]), 30, tmp_path)
    with Image.open(page) as image:
        width, height = image.size
    assert abs(width - 210 / 25.4 * 30) <= 1 and abs(height - 297 / 25.4 * 30) <= 1


def test_the_same_input_gives_the_same_pdf():
    badges, _ = _badges(10)
    layout = LAYOUTS["a4-2x5"]
    assert render_badges(badges, layout) == render_badges(badges, layout)
    changed = [dataclasses.replace(badges[0], first_name="Autre"), *badges[1:]]
    assert render_badges(changed, layout) != render_badges(badges, layout)


# -- the series' logo -------------------------------------------------------------------------


def _logo(kind: str = "round") -> Logo:
    from meetup.images.processing import Kind, clean
    from tests import pictures

    data = pictures.club_logo() if kind == "round" else pictures.transparent_logo((500, 100))
    image = clean(data, Kind.LOGO)
    return Logo(image.data, image.width, image.height)


@pytest.mark.parametrize("shape", ["round", "wide"])
@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=lambda layout: layout.name)
def test_the_logo_takes_no_room_from_the_text_nor_the_code(layout, shape):
    """With a logo, every badge is laid out as without (the names keep their size and
    place), and the logo sits in its label, clear of the text, the band and the quiet zone."""
    logo = _logo(shape)
    for person in PEOPLE:
        badge, _ = _badges(1, [person])
        without, with_logo = Trace(), Trace()
        render_badges(badge * layout.badges_per_page, layout, trace=without)
        render_badges(badge * layout.badges_per_page, layout, trace=with_logo, logo=logo)
        drawn = [box for box in with_logo.boxes if box[0] != "logo"]
        assert drawn == without.boxes
        logos = [
            ((x, y, w, h), own)
            for (kind, x, y, w, h), own in zip(with_logo.boxes, with_logo.faces, strict=True)
            if kind == "logo"
        ]
        assert len(logos) == layout.badges_per_page * layout.faces
        others = [(x, y, w, h) for kind, x, y, w, h in drawn if kind != "qr"]
        for box, own in logos:
            assert _inside(box, own), (layout.name, box)
            assert box[3] >= 4 * MM - 0.01
            assert not any(_overlap(box, other) for other in others), (person[0], box)


def test_the_logo_is_embedded_once_whatever_the_number_of_badges():
    layout = LAYOUTS["a4-2x5"]
    logo = _logo()
    one = render_badges(_badges(1)[0], layout, logo=logo)
    badges = _badges(40)[0]
    forty = render_badges(badges, layout, logo=logo)
    # The picture and its transparency mask, once each.
    assert one.count(b"/Subtype /Image") == forty.count(b"/Subtype /Image") == 2
    # The same badges without it (random codes would differ in size by a few hundred bytes).
    assert len(forty) - len(render_badges(badges, layout)) < 2 * len(logo.data) + 2000


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=lambda layout: layout.name)
def test_every_layout_with_a_logo_prints_readable_codes(layout, tmp_path):
    badges, texts = _badges(layout.badges_per_page)
    _assert_every_code_reads(layout, badges, texts, 150, tmp_path, logo=_logo())


@pytest.mark.parametrize("dpi", [150, 300])
def test_a_hundred_badges_with_a_logo_decode_exactly_once_each(dpi, tmp_path):
    badges, texts = _badges(100)
    _assert_every_code_reads(LAYOUTS["a4-2x5"], badges, texts, dpi, tmp_path, logo=_logo())
