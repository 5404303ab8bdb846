"""Changes, asked first (issue 19, point 5): editing an evening's time or place says how many
people will be told and lets the organisers choose; nothing is sent about an evening that is
over; when the date changes, the evening's address follows it and the old one answers 301."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select

from meetup.events.models import Event, EventSlugRedirect
from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, log_in, outbox, post_form

DAY = (utcnow() + timedelta(days=20)).date()


def _form(day=DAY, **overrides) -> dict:
    return {
        "title": "Café", "theme": "Travailler par et sur Internet", "date": day.isoformat(),
        "start_time": "19:00", "end_time": "21:00", "capacity": "40",
        "venue_name": "Café du Théâtre", "venue_address": "1 place du Théâtre, Vienne",
        "description": "", "registration_opens_at": "", "registration_closes_at": "",
    } | overrides  # fmt: skip


def _evening(make, day=DAY, status="published"):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,), timezone="UTC")
    starts = datetime(day.year, day.month, day.day, 19, tzinfo=UTC)
    slug = make.event(series, starts_at=starts, status=status, title="Café",
                      venue_name="Café du Théâtre", venue_address="1 place du Théâtre, Vienne")  # fmt: skip
    make.registration(slug, email="seat@example.org", language="en")
    make.registration(slug, email="wait@example.org", status="waitlisted")
    make.registration(slug, email="gone@example.org", status="cancelled")
    return organiser, series, slug


def _changed(app) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "event_changed")
            ).all()
        )


def _event(app, event_id: int) -> Event:
    with app.app_context():
        event = db.session.get(Event, event_id)
        db.session.expunge(event)
        return event


def _id(app, slug) -> int:
    with app.app_context():
        return db.session.scalar(select(Event.id).where(Event.slug == slug))


def test_a_new_time_asks_first_then_tells_or_not(app, client, make):
    organiser, _, slug = _evening(make)
    log_in(client, organiser)
    event_id = _id(app, slug)

    # Asked first: the count, two choices, nothing saved yet, everything typed kept.
    response = post_form(client, f"/admin/events/{slug}/edit", _form(start_time="20:00"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 people registered can be told by email" in html
    assert "Save and tell 2 people" in html and "Save without telling anyone" in html
    assert 'value="20:00"' in html
    assert "address follows" not in html  # same date
    assert _event(app, event_id).starts_at.hour == 19 and _changed(app) == 0

    response = post_form(
        client, f"/admin/events/{slug}/edit", _form(start_time="20:00", notify="yes")
    )
    assert response.status_code == 302
    assert _event(app, event_id).starts_at.hour == 20
    assert {m["To"].addresses[0].addr_spec for m in outbox(app, "event_changed")} == {
        "seat@example.org",
        "wait@example.org",
    }

    # Not telling anyone: saved, nothing queued, and the page says so.
    response = post_form(
        client, f"/admin/events/{slug}/edit", _form(venue_name="La Halle", notify="no")
    )
    assert response.status_code == 302
    assert _event(app, event_id).venue_name == "La Halle" and _changed(app) == 2
    assert "Nobody was told of the change." in client.get(response.headers["Location"]).text

    # A change nobody hears of (the title) is saved at once.
    response = post_form(
        client, f"/admin/events/{slug}/edit", _form(venue_name="La Halle", title="Autre")
    )
    assert response.status_code == 302 and _changed(app) == 2


def test_nothing_is_sent_about_an_evening_that_is_over(app, client, make):
    past = (utcnow() - timedelta(days=3)).date()
    organiser, _, slug = _evening(make, day=past)
    log_in(client, organiser)
    response = post_form(client, f"/admin/events/{slug}/edit", _form(day=past, start_time="18:00"))
    assert response.status_code == 302  # nobody to ask about: saved
    assert _changed(app) == 0
    # Nor when the evening is moved into the past by mistake, even if asked for.
    _, _, slug = _evening(make)
    response = post_form(
        client, f"/admin/events/{slug}/edit", _form(day=past, start_time="18:00", notify="yes")
    )
    assert _changed(app) == 0


def test_a_draft_is_saved_without_asking(app, client, make):
    organiser, _, slug = _evening(make, status="draft")
    log_in(client, organiser)
    response = post_form(client, f"/admin/events/{slug}/edit", _form(start_time="20:00"))
    assert response.status_code == 302 and _changed(app) == 0


def test_a_new_date_moves_the_address_and_the_old_one_redirects(app, client, make):
    organiser, series, slug = _evening(make)
    log_in(client, organiser)
    event_id = _id(app, slug)
    uid_before = _uid(client, slug)
    later = DAY + timedelta(days=7)
    response = post_form(client, f"/admin/events/{slug}/edit", _form(day=later))
    html = response.get_data(as_text=True)
    assert "address follows it" in html
    assert f"http://localhost/events/{slug} will lead to the new one" in response.text
    response = post_form(client, f"/admin/events/{slug}/edit", _form(day=later, notify="yes"))
    new = f"{series}-{later.isoformat()}"
    assert response.headers["Location"] == f"/admin/events/{new}"
    assert _event(app, event_id).slug == new

    # Old links: the page, its sub-pages with their query, the staff pages: 301 to the new.
    anonymous = app.test_client()
    for old, moved in [
        (f"/events/{slug}", f"/events/{new}"),
        (f"/events/{slug}/signup?ref=mail", f"/events/{new}/signup?ref=mail"),
        (f"/events/{slug}/calendar.ics", f"/events/{new}/calendar.ics"),
    ]:
        response = anonymous.get(old)
        assert (response.status_code, response.headers["Location"]) == (301, moved)
    response = client.get(f"/admin/events/{slug}/registrations")
    assert (response.status_code, response.headers["Location"]) == (
        301,
        f"/admin/events/{new}/registrations",
    )
    # A form sent to the old address keeps its method and data (308).
    page = anonymous.get(f"/events/{new}/signup")
    response = anonymous.post(
        f"/events/{slug}/signup", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert (response.status_code, response.headers["Location"]) == (308, f"/events/{new}/signup")
    assert anonymous.get("/events/no-such-evening").status_code == 404

    # Calendars update their entry: the UID stays; the emails carry the new address.
    assert _uid(client, new) == uid_before
    [changed, *_] = outbox(app, "event_changed")
    assert f"/events/{new}" in changed.get_body(("plain",)).get_content()

    # Another evening on the old date does not take the old address.
    other = make.event(series, starts_at=datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=UTC))
    assert other != slug and other.startswith(slug)

    # Moved back: its first address again, the redirect taken back, the newer one redirects.
    response = post_form(client, f"/admin/events/{new}/edit", _form(notify="no"))
    assert _event(app, event_id).slug == slug
    assert app.test_client().get(f"/events/{new}").headers["Location"] == f"/events/{slug}"
    with app.app_context():
        olds = db.session.scalars(select(EventSlugRedirect.old_slug)).all()
    assert olds == [new]
    assert _uid(client, slug) == uid_before


def _uid(client, slug) -> str:
    calendar = Calendar.from_ical(client.get(f"/events/{slug}/calendar.ics").data)
    return str(next(iter(calendar.walk("VEVENT")))["uid"])
