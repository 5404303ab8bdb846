"""The demo club's logo and its next evening's cover, drawn here (nothing to download, no
file to ship): so that a new organiser trying `make run` sees where pictures go, on the
pages, in the emails and on the badges. They go through the same cleaning and storage as
an organiser's upload (meetup.images)."""

from __future__ import annotations

import io
import random
from pathlib import Path

from meetup.images.models import StoredImage
from meetup.images.processing import Kind, clean
from meetup.images.store import store

_FONT = Path(__file__).resolve().parent.parent / "badges" / "fonts" / "NotoSans-Bold.ttf"
#: The demo's colours: coffee, cream, and a terracotta for the neighbours' links.
COFFEE, CREAM, TERRACOTTA = (92, 58, 38), (250, 243, 232), (196, 98, 62)


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def logo_png() -> bytes:
    """A coffee-coloured round badge with "CE" and a cup's steam, on a clear background."""
    from PIL import Image, ImageDraw, ImageFont  # the demo's only: not in a web worker

    size = 512
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((16, 16, size - 16, size - 16), fill=COFFEE)
    draw.ellipse((40, 40, size - 40, size - 40), outline=CREAM, width=8)
    font = ImageFont.truetype(str(_FONT), 190)
    draw.text((size / 2, size / 2 + 40), "CE", font=font, fill=CREAM, anchor="mm")
    for x in (206, 256, 306):  # the steam of a cup
        draw.arc((x - 22, 88, x + 22, 168), start=100, end=260, fill=TERRACOTTA, width=10)
    return _png(image)


def cover_png() -> bytes:
    """Offices as dots on a cream ground, the nearest ones linked: what the evenings are for.
    1200 × 450 and softened a little: 25 KB once re-encoded as JPEG (1600 × 600 sharp made
    64 KB, most of a phone page's budget)."""
    from PIL import Image, ImageDraw, ImageFilter

    width, height = 1200, 450
    image = Image.new("RGB", (width, height), CREAM)
    draw = ImageDraw.Draw(image)
    rng = random.Random(38200)
    offices = [(rng.randint(40, width - 40), rng.randint(40, height - 40)) for _ in range(40)]
    for x, y in offices:
        nearest = sorted(offices, key=lambda o: (o[0] - x) ** 2 + (o[1] - y) ** 2)[1:3]
        for nx, ny in nearest:
            draw.line((x, y, nx, ny), fill=TERRACOTTA, width=3)
    for x, y in offices:
        draw.ellipse((x - 9, y - 9, x + 9, y + 9), fill=COFFEE)
    return _png(image.filter(ImageFilter.GaussianBlur(1)))


def stored(data: bytes, kind: Kind) -> StoredImage:
    """The picture cleaned and kept as an upload would be. Commits (meetup.images.store)."""
    return store(clean(data, kind))
