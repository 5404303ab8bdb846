"""The ticket's QR code, encoded once and kept as a module matrix. Pure: text in, matrix out.

Encoding (the `qrcode` package tries all eight masks) costs several milliseconds; drawing a
matrix costs microseconds. So each registration's matrix is encoded once and stored
(`TicketQR`); emails, the personal page and badge sheets draw from it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property

#: Light modules around the symbol, as the QR standard asks.
QUIET_ZONE = 4
#: "x y w h re" for the rectangles met so far: the same ones recur from code to code (the
#: finder and timing patterns, and most small ones), formatting them is most of the path's cost.
_RECTANGLE_OPERATORS: dict[tuple[int, int, int, int], str] = {}


@dataclass(frozen=True)
class QRMatrix:
    """A square of modules, row by row from the top; True is dark. No quiet zone."""

    size: int
    #: Row-major bits, most significant first, 1 = dark; rows are not padded.
    bits: bytes

    @classmethod
    def from_rows(cls, rows: list[list[bool]]) -> QRMatrix:
        size = len(rows)
        flat = [dark for row in rows for dark in row]
        packed = bytearray((len(flat) + 7) // 8)
        for index, dark in enumerate(flat):
            if dark:
                packed[index >> 3] |= 0x80 >> (index & 7)
        return cls(size, bytes(packed))

    def to_bytes(self) -> bytes:
        """Storage form: one byte of size, then the bits."""
        return bytes([self.size]) + self.bits

    @classmethod
    def from_bytes(cls, data: bytes, pdf_path: str | None = None) -> QRMatrix:
        """The stored matrix; `pdf_path`: its `pdf_path` as stored with it (TicketQR), which
        then is not worked out again (finding the rectangles is most of a badge's QR cost)."""
        size = data[0]
        if not 21 <= size <= 177 or len(data) != 1 + (size * size + 7) // 8:
            raise ValueError("not a stored QR matrix")
        matrix = cls(size, bytes(data[1:]))
        if pdf_path is not None:
            matrix.__dict__["pdf_path"] = pdf_path  # where cached_property keeps it
        return matrix

    def is_dark(self, row: int, col: int) -> bool:
        index = row * self.size + col
        return bool(self.bits[index >> 3] & (0x80 >> (index & 7)))

    @cached_property
    def rectangles(self) -> tuple[tuple[int, int, int, int], ...]:
        """Dark modules merged into rectangles (col, row, width, height): each row's runs,
        and a run joined to the identical run of the row above. About a third as many
        shapes as runs, a tenth as many as modules."""
        size = self.size
        bits = self._bit_string
        done: list[tuple[int, int, int, int]] = []
        open_runs: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for row in range(size):
            line = bits[row * size : (row + 1) * size]
            still_open = {}
            col = line.find("1")
            while col >= 0:  # each run of dark modules: str.find, not a regex (3 × faster)
                end = line.find("0", col)
                if end < 0:
                    end = size
                width = end - col
                above = open_runs.pop((col, width), None)
                if above is not None:
                    still_open[(col, width)] = (col, above[1], width, above[3] + 1)
                else:
                    still_open[(col, width)] = (col, row, width, 1)
                col = line.find("1", end)
            done.extend(open_runs.values())
            open_runs = still_open
        done.extend(open_runs.values())
        return tuple(done)

    @cached_property
    def pdf_path(self) -> str:
        """The dark modules as PDF path operators ("n x y w h re …"), in module units from
        the symbol's bottom left corner: what a badge fills, written once per matrix rather
        than rectangle by rectangle through reportlab's path object (6 × slower)."""
        size = self.size
        known = _RECTANGLE_OPERATORS
        if len(known) > 50_000:
            known.clear()
        parts = []
        for col, row, width, height in self.rectangles:
            key = (col, size - row - height, width, height)
            operator = known.get(key)
            if operator is None:
                operator = known[key] = "{} {} {} {} re".format(*key)
            parts.append(operator)
        return "n " + " ".join(parts)

    @cached_property
    def _bit_string(self) -> str:
        return format(int.from_bytes(self.bits, "big"), f"0{len(self.bits) * 8}b")

    def png(self, box_size: int = 8) -> bytes:
        """A black-on-white PNG with the quiet zone, `box_size` pixels per module."""
        side = self.size + 2 * QUIET_ZONE
        pixels = bytearray(b"\xff" * side * side)
        for row in range(self.size):
            offset = (row + QUIET_ZONE) * side + QUIET_ZONE
            for col in range(self.size):
                if self.is_dark(row, col):
                    pixels[offset + col] = 0
        from PIL import Image  # here: 2 MB a web worker needs only for an email or a page

        image = Image.frombytes("L", (side, side), bytes(pixels)).convert("1")
        image = image.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()


def encode(text: str) -> QRMatrix:
    """The smallest QR code (error correction M, about 15 % of the symbol may be lost) for
    `text`, with the mask the standard's penalty rules choose."""
    import qrcode  # here: 4 MB (and PIL) a web worker needs only when a code is new
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return QRMatrix.from_rows(code.modules)
