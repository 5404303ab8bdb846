"""Badge sheets: 1,000 badges on the 2 × 5 A4 layout, against a text-only baseline, in one run.

Rendered the way the application renders them (meetup.badges.pdf, fonts embedded, one vector
path per QR code drawn from the stored module matrix). Three figures:
  text only  the same badges, same layout and fonts, no QR code (the baseline)
  QR         matrices read back from storage (TicketQR.modules), as when organisers print
  QR, cold   every matrix encoded by `qrcode` first (a fresh import, nothing stored yet)
Each is the best of BENCH_REPEAT runs (default 3). Targets (issue 4): QR ≤ 8 × text only,
≤ 1 MB per 1,000 badges. With --verify, the QR PDF is rasterised at 150 and 300 dpi (pdftoppm)
and zbarimg reads whole pages: the codes it misses are counted (none expected; why it takes
care, see tests/test_badges_pdf.py and pdf._grid_module).
"""

from __future__ import annotations

import dataclasses
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


def _best(label: str, build) -> tuple[float, bytes]:
    times, pdf = [], b""
    for _ in range(REPEAT):
        start = time.perf_counter()
        pdf = build()
        times.append(time.perf_counter() - start)
    best = min(times)
    print(
        f"{label:<26} {best:7.3f} s  {COUNT / best:7.0f} badges/s  {len(pdf) / 1024:7.0f} KB"
        f"   (runs: {', '.join(f'{t:.3f}' for t in times)})"
    )
    return best, pdf


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
    stored = [encode(t).to_bytes() for t in texts]  # what TicketQR.modules holds
    render_badges(people[:20], layout)  # fonts loaded once, as in a running server

    print(f"{COUNT} badges, layout {layout.name} ({layout.badges_per_page} per A4 page)")
    text_only, _ = _best("text only (baseline)", lambda: render_badges(people, layout))

    def with_stored_matrices() -> bytes:
        badges = [
            dataclasses.replace(b, qr=QRMatrix.from_bytes(m))
            for b, m in zip(people, stored, strict=True)
        ]
        return render_badges(badges, layout)

    def encoding_first() -> bytes:
        badges = [dataclasses.replace(b, qr=encode(t)) for b, t in zip(people, texts, strict=True)]
        return render_badges(badges, layout)

    qr_time, qr_pdf = _best("QR (stored matrices)", with_stored_matrices)
    cold_time, _ = _best("QR, cold (encode first)", encoding_first)

    ratio = qr_time / text_only
    size_mb = len(qr_pdf) / 1_000_000
    print()
    print(f"ratio QR / text only: {ratio:.2f}   (target ≤ 8)   {'ok' if ratio <= 8 else 'MISSED'}")
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
