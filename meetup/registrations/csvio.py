"""CSV of registrations for spreadsheets. Pure: rows in, text out.

A cell that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return at the
start) gets a leading apostrophe, so "=HYPERLINK(...)" typed in a signup form stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """UTF-8 with a BOM-less header row; semicolons would confuse no one, commas are standard."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return buffer.getvalue()
