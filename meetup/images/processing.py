"""Uploaded pictures checked and re-encoded with Pillow. Pure: bytes in, clean bytes out.

Nothing of the upload reaches a page but its pixels: the file is opened only by the decoders
of the formats we take (JPEG, PNG, WebP, GIF; never SVG, PSD, EPS…), refused before decoding
when its dimensions are absurd or make a decompression bomb, turned upright by its EXIF
orientation, shrunk to the kind's maxima and written afresh with no metadata at all (no EXIF,
hence no GPS position, no ICC profile, no text chunks, no comment).

Out: a logo as PNG (keeps transparency; flat colours compress well; every mail client and
reportlab read it), a cover as JPEG at a fixed quality (every mail client and link preview
reads it, unlike WebP, which Outlook and some link previews still refuse), with narrower
copies, and an AVIF twin of each for the pages of browsers that read it. An animated GIF
keeps its first frame.
"""

from __future__ import annotations

import enum
import io
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

# Pillow is imported where a picture is checked, not when a web worker starts (issue 23,
# point 7: the forms import this module for its limits and messages).

#: An upload larger than this is refused before it is opened (the form says the limit).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: Decoded pixels an upload may have: a 48 Mpx photo passes, a decompression bomb does not.
MAX_PIXELS = 50_000_000
#: Longest side accepted before shrinking; shortest side and widest ratio accepted.
MAX_SIDE = 12_000
MIN_SIDE = 16
MAX_RATIO = 10
#: The decoders a file may go through (Pillow's format names).
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
#: What a file input offers to choose (browsers filter on it; the server decides).
ACCEPT = "image/jpeg,image/png,image/webp,image/gif"
JPEG_QUALITY = 85
#: The copies a cover wider than them is kept with, widest first; pages offer them all
#: (srcset) and each screen loads the narrowest it needs: 800 px for a phone 400 px wide at
#: 2x (and the emails), 1,200 px for one at 3x or a desk. Two photos measured weighed 223
#: and 297 KB at 1,600 px, three times a phone page's whole budget; at quality 75 their
#: copies weigh 113 and 158 KB at 1,200 px, 63 and 90 KB at 800 px.
COPY_WIDTHS = (1200, 800)
COPY_QUALITY = 75
#: Pages offer a cover and each of its copies as AVIF too (<picture>: browsers that do not
#: read it, and emails, take the JPEG). At this quality the two photos above look the same
#: and weigh about half: 57 and 76 KB at 1,200 px, 33 and 46 KB at 800 px. Speed 9 of 0–10
#: encodes the three of a cover in 0.2 s on one thread (speed 8: 0.6–0.9 s, 1–9 % smaller).
AVIF_QUALITY = 50
AVIF_SPEED = 9


class Kind(enum.StrEnum):
    LOGO = "logo"
    COVER = "cover"


@dataclass(frozen=True)
class Rules:
    #: The box the picture is shrunk into (never enlarged).
    max_width: int
    max_height: int
    #: "PNG" or "JPEG".
    output: str


RULES = {
    # Sharp on a phone's 3x screen at 160 px, on a badge at 300 dpi up to 40 mm.
    Kind.LOGO: Rules(max_width=512, max_height=512, output="PNG"),
    # Wide enough for a page on a large screen and for link previews (1200 × 630).
    Kind.COVER: Rules(max_width=1600, max_height=1200, output="JPEG"),
}

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "AVIF": "image/avif"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/avif": "avif"}


