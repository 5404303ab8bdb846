"""Badge sheets: 1,000 badges on the 2 × 5 A4 layout, against a text-only baseline, in one run.

Rendered the way the application renders them (meetup.badges.pdf, fonts embedded, one vector
path per QR code drawn from the stored module matrix). Three figures:
  text only  the same badges, same layout and fonts, no QR code (the baseline)
  QR         matrices and their PDF paths read back from storage (TicketQR), as when
             organisers print
  QR, cold   every matrix encoded by `qrcode` first (a fresh import, nothing stored yet)
and an independent floor (issue 23, point 6):
  floor      reportlab alone drawing the same texts in the same fonts (NotoSans regular and
             bold, embedded), at fixed sizes in each label: no fitting, no QR code, no band
Each is timed in process CPU time (the machine is shared), the variants alternating in
rounds, best of BENCH_REPEAT (default 3). Targets: QR ≤ 8 × the floor (issue 23: later
prints; the first print from the command line: bench/badges_cli.py), ≤ 1 MB per 1,000
badges. With --verify, the QR PDF is rasterised at 150 and 300 dpi (pdftoppm)
and zbarimg reads whole pages: the codes it misses are counted (none expected; why it takes
care, see tests/test_badges_pdf.py and pdf._grid_module).
"""

from __future__ import annotations

import dataclasses
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from meetup.badges.layouts import LAYOUTS  # noqa: E402
from meetup.badges.pdf import Badge, render_badges  # noqa: E402
from meetup.registrations.qr import QRMatrix, encode  # noqa: E402
from meetup.registrations.tokens import new_ticket_code  # noqa: E402

COUNT = 1000
REPEAT = int(os.environ.get("BENCH_REPEAT", 3))
BASE = "HTTPS://CAFE-ENTREPRENANTS.EXAMPLE.ORG/B/"
FIRST = ["Marie", "Jean-Christophe", "Sophie", "Karim", "Élodie", "Thomas", "Nathalie", "Aïcha"]
LAST = ["Dupont", "Martin", "de La Rochefoucauld", "Benali", "Durand", "Nguyen", "Moreau"]
COMPANIES = ["Boulangerie Dupont", "Cyber Sécurité Rhône", "Morel & Associés", "", "Studio Pilat"]
HELP = ["comptabilité, fiscalité", "sites vitrines, référencement local", "", "levée de fonds"]
STREETS = ["rue de la République", "cours Brillier", "", "quai Jean Jaurès", "place de la Mairie"]
ROLES = ["first_time", "regular", "regular", "speaker", "organiser"]


def _people(rng: random.Random) -> list[Badge]:
    return [
        Badge(
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            company=rng.choice(COMPANIES),
            ask_me_about=rng.choice(HELP),
            role=rng.choice(ROLES),
            neighbourhood=rng.choice(STREETS),
            event_line="Café des entreprenants · 10 décembre 2026",
        )
        for _ in range(COUNT)
    ]


def _rounds(variants: dict[str, object]) -> dict[str, tuple[float, bytes]]:
    """Each variant once a round, REPEAT rounds; the best CPU time of each, and its PDF."""
    times: dict[str, list[float]] = {label: [] for label in variants}
    pdfs: dict[str, bytes] = {}
    for _ in range(REPEAT):
        for label, build in variants.items():
            start = time.process_time()
            pdfs[label] = build()
            times[label].append(time.process_time() - start)
    for label, runs in times.items():
        best = min(runs)
        print(
            f"{label:<26} {best:7.3f} s  {COUNT / best:7.0f} badges/s  "
            f"{len(pdfs[label]) / 1024:7.0f} KB   (runs: {', '.join(f'{t:.3f}' for t in runs)})"
        )
    return {label: (min(times[label]), pdfs[label]) for label in variants}


