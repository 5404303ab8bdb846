"""Real parts for badge tests: poppler's pdftoppm rasterises, zbar's zbarimg reads QR codes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

TOOLS = {"pdftoppm": "poppler-utils", "zbarimg": "zbar-tools"}


def require_tools() -> None:
    for tool, package in TOOLS.items():
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is missing: apt-get install {package}")


def rasterise(pdf: bytes, dpi: int, folder: Path, *, gray: bool = True) -> list[Path]:
    """Every page as a PNG at `dpi`."""
    require_tools()
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "in.pdf"
    source.write_bytes(pdf)
    options = ["-gray"] if gray else []
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", *options, str(source), str(folder / "page")],
        check=True,
        capture_output=True,
    )
    return sorted(folder.glob("page*.png"))


def decode(images: list[Path]) -> list[str]:
    """Every QR code zbar finds in the images, one entry per symbol found."""
    require_tools()
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", *map(str, images)],
        capture_output=True,
        text=True,
    )
    assert result.returncode in (0, 4), result.stderr  # 4: no symbol at all
    return [line for line in result.stdout.splitlines() if line]


def decode_pdf(pdf: bytes, dpi: int, folder: Path) -> list[str]:
    return decode(rasterise(pdf, dpi, folder))


def decode_regions(
    image: Path, regions: list[tuple[float, float, float, float]], dpi: int
) -> list[str]:
    """Every QR code zbar finds in each region of a page image, cut out on its own; regions
    are (x, y, width, height) in PDF points from the page's bottom left, as labels are."""
    from PIL import Image

    scale = dpi / 72
    crops = []
    with Image.open(image) as page:
        for index, (x, y, width, height) in enumerate(regions):
            box = (
                x * scale,
                page.height - (y + height) * scale,
                (x + width) * scale,
                page.height - y * scale,
            )
            crop = image.with_name(f"{image.stem}-region{index}.png")
            page.crop(tuple(round(v) for v in box)).save(crop)
            crops.append(crop)
    return decode(crops)


def label_regions(layout, padding: float = 0.0) -> list[tuple[float, float, float, float]]:
    """Each label of a layout (inset by `padding` mm) in PDF points, origin bottom left."""
    from meetup.badges.layouts import MM

    boxes = []
    for label in layout.labels:
        inner = label.inset(padding)
        top = layout.page_height - inner.y - inner.height
        boxes.append((inner.x * MM, top * MM, inner.width * MM, inner.height * MM))
    return boxes


def decode_labels(pdf: bytes, layout, dpi: int, folder: Path) -> list[str]:
    """The codes read from each label on its own (see test_badges_pdf for why not whole pages)."""
    regions = label_regions(layout)
    return [
        code for page in rasterise(pdf, dpi, folder) for code in decode_regions(page, regions, dpi)
    ]
