"""Pictures for the upload tests, made on the spot with Pillow (and a few bad files)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image

RED, BLUE = (220, 30, 30), (30, 60, 220)
#: Where a phone says it took the picture (Vienne): what no stored picture may keep.
PHONE_GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (45.0, 31.0, 27.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (4.0, 52.0, 26.0),
}


def photo_on_its_side(size=(400, 200)) -> bytes:
    """A JPEG as a phone held upright writes it: stored on its side (red on the left, blue on
    the right) with EXIF orientation 6 ("turn 90° clockwise"), the phone's make and a GPS
    position. Seen upright: red above, blue below."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.GPSInfo] = PHONE_GPS
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def transparent_logo(size=(300, 120)) -> bytes:
    """A PNG logo: a blue disc on a transparent background, with a text chunk."""
    from PIL import ImageDraw, PngImagePlugin

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((10, 10, size[1] - 10, size[1] - 10), fill=(*BLUE, 255))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Someone's name")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def plain(fmt: str = "PNG", size=(640, 360), colour=(200, 150, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` × `height` (a decompression bomb as Pillow sees it
    when opening: the pixels are never decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b'<script>alert(1)</script><circle cx="50" cy="50" r="40"/></svg>'
)
TEXT = b"Dear organisers,\nthis is not a picture.\n"


def evening_scene(size=(1600, 900)) -> bytes:
    """A cover a club might use: a warm gradient, round tables, taken by a phone (EXIF with a
    GPS position)."""
    from PIL import ImageDraw

    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge(
        "RGB",
        (
            gradient.point(lambda v: 120 + v // 2),
            gradient.point(lambda v: 60 + v // 3),
            gradient.point(lambda v: 40 + v // 6),
        ),
    )
    draw = ImageDraw.Draw(image)
    for n in range(5):
        x = width * (n + 1) // 6
        draw.ellipse((x - 90, height - 260, x + 90, height - 140), fill=(245, 230, 205))
        for seat in (-120, 120):
            draw.ellipse(
                (x + seat - 25, height - 225, x + seat + 25, height - 175), fill=(70, 40, 30)
            )
    exif = Image.Exif()
    exif[ExifTags.Base.GPSInfo] = PHONE_GPS
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=88)
    return buffer.getvalue()


def club_logo(size=(400, 400)) -> bytes:
    """A round logo with a coffee cup, on a transparent background."""
    from PIL import ImageDraw

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((0, 0, w - 1, h - 1), fill=(122, 74, 30, 255))
    draw.rounded_rectangle((w * 0.28, h * 0.38, w * 0.64, h * 0.72), radius=18, fill="white")
    draw.ellipse((w * 0.58, h * 0.44, w * 0.76, h * 0.62), outline="white", width=14)
    for x in (0.38, 0.46, 0.54):
        draw.line((w * x, h * 0.2, w * x, h * 0.32), fill="white", width=8)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
