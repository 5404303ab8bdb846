"""Sharing an evening: "Add to my calendar" links (Google, Outlook), the series' calendar
feed, and the description and Open Graph tags of the public pages."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select

from meetup.events import ical
from meetup.events.models import Event, EventStatus
from meetup.extensions import db
from tests.helpers import log_in

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


# -- the series' calendar feed --------------------------------------------------------------


def _feed(client, series_slug: str):
    response = client.get(f"/series/{series_slug}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("inline")
    calendar = Calendar.from_ical(response.data)
    return calendar, {str(vevent["uid"]): vevent for vevent in calendar.walk("VEVENT")}


def test_series_feed_lists_its_public_evenings_with_their_own_uids(client, make):
    series = make.series(name="Café des entreprenants de Vienne")
    other = make.series(name="Café des entreprenants de Lyon")
    ahead = make.event(
        series, starts_at=datetime(2030, 12, 12, 18, tzinfo=UTC), venue_name="Café du Théâtre"
    )
    past = make.event(series, starts_at=datetime(2020, 1, 9, 18, tzinfo=UTC))
    cancelled = make.event(series, status="cancelled")
    draft = make.event(series, status="draft")
    elsewhere = make.event(other)
    calendar, events = _feed(client, series)
    assert str(calendar["x-wr-calname"]) == "Café des entreprenants de Vienne"
    assert str(calendar["refresh-interval"].to_ical().decode()) == "PT12H"
    assert set(events) == {f"event-{slug}@localhost" for slug in (ahead, past, cancelled)}
    assert f"event-{draft}@localhost" not in events  # a draft is nobody's business yet
    assert f"event-{elsewhere}@localhost" not in events  # nor another series' evenings
    assert events[f"event-{cancelled}@localhost"]["status"] == "CANCELLED"
    assert events[f"event-{ahead}@localhost"]["status"] == "CONFIRMED"
    start = events[f"event-{ahead}@localhost"].decoded("dtstart")
    assert start == datetime(2030, 12, 12, 19, tzinfo=ZoneInfo("Europe/Paris"))
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    # The same UID and SEQUENCE as the evening's own .ics: one entry in the calendar, not two.
    single = next(iter(Calendar.from_ical(client.get(f"/events/{ahead}/calendar.ics").data)
                       .walk("VEVENT")))  # fmt: skip
    assert single["uid"] == events[f"event-{ahead}@localhost"]["uid"]
    assert single["sequence"] == events[f"event-{ahead}@localhost"]["sequence"]
    assert single["summary"] == events[f"event-{ahead}@localhost"]["summary"]


def test_series_feed_follows_a_publication_and_a_cancellation(app, client, make):
    series = make.series()
    slug = make.event(series, status="draft")
    assert _feed(client, series)[1] == {}
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        event.status = EventStatus.PUBLISHED
        db.session.commit()
    assert list(_feed(client, series)[1]) == [f"event-{slug}@localhost"]


def test_series_feed_titles_in_the_readers_language(client, make):
    series = make.series(name="Café de Vienne")
    make.event(series, theme="Le numérique", theme_en="Going digital")
    client.get("/language/en")
    _, english = _feed(client, series)
    assert [str(v["summary"]) for v in english.values()] == ["Café de Vienne — Going digital"]
    client.get("/language/fr")
    _, french = _feed(client, series)
    assert [str(v["summary"]) for v in french.values()] == ["Café de Vienne — Le numérique"]


def test_unknown_series_feed_is_404(client):
    assert client.get("/series/no-such-series/calendar.ics").status_code == 404


def test_series_page_links_to_its_feed(client, make):
    series = make.series()
    client.get("/language/fr")
    page = client.get(f"/series/{series}").get_data(as_text=True)
    assert f'href="/series/{series}/calendar.ics?lang=fr"' in page
    client.get("/language/en")
    page = client.get(f"/series/{series}").get_data(as_text=True)
    assert f'href="/series/{series}/calendar.ics?lang=en"' in page


def test_a_subscribed_feed_keeps_its_language_without_cookies(app, make):
    """A calendar app fetching the feed sends no cookie: the address says the language."""
    series = make.series(name="Café de Vienne")
    make.event(series, theme="Le numérique", theme_en="Going digital")
    for lang, theme in (("en", "Going digital"), ("fr", "Le numérique")):
        response = app.test_client().get(
            f"/series/{series}/calendar.ics?lang={lang}", headers={"Accept-Language": "de"}
        )
        calendar = Calendar.from_ical(response.data)
        assert [str(v["summary"]) for v in calendar.walk("VEVENT")] == [f"Café de Vienne — {theme}"]
    # An unknown language is ignored, not an error.
    assert app.test_client().get(f"/series/{series}/calendar.ics?lang=xx").status_code == 200


# -- description and link-preview tags ------------------------------------------------------


def _meta(page: str) -> dict[str, str]:
    tags = {}
    for _attribute, name, content in re.findall(
        r'<meta (name|property)="([^"]+)" content="([^"]*)">', page
    ):
        tags[name] = html.unescape(content)
    return tags


def test_event_page_has_description_and_open_graph_tags(client, make):
    slug = make.event(
        make.series(name="Café des entreprenants de Vienne"),
        theme="Travailler par et sur Internet",
        theme_en="Working on and through the Internet",
        starts_at=datetime(2030, 12, 12, 18, tzinfo=UTC),
        venue_name="Café du Théâtre",
        venue_address="3 rue Chantelouve, 38200 Vienne",
        description="Une soirée **conviviale** " + "et longue " * 40,
    )
    client.get("/language/fr")
    tags = _meta(client.get(f"/events/{slug}").get_data(as_text=True))
    assert (
        tags["og:title"]
        == tags["twitter:title"]
        == ("Travailler par et sur Internet — Café des entreprenants de Vienne")
    )
    description = tags["description"]
    assert description.startswith(
        "Jeudi 12 décembre 2030, 19:00–21:00 · Café du Théâtre, 3 rue Chantelouve, 38200 Vienne"
        " · Une soirée conviviale et longue"
    )
    assert len(description) <= 200 and description.endswith("…")
    assert tags["og:description"] == tags["twitter:description"] == description
    assert tags["og:url"] == f"http://localhost/events/{slug}"
    assert tags["og:locale"] == "fr_FR" and tags["og:locale:alternate"] == "en_GB"
    assert tags["twitter:card"] == "summary"
    assert "og:image" not in tags  # no image yet
    client.get("/language/en")
    tags = _meta(client.get(f"/events/{slug}").get_data(as_text=True))
    assert tags["og:title"].startswith("Working on and through the Internet — ")
    assert tags["description"].startswith("Thursday, December 12, 2030, 7:00")
    assert tags["og:locale"] == "en_GB"


def test_cancelled_evening_says_so_in_its_description(client, make):
    slug = make.event(make.series(), status="cancelled")
    client.get("/language/en")
    tags = _meta(client.get(f"/events/{slug}").get_data(as_text=True))
    assert tags["description"].startswith("Cancelled: ")


def test_draft_preview_has_no_sharing_tags(client, make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    draft = make.event(series, status="draft")
    log_in(client, organiser)
    page = client.get(f"/events/{draft}").get_data(as_text=True)
    assert "Preview" in page and 'property="og:title"' not in page


def test_series_page_describes_its_next_evening(client, make):
    series = make.series(name="Café des entreprenants de Vienne", description="Un *club*.")
    client.get("/language/fr")
    tags = _meta(client.get(f"/series/{series}").get_data(as_text=True))
    assert tags["og:title"] == "Café des entreprenants de Vienne"
    assert tags["description"] == "Vienne · Un club."
    make.event(series, status="draft", starts_at=datetime(2030, 11, 1, 18, tzinfo=UTC))
    make.event(
        series, starts_at=datetime(2030, 12, 12, 18, tzinfo=UTC), venue_name="Café du Théâtre"
    )
    tags = _meta(client.get(f"/series/{series}").get_data(as_text=True))
    assert tags["description"] == (
        "Prochaine soirée\u00a0: jeudi 12 décembre 2030, 19:00–21:00 · Café du Théâtre · Un club."
    )
    assert tags["og:url"] == f"http://localhost/series/{series}"


def test_shorten_cuts_at_a_word():
    from meetup.events.sharing import shorten

    assert shorten("court") == "court"
    assert shorten("Annulée\u00a0: jeudi") == "Annulée\u00a0: jeudi"
    assert shorten("un  deux\ntrois", 100) == "un deux trois"
    assert shorten("alpha beta gamma delta", 12) == "alpha beta…"
