"""Badge sheets as data: page, label size, grid, margins, gaps. Millimetres, from the top left.

Their names for people are in badges.forms.LAYOUT_TITLES (translated).

Every sheet below was checked against its maker's published template (see `source`); the
tests check the arithmetic (labels inside the page, no overlap, centred where the maker's
sheet is). Pure: no Flask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

MM = 72 / 25.4  #: PDF points per millimetre

A4 = (210.0, 297.0)
LETTER = (215.9, 279.4)
INCH = 25.4


@dataclass(frozen=True)
class Box:
    """A rectangle in millimetres, from the page's top left corner."""

    x: float
    y: float
    width: float
    height: float

    def inset(self, by: float) -> Box:
        return Box(self.x + by, self.y + by, self.width - 2 * by, self.height - 2 * by)

    def contains(self, other: Box, tolerance: float = 1e-6) -> bool:
        return (
            other.x >= self.x - tolerance
            and other.y >= self.y - tolerance
            and other.x + other.width <= self.x + self.width + tolerance
            and other.y + other.height <= self.y + self.height + tolerance
        )

    def overlaps(self, other: Box) -> bool:
        return not (
            other.x >= self.x + self.width
            or other.x + other.width <= self.x
            or other.y >= self.y + self.height
            or other.y + other.height <= self.y
        )


@dataclass(frozen=True)
class Layout:
    name: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int
    rows: int
    #: From the page's left and top edges to the first label.
    left: float
    top: float
    #: From one label's left (top) edge to the next one's: label size + gap.
    pitch_x: float
    pitch_y: float
    #: Rounded corners of die-cut labels (the calibration page draws them).
    corner_radius: float = 0.0
    #: Nothing is drawn closer than this to a label's edge (printers drift, cutters too).
    padding: float = 3.0
    #: Labels per badge: 2 for a fold-over badge (front and back), else 1.
    faces: int = 1
    #: Where the figures come from.
    source: str = ""

    @property
    def labels(self) -> list[Box]:
        """Every label on a page, row by row from the top left."""
        return [
            Box(
                self.left + col * self.pitch_x,
                self.top + row * self.pitch_y,
                self.label_width,
                self.label_height,
            )
            for row in range(self.rows)
            for col in range(self.columns)
        ]

    @property
    def badges_per_page(self) -> int:
        return self.columns * self.rows // self.faces

    def badge_faces(self) -> list[list[Box]]:
        """The labels of each badge on a page: [front] or, folded, [front, back]."""
        labels = self.labels
        if self.faces == 1:
            return [[label] for label in labels]
        # Fold-over: the right-hand label is the front, the left-hand one the back.
        return [[labels[i + 1], labels[i]] for i in range(0, len(labels), 2)]

    @property
    def gap_x(self) -> float:
        return self.pitch_x - self.label_width

    @property
    def gap_y(self) -> float:
        return self.pitch_y - self.label_height


def _centred(
    name: str,
    page: tuple[float, float],
    label: tuple[float, float],
    columns: int,
    rows: int,
    pitch: tuple[float, float],
    **extra,
) -> Layout:
    """A sheet whose grid of labels sits in the middle of the page, as most makers' do."""
    page_width, page_height = page
    label_width, label_height = label
    pitch_x, pitch_y = pitch
    return Layout(
        name=name,
        page_width=page_width,
        page_height=page_height,
        label_width=label_width,
        label_height=label_height,
        columns=columns,
        rows=rows,
        left=(page_width - (columns - 1) * pitch_x - label_width) / 2,
        top=(page_height - (rows - 1) * pitch_y - label_height) / 2,
        pitch_x=pitch_x,
        pitch_y=pitch_y,
        **extra,
    )


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        _centred(
            "a4-2x5",
            A4,
            (80.0, 50.0),
            2,
            5,
            (95.0, 55.0),
            corner_radius=4.0,
            source="Avery L4785: 80 × 50 mm, 2 × 5, pitch 95 × 55 mm, side margins 17.5 mm, "
            "top and bottom margins 13.5 mm (avery.co.uk template; gLabels avery-iso-templates)",
        ),
        _centred(
            "a6-4up",
            A4,
            (105.0, 148.5),
            2,
            2,
            (105.0, 148.5),
            padding=6.0,  # office printers leave about 5 mm unprinted at the sheet's edges
            source="ISO 216: an A4 sheet is exactly four A6 (105 × 148.5 mm), no gaps",
        ),
        _centred(
            "avery-5395",
            LETTER,
            (3.375 * INCH, (7 / 3) * INCH),
            2,
            4,
            (3.75 * INCH, 2.5 * INCH),
            corner_radius=0.1875 * INCH,
            source="Avery 5395: 3⅜ × 2⅓ in, 2 × 4, pitch 3¾ × 2½ in, left margin 11/16 in, "
            "top margin 7/12 in (avery.com template; gLabels avery-us-templates)",
        ),
        _centred(
            "single-a6",
            (105.0, 148.5),
            (105.0, 148.5),
            1,
            1,
            (105.0, 148.5),
            padding=5.0,
            source="ISO 216 A6 page",
        ),
        _centred(
            "brother-62x100",
            (100.0, 62.0),
            (100.0, 62.0),
            1,
            1,
            (100.0, 62.0),
            padding=3.0,
            source="Brother DK-11202 die-cut labels: 62 × 100 mm (brother.com), printed across",
        ),
        _centred(
            "dymo-99014",
            (101.0, 54.0),
            (101.0, 54.0),
            1,
            1,
            (101.0, 54.0),
            padding=3.0,
            source="Dymo LabelWriter 99014: 54 × 101 mm (2-1/8 × 4 in), printed across",
        ),
        Layout(
            name="a4-foldover",
            page_width=A4[0],
            page_height=A4[1],
            label_width=105.0,
            label_height=148.5,
            columns=2,
            rows=1,
            left=0.0,
            top=148.5,
            pitch_x=105.0,
            pitch_y=148.5,
            padding=6.0,
            faces=2,
            source="ISO 216: A4 folded twice is A6; the lower quarters become front (right) "
            "and back (left), both upright; the upper half is folded inside",
        ),
    )
}

DEFAULT_LAYOUT = "a4-2x5"
#: For one badge printed at the door.
SINGLE_LAYOUT = "single-a6"
