"""Sharing an evening: "Add to my calendar" links (Google, Outlook), the series' calendar
feed, and the description and Open Graph tags of the public pages."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from meetup.events import ical

ENTRY = ical.CalendarEntry(
    uid="event-x@localhost",
    title="Café des entreprenants — Travailler & vivre ici ?",
    starts_at=datetime(2030, 12, 12, 18, tzinfo=UTC),
    ends_at=datetime(2030, 12, 12, 20, 30, tzinfo=UTC),
    timezone="Europe/Paris",
    location="Café du Théâtre, 3 rue Chantelouve, 38200 Vienne",
    url="https://meetup.example.org/events/2030-12-12-vienne",
)


def _query(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query, strict_parsing=True).items()}
    return f"{parts.scheme}://{parts.netloc}{parts.path}", query


# -- "Add to my calendar" -------------------------------------------------------------------


def test_google_link_carries_the_evening_in_utc():
    base, query = _query(ical.google_calendar_url(ENTRY))
    assert base == "https://calendar.google.com/calendar/render"
    assert query == {
        "action": "TEMPLATE",
        "text": "Café des entreprenants — Travailler & vivre ici ?",
        "dates": "20301212T180000Z/20301212T203000Z",
        "ctz": "Europe/Paris",
        "location": "Café du Théâtre, 3 rue Chantelouve, 38200 Vienne",
        "details": "https://meetup.example.org/events/2030-12-12-vienne",
    }


def test_outlook_links_personal_and_work_accounts():
    for account, host in (("live", "outlook.live.com"), ("office", "outlook.office.com")):
        base, query = _query(ical.outlook_calendar_url(ENTRY, account))
        assert base == f"https://{host}/calendar/0/deeplink/compose"
        assert query == {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": "Café des entreprenants — Travailler & vivre ici ?",
            "startdt": "2030-12-12T18:00:00Z",
            "enddt": "2030-12-12T20:30:00Z",
            "location": "Café du Théâtre, 3 rue Chantelouve, 38200 Vienne",
            "body": "https://meetup.example.org/events/2030-12-12-vienne",
        }


def test_a_time_given_in_another_zone_is_written_in_utc():
    from zoneinfo import ZoneInfo

    paris = ENTRY.__class__(
        **(
            ENTRY.__dict__
            | {"starts_at": datetime(2030, 7, 1, 19, tzinfo=ZoneInfo("Europe/Paris"))}
        )
    )
    _, query = _query(ical.google_calendar_url(paris))
    assert query["dates"].startswith("20300701T170000Z/")


def _links(page: str) -> dict[str, str]:
    found = {}
    for name in ("google", "outlook", "office"):
        match = re.search(rf'href="([^"]+)" class="calendar-{name}"', page)
        assert match, name
        found[name] = html.unescape(match.group(1))
    return found


def test_event_page_offers_google_and_outlook_beside_the_ics(client, make):
    slug = make.event(
        make.series(name="Café des entreprenants de Vienne"),
        theme="Travailler par et sur Internet",
        theme_en="Working on and through the Internet",
        starts_at=datetime(2030, 12, 12, 18, tzinfo=UTC),
        venue_name="Café du Théâtre",
        venue_address="3 rue Chantelouve, 38200 Vienne",
    )
    client.get("/language/fr")
    page = client.get(f"/events/{slug}").get_data(as_text=True)
    assert f"/events/{slug}/calendar.ics" in page
    links = _links(page)
    _, google = _query(links["google"])
    assert google["text"] == "Café des entreprenants de Vienne — Travailler par et sur Internet"
    assert google["dates"] == "20301212T180000Z/20301212T200000Z"
    assert google["location"] == "Café du Théâtre, 3 rue Chantelouve, 38200 Vienne"
    assert google["details"] == f"http://localhost/events/{slug}"
    # In the reader's language.
    client.get("/language/en")
    links = _links(client.get(f"/events/{slug}").get_data(as_text=True))
    _, outlook = _query(links["outlook"])
    assert outlook["subject"] == (
        "Café des entreprenants de Vienne — Working on and through the Internet"
    )
    _, office = _query(links["office"])
    assert office == outlook


def test_no_calendar_links_for_a_past_or_cancelled_evening(client, make):
    series = make.series()
    past = make.event(series, starts_at=datetime(2020, 1, 9, 18, tzinfo=UTC))
    cancelled = make.event(series, status="cancelled")
    for slug in (past, cancelled):
        page = client.get(f"/events/{slug}").get_data(as_text=True)
        assert "calendar.google.com" not in page
        assert "outlook.live.com" not in page


def test_personal_page_has_the_calendar_links_and_nothing_personal_in_them(client, make):
    slug = make.event(make.series())
    make.registration(
        slug, token="a-personal-token-of-camille-0123456789",
        first_name="Camille", last_name="Sharing", email="camille.sharing@example.org",
    )  # fmt: skip
    page = client.get("/r/a-personal-token-of-camille-0123456789").get_data(as_text=True)
    links = _links(page)
    assert f'href="/events/{slug}/calendar.ics"' in page
    for url in links.values():
        for personal in ("Camille", "Sharing", "camille.sharing", "a-personal-token"):
            assert personal not in url


def test_cancelled_registration_has_no_calendar_links(client, make):
    slug = make.event(make.series())
    make.registration(slug, status="cancelled", token="a-cancelled-token-0123456789abcdef")
    page = client.get("/r/a-cancelled-token-0123456789abcdef").get_data(as_text=True)
    assert "calendar.google.com" not in page