def _floor(people: list[Badge], layout) -> bytes:
    """reportlab alone: the badges' texts in the same fonts at fixed sizes, nothing fitted."""
    fonts = Path(ROOT / "meetup" / "badges" / "fonts")
    for name, filename in (("Floor", "NotoSans-Regular.ttf"), ("Floor-Bold", "NotoSans-Bold.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(fonts / filename)))
    buffer = io.BytesIO()
    mm = 72 / 25.4
    page_height = layout.page_height * mm
    canvas = Canvas(
        buffer,
        pagesize=(layout.page_width * mm, page_height),
        pageCompression=1,
        invariant=1,
        initialFontName="Floor",
    )
    labels = layout.labels
    for n, badge in enumerate(people):
        if n and n % len(labels) == 0:
            canvas.showPage()
        label = labels[n % len(labels)]
        x, top = (label.x + 4) * mm, page_height - (label.y + 6) * mm
        lines = [
            ("Floor-Bold", 20, badge.first_name),
            ("Floor-Bold", 11, badge.last_name),
            ("Floor", 8, badge.company),
            ("Floor-Bold", 5, "ASK ME ABOUT"),
            ("Floor", 7, badge.ask_me_about),
            ("Floor-Bold", 7, badge.role),
            ("Floor", 6, "Office: " + badge.neighbourhood if badge.neighbourhood else ""),
            ("Floor", 5, badge.event_line),
        ]
        for font, size, words in lines:
            if words:
                top -= size * 1.25
                canvas.setFont(font, size)
                canvas.drawString(x, top, words)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _verify(pdf: bytes, texts: list[str], dpi: int) -> None:
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        print("verify: needs pdftoppm and zbarimg (apt-get install poppler-utils zbar-tools)")
        return
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "badges.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), f"{folder}/page"], check=True
        )
        pages = sorted(Path(folder).glob("page*.png"))
        result = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", *map(str, pages)],
            capture_output=True,
            text=True,
        )
    found = Counter(result.stdout.split())
    lost = sum(1 for t in texts if found[t] == 0)
    extra = sum(n for t, n in found.items() if t not in set(texts)) + sum(
        n - 1 for n in found.values() if n > 1
    )
    print(
        f"verify at {dpi} dpi, whole pages: {len(texts) - lost} of {len(texts)} read, {lost} lost, {extra} extra"
    )


def main() -> None:
    rng = random.Random(2026)
    layout = LAYOUTS["a4-2x5"]
    people = _people(rng)
    texts = [BASE + new_ticket_code() for _ in people]
    # what TicketQR holds: the modules, and their PDF path (kept with them since 0041_qr_path)
    stored = [(m.to_bytes(), m.pdf_path) for m in map(encode, texts)]
    render_badges(people[:20], layout)  # fonts loaded once, as in a running server

    _floor(people[:20], layout)

    print(f"{COUNT} badges, layout {layout.name} ({layout.badges_per_page} per A4 page)")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} (at start)")

    def with_stored_matrices() -> bytes:
        badges = [
            dataclasses.replace(b, qr=QRMatrix.from_bytes(modules, path))
            for b, (modules, path) in zip(people, stored, strict=True)
        ]
        return render_badges(badges, layout)

    def encoding_first() -> bytes:
        badges = [dataclasses.replace(b, qr=encode(t)) for b, t in zip(people, texts, strict=True)]
        return render_badges(badges, layout)

    results = _rounds(
        {
            "floor (reportlab alone)": lambda: _floor(people, layout),
            "text only": lambda: render_badges(people, layout),
            "QR (stored matrices)": with_stored_matrices,
        }
    )
    (cold_time, _), *_ = _rounds({"QR, cold (encode first)": encoding_first}).values()
    floor = results["floor (reportlab alone)"][0]
    text_only = results["text only"][0]
    qr_time, qr_pdf = results["QR (stored matrices)"]

    ratio = qr_time / floor
    size_mb = len(qr_pdf) / 1_000_000
    print()
    print(f"ratio QR / floor: {ratio:.2f}   (target ≤ 8)   {'ok' if ratio <= 8 else 'MISSED'}")
    print(f"ratio QR / text only: {qr_time / text_only:.2f}   (the QR code's own share)")
    print(
        f"PDF size: {size_mb:.2f} MB per 1,000   (target ≤ 1 MB)   {'ok' if size_mb <= 1 else 'MISSED'}"
    )
    print(
        f"cold / text only: {cold_time / text_only:.1f}   (encoding: {(cold_time - qr_time) / COUNT * 1000:.1f} ms a badge, paid once per registration)"
    )
    if "--verify" in sys.argv:
        for dpi in (150, 300):
            _verify(qr_pdf, texts, dpi)


if __name__ == "__main__":
    main()
