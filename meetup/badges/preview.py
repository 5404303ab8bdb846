"""The first page of a PDF as a PNG, for the organiser's preview. Needs poppler's pdftoppm
(Debian: poppler-utils); without it the page says so and the PDF still downloads."""

from __future__ import annotations

import logging
import shutil
import subprocess

log = logging.getLogger(__name__)


def available() -> bool:
    return shutil.which("pdftoppm") is not None


def first_page_png(pdf: bytes, dpi: int = 110) -> bytes | None:
    executable = shutil.which("pdftoppm")
    if executable is None:
        return None
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments, the PDF goes in on stdin
            [executable, "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", "-"],
            input=pdf,
            capture_output=True,
            timeout=30,
            check=True,
        )
    except (subprocess.SubprocessError, OSError) as error:
        log.warning("badge preview failed: %s", type(error).__name__)
        return None
    return result.stdout
