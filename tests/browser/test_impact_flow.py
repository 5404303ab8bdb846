"""An organiser opens what the club achieved on a phone, then makes the impact report: the
charts and the PDF's pages are saved as PNG (test-artifacts/) to be looked at."""

from __future__ import annotations

import random
import re
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from meetup.registrations.models import Source
from tests.browser.helpers import ARTIFACTS, log_in, screenshot

pytestmark = pytest.mark.browser

#: (postcode, town, centre, people): two districts too small to be shown.
DISTRICTS = (
    ("38200", "Vienne", (45.5255, 4.8745), 22),
    ("38780", "Pont-Évêque", (45.5330, 4.9100), 6),
    ("69560", "Saint-Romain-en-Gal", (45.5320, 4.8610), 5),
    ("38138", "Les Côtes-d'Arey", (45.4560, 4.8650), 2),
    ("69001", "Lyon", (45.7640, 4.8357), 1),
)
SECTORS = ("digital", "consulting", "craft", "food", "retail", "finance", "")


def _club(make, organiser) -> str:
    """Two years of monthly evenings, regulars and newcomers, from several districts."""
    rng = random.Random(21)
    series = make.series(team=(organiser,), name="Café des entreprenants de Vienne")
    people = []
    for postcode, town, (lat, lon), count in DISTRICTS:
        for _ in range(count):
            n = len(people)
            people.append(
                {
                    "first_name": f"Personne{n}",
                    "last_name": "Secrète",
                    "email": f"person{n}@example.org",
                    "company": f"Entreprise Confidentielle {n}",
                    "sector": SECTORS[n % len(SECTORS)],
                    "street": f"{n} rue Cachée",
                    "postcode": postcode,
                    "city": town,
                    "latitude": lat + rng.uniform(-0.004, 0.004),
                    "longitude": lon + rng.uniform(-0.005, 0.005),
                }
            )
    start = datetime(2025, 1, 16, 18, 0, tzinfo=UTC)
    for month in range(18):
        when = start + timedelta(days=28 * month)
        event = make.event(series, starts_at=when)
        for n, card in enumerate(people):
            if rng.random() > 0.35 + 0.3 * (n % 3 == 0):
                continue
            came = rng.random() > 0.12
            fields = dict(card)
            if came:
                fields["checked_in_at"] = when + timedelta(minutes=5)
                if rng.random() < 0.1:
                    fields["source"] = Source.WALK_IN
            make.registration(event, **fields)
    return series


def test_the_dashboard_in_english_on_a_desk(page, make):
    organiser = make.user("organiser")
    series = _club(make, organiser)
    log_in(page, organiser)
    page.goto(f"/admin/series/{series}/impact")
    page.locator("a[hreflang=en]").click()
    expect(page.locator("h1")).to_have_text("What the club achieved")
    expect(page.locator("#sectors-caption")).to_contain_text("Sectors")
    screenshot(page, "impact-dashboard-desktop-en")


def test_organiser_sees_the_charts_on_a_phone_and_makes_the_report(phone, make):
    organiser = make.user("organiser")
    series = _club(make, organiser)
    log_in(phone, organiser)
    phone.goto(f"/admin/series/{series}")
    phone.get_by_role("link", name=re.compile("club")).click()
    expect(phone).to_have_url(re.compile(rf"/admin/series/{series}/impact$"))
    expect(phone.locator("figure.impact-chart")).to_have_count(6)
    # Each chart's table is there for screen readers, with the chart's numbers.
    expect(phone.locator("figure.impact-chart table")).to_have_count(6)
    screenshot(phone, "impact-dashboard-phone")
    # Nothing wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # A bad period: said beside the field, what was typed kept.
    phone.fill("#start", "2025-06-01")
    phone.fill("#end", "2025-01-01")
    phone.locator("#report form button[type=submit]").click()
    expect(phone.locator("#end-error")).to_be_visible()
    expect(phone.locator("#start")).to_have_value("2025-06-01")

    response = phone.request.get(f"/admin/series/{series}/impact/report.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "impact-report.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout
    assert b"Secr" not in text and b"Confidentielle" not in text and b"example.org" not in text
    assert text.count(b"\f") == 3  # the title page, 2025, 2026
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(pdf), str(ARTIFACTS / "impact-report")], check=True
    )
