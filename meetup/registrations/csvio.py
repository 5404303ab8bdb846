"""CSV of registrations for spreadsheets. Pure: rows in, text out.

A cell that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return at the
start) gets a leading apostrophe, so "=HYPERLINK(...)" typed in a signup form stays text; the
import takes it off again (restore).
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


#: Also escaped: an apostrophe of the person's own, which a spreadsheet would take for its
#: "text" mark and hide ("'t Hooft" shows as typed).
ESCAPED_STARTS = (*FORMULA_STARTS, "'")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(ESCAPED_STARTS) else text


def restore(value: str) -> str:
    """A cell as it was before `neutralise`: a file exported here and imported back, with no
    spreadsheet in between to drop the apostrophe ("'+33 4 74…" is a phone number again).
    What is imported is stored as text and neutralised again by the next export."""
    return value[1:] if value.startswith("'") and value[1:].startswith(ESCAPED_STARTS) else value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]], delimiter: str = ",") -> str:
    """Starts with a byte order mark: without it Excel reads UTF-8 as Windows-1252
    ("LefÃ¨vre"); LibreOffice, Numbers, Google Sheets and the import here skip it.
    `delimiter`: French Excel splits columns on semicolons only (see csv_delimiter)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return buffer.getvalue()


#: The separators an organiser may ask for by name (?separator=…), whatever the page's language.
SEPARATORS = {"semicolon": ";", "comma": ","}


def csv_delimiter(language: str, asked: str = "") -> str:
    """What a spreadsheet set up in `language` (one of the app's) splits columns on: the
    semicolon in French, where the comma is the decimal separator; else the comma. `asked`
    ("semicolon" or "comma") wins: an English page with a spreadsheet in French, say."""
    if asked in SEPARATORS:
        return SEPARATORS[asked]
    return ";" if language.split("_")[0].split("-")[0] == "fr" else ","


def other_separator(language: str) -> str:
    """The name of the separator a spreadsheet in `language` does not use (offered beside
    the export: an English page with a spreadsheet set up in French, or the reverse)."""
    return "comma" if csv_delimiter(language) == ";" else "semicolon"


#: Column names accepted on import (lowercase, accents and spaces ignored) -> field.
IMPORT_COLUMNS = {
    "first_name": "first_name", "firstname": "first_name", "prenom": "first_name",
    "last_name": "last_name", "lastname": "last_name", "nom": "last_name",
    "email": "email", "e-mail": "email", "mail": "email", "courriel": "email",
    "company": "company", "entreprise": "company", "societe": "company",
    "job_title": "job_title", "fonction": "job_title",
    "sector": "sector", "secteur": "sector",
    "website": "website", "site": "website", "site_web": "website",
    "phone": "phone", "telephone": "phone",
    "street": "street", "adresse": "street", "rue": "street",
    "postcode": "postcode", "code_postal": "postcode", "cp": "postcode",
    "city": "city", "ville": "city",
    "help_with": "help_with", "looking_for": "looking_for",
    "language": "language", "langue": "language",
}  # fmt: skip
MAX_IMPORT_ROWS = 2000


class CsvProblem(ValueError):
    """The file as a whole cannot be read (not the rows' own errors)."""


#: Byte order marks, longest first (UTF-32's begins with UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: Characters no spreadsheet's text export holds: a file with them is no CSV (an .xlsx, a PDF).
_BINARY = {chr(code) for code in range(32) if chr(code) not in "\t\n\r"} | {"\x7f"}


def decode_upload(data: bytes) -> str:
    """The text of an uploaded file as spreadsheets save it: UTF-8 or UTF-16 when a byte
    order mark says so (Excel's "CSV UTF-8" and "Unicode text"), else UTF-8, else
    Windows-1252 (Excel's plain "CSV" on a French or English Windows). Latin-1 is not
    tried: it reads any bytes at all, so a file in another encoding would come in as
    wrong letters, silently; Windows-1252 leaves five bytes undefined (0x81, 0x8D, 0x8F,
    0x90, 0x9D), which such a file soon has. Strict everywhere: a lone surrogate or a cut
    character is refused ("encoding"), and so is a file with control characters no text
    export writes ("not text": an .xlsx saved under another name)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            candidates = [(data[len(bom) :], encoding)]
            break
    else:
        candidates = [(data, "utf-8"), (data, "cp1252")]
    for raw, encoding in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(char in _BINARY for char in text):
            raise CsvProblem("not text")
        return text
    raise CsvProblem("encoding")


def column_key(name: str) -> str:
    """A column's name as the import compares it: accents, case and spaces aside."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ascii_name.strip().lower().replace(" ", "_")


def parse_import(
    text: str, more_columns: dict[str, str] | None = None
) -> tuple[list[str], list[dict[str, str]]]:
    """(unknown column names, rows as {field: value}) from a CSV with a header row.
    Commas or semicolons (French spreadsheets) are both accepted. `more_columns`: other
    names (as column_key gives them) -> field, such as the export's own headers."""
    columns = IMPORT_COLUMNS | (more_columns or {})
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise CsvProblem("empty")
    try:
        return _read(text, columns)
    except csv.Error as error:  # a cell past csv.field_size_limit(), a stray quote...
        raise CsvProblem("too long" if "field limit" in str(error) else "malformed") from None


def _read(text: str, columns: dict[str, str]) -> tuple[list[str], list[dict[str, str]]]:
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = next(reader)
    fields = [columns.get(column_key(name)) for name in header]
    if "email" not in fields:
        raise CsvProblem("no email column")
    unknown = [
        name for name, field in zip(header, fields, strict=True) if field is None and name.strip()
    ]
    rows = []
    for values in reader:
        if not any(value.strip() for value in values):
            continue
        rows.append(
            {field: restore(value) for field, value in zip(fields, values, strict=False) if field}
        )
        if len(rows) > MAX_IMPORT_ROWS:
            raise CsvProblem("too many rows")
    return unknown, rows