class Problem(enum.StrEnum):
    """Why an upload was refused; the form turns each into a sentence."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"  # bytes
    NOT_AN_IMAGE = "not_an_image"  # or a format we do not take (SVG…)
    DAMAGED = "damaged"  # truncated, or fails to decode
    TOO_MANY_PIXELS = "too_many_pixels"  # a decompression bomb, or an absurd photo
    BAD_DIMENSIONS = "bad_dimensions"  # too small, or a sliver


class Rejected(ValueError):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int
    #: The pixels `data` was written from, when at hand (a copy's): its AVIF twin is encoded
    #: from them rather than from the copy's lossy JPEG (3–4 % smaller, 7–9 % closer).
    pixels: Image.Image | None = field(default=None, compare=False, repr=False)


def _check_dimensions(width: int, height: int) -> None:
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise Rejected(Problem.TOO_MANY_PIXELS)
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_RATIO * min(width, height):
        raise Rejected(Problem.BAD_DIMENSIONS)


def _open(data: bytes) -> Image.Image:
    """The first frame, decoded, after the size checks; Pillow's own bomb guard as well."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        # Pillow warns past MAX_IMAGE_PIXELS and raises past twice that: both refuse here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise Rejected(Problem.TOO_MANY_PIXELS) from error
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
            raise Rejected(Problem.NOT_AN_IMAGE) from error
        _check_dimensions(*image.size)
        try:
            image.seek(0)
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise Rejected(Problem.TOO_MANY_PIXELS) from error
        except (OSError, ValueError, SyntaxError, EOFError) as error:  # truncated, corrupt
            raise Rejected(Problem.DAMAGED) from error
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _pixels(image: Image.Image, keep_alpha: bool) -> Image.Image:
    """RGB or RGBA pixels; transparency over white when it cannot be kept (JPEG)."""
    from PIL import Image

    if _has_alpha(image):
        rgba = image.convert("RGBA")
        if keep_alpha:
            return rgba
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB") if image.mode != "RGB" else image


def clean(data: bytes, kind: Kind) -> CleanImage:
    """The upload re-encoded for `kind`, or Rejected with the reason."""
    if not data:
        raise Rejected(Problem.EMPTY)
    if len(data) > MAX_UPLOAD_BYTES:
        raise Rejected(Problem.TOO_LARGE)
    from PIL import Image, ImageOps

    rules = RULES[kind]
    with _open(data) as image:
        try:
            upright = ImageOps.exif_transpose(image)  # a copy, or None if nothing to turn
            upright = upright if upright is not None else image.copy()
        except (OSError, ValueError, SyntaxError) as error:
            raise Rejected(Problem.DAMAGED) from error
    pixels = _pixels(upright, keep_alpha=rules.output == "PNG")
    pixels.thumbnail((rules.max_width, rules.max_height), Image.Resampling.LANCZOS)
    # A new image: nothing of the upload's metadata (info, EXIF, ICC, XMP) can follow.
    fresh = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    buffer = io.BytesIO()
    if rules.output == "PNG":
        fresh.save(buffer, "PNG", optimize=True)
    else:
        fresh.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return CleanImage(
        data=buffer.getvalue(),
        content_type=CONTENT_TYPES[rules.output],
        width=fresh.width,
        height=fresh.height,
    )


def copies(image: CleanImage) -> list[CleanImage]:
    """A cover's copies (COPY_WIDTHS narrower than it), widest first, as JPEG with no
    metadata (they come from clean bytes); none for a logo (PNG)."""
    widths = [width for width in COPY_WIDTHS if width < image.width]
    if image.content_type != CONTENT_TYPES["JPEG"] or not widths:
        return []
    from PIL import Image

    with Image.open(io.BytesIO(image.data)) as opened:
        pixels = opened.convert("RGB")
    made = []
    for width in widths:
        height = max(1, round(image.height * width / image.width))
        smaller = pixels.resize((width, height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        smaller.save(buffer, "JPEG", quality=COPY_QUALITY, optimize=True, progressive=True)
        made.append(CleanImage(buffer.getvalue(), image.content_type, width, height, smaller))
    return made


def makes_avif() -> bool:
    """Whether this Pillow encodes AVIF (the pinned wheels do; a build without libavif not)."""
    from PIL import features

    return bool(features.check("avif"))


def avif_twin(image: CleanImage) -> CleanImage | None:
    """A cover's (or a copy's) same pixels as AVIF, with no metadata (they come from clean
    bytes); None for a logo (PNG), or if this Pillow has no AVIF encoder (pages then offer
    the JPEG alone)."""
    if image.content_type != CONTENT_TYPES["JPEG"] or not makes_avif():
        return None
    from PIL import Image

    pixels = image.pixels
    if pixels is None:
        with Image.open(io.BytesIO(image.data)) as opened:
            pixels = opened.convert("RGB")
    # A new image (no info to carry: ICC, EXIF, XMP), encoded on one thread: the same bytes
    # whatever the host's CPUs, so that two hosts storing the same cover store one twin.
    fresh = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    buffer = io.BytesIO()
    fresh.save(buffer, "AVIF", quality=AVIF_QUALITY, speed=AVIF_SPEED, max_threads=1)
    return CleanImage(buffer.getvalue(), CONTENT_TYPES["AVIF"], image.width, image.height)
