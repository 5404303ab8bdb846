"""The .ics of an evening: right time zone, stable UID, parsed back with icalendar."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from meetup.markup import markdown_to_text


def _parse(data: bytes):
    calendar = Calendar.from_ical(data)
    return calendar, next(iter(calendar.walk("VEVENT")))


def test_event_calendar_file(client, make):
    series = make.series(name="Café des entreprenants de Vienne")
    slug = make.vienne_evening(series)
    response = client.get(f"/events/{slug}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar, vevent = _parse(response.data)
    start = vevent.decoded("dtstart")
    assert start == datetime(2030, 12, 12, 19, tzinfo=ZoneInfo("Europe/Paris"))
    assert str(start.tzinfo) == "Europe/Paris"
    assert vevent["summary"] == "Café des entreprenants de Vienne — Travailler par et sur Internet"
    assert vevent["location"] == "Café du Théâtre, 3 rue Chantelouve, 38200 Vienne"
    assert vevent["url"] == f"http://localhost/events/{slug}"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    # the same UID every time, so a calendar updates the entry instead of duplicating it
    _, again = _parse(client.get(f"/events/{slug}/calendar.ics").data)
    assert again["uid"] == vevent["uid"] == f"event-{slug}@localhost"


def test_cancelled_event_calendar_says_so(client, make):
    slug = make.event(make.series(), status="cancelled")
    _, vevent = _parse(client.get(f"/events/{slug}/calendar.ics").data)
    assert vevent["status"] == "CANCELLED"


def test_draft_has_no_calendar_file(client, make):
    slug = make.event(make.series(), status="draft")
    assert client.get(f"/events/{slug}/calendar.ics").status_code == 404


def test_event_page_links_to_the_calendar(client, make):
    slug = make.event(make.series())
    assert f"/events/{slug}/calendar.ics" in client.get(f"/events/{slug}").get_data(as_text=True)


def test_the_description_is_plain_text_not_markdown(client, make):
    """Calendars show DESCRIPTION as typed: "**test**" stayed "**test**"."""
    description = (
        "## Programme\n\nUne soirée **conviviale** avec [la CCI](https://cci.fr).\n\n"
        "1. Accueil\n2. Intervention de *Jeanne*\n\n- café\n- croissants"
    )
    slug = make.event(make.series(), description=description)
    _, vevent = _parse(client.get(f"/events/{slug}/calendar.ics").data)
    assert str(vevent["description"]) == (
        "Programme\n\nUne soirée conviviale avec la CCI (https://cci.fr).\n\n"
        "1. Accueil\n2. Intervention de Jeanne\n\n- café\n- croissants"
    )


def test_tables_and_images_stay_readable_as_text():
    source = (
        "| Heure | Quoi |\n|---|---|\n| 19:00 | Accueil |\n| 19:30 | Talk **court** |\n\n"
        "![Le plan du quartier](https://exemple.fr/plan.png)"
    )
    assert markdown_to_text(source) == (
        "Heure | Quoi\n19:00 | Accueil\n19:30 | Talk court\n\nLe plan du quartier"
    )


WORD = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=20)
PATH = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)


@given(WORD, PATH)
def test_emphasis_and_links_lose_their_marks(word, other):
    assert markdown_to_text(f"**{word}** _{other}_") == f"{word} {other}"
    assert markdown_to_text(f"[{word}](https://exemple.fr/{other})") == (
        f"{word} (https://exemple.fr/{other})"
    )


@given(st.text(max_size=300))
def test_any_description_becomes_text_without_error(source):
    assert isinstance(markdown_to_text(source), str)
