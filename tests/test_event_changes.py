"""When the evening changes: a move, a cancellation, a reinstatement, a lower capacity. Who is
told by email, and who is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from meetup.events.models import Event
from meetup.extensions import db
from meetup.mail import services as mail_services
from meetup.mail.delivery import FileTransport
from meetup.mail.services import compose_drafts
from meetup.registrations import services
from meetup.timeutil import utcnow
from tests.helpers import (
    outbox,
    post_form,
    sign_up,
    text_of,
)

# -- when the event changes -----------------------------------------------------------------


def test_a_confirmation_written_out_after_a_move_shows_the_new_time(app, make, login):
    """The worker composes drafts when it sends them: a confirmation still waiting when the
    evening moves carries the new time (and the move's own email follows it)."""
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)), capacity=5)
    sign_up(app.test_client(), slug, email="early@example.org", language="en")
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        new_start = event.starts_at + timedelta(days=7)
        services.update_event_and_notify(
            event, starts_at=new_start, ends_at=new_start + timedelta(hours=2)
        )
    [confirmation] = outbox(app, "confirmation")
    calendar = next(p for p in confirmation.walk() if p.get_content_type() == "text/calendar")
    vevent = next(iter(Calendar.from_ical(calendar.get_content()).walk("VEVENT")))
    assert vevent.decoded("dtstart") == new_start
    assert len(outbox(app, "event_changed")) == 1


def test_moving_the_event_tells_everyone_registered(app, client, make, login):
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)), capacity=1)
    sign_up(app.test_client(), slug, email="seat@example.org", language="en")
    sign_up(app.test_client(), slug, email="waiting@example.org", language="en")
    with app.app_context():
        assert compose_drafts() == 2  # the worker writes the confirmation out before the move
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        new_start = event.starts_at + timedelta(days=7)
        told = services.update_event_and_notify(
            event, starts_at=new_start, ends_at=new_start + timedelta(hours=2)
        )
    assert told == 2
    changed = {m["To"].addresses[0].addr_spec: m for m in outbox(app, "event_changed")}
    assert set(changed) == {"seat@example.org", "waiting@example.org"}
    seat = changed["seat@example.org"]
    assert "Your seat is kept." in text_of(seat)
    calendar = next(p for p in seat.walk() if p.get_content_type() == "text/calendar")
    vevent = next(iter(Calendar.from_ical(calendar.get_content()).walk("VEVENT")))
    assert vevent.decoded("dtstart") == new_start
    first = next(
        p for p in outbox(app, "confirmation")[0].walk() if p.get_content_type() == "text/calendar"
    )
    first_event = next(iter(Calendar.from_ical(first.get_content()).walk("VEVENT")))
    assert vevent["uid"] == first_event["uid"]
    assert vevent["sequence"] > first_event["sequence"]  # calendars replace the entry
    assert "still on the waitlist" in text_of(changed["waiting@example.org"])
    # Where the personal link is, and how to get it again (signing up again sends it).
    assert "http://localhost/r/\r\n" in text_of(seat)  # "send me my link again"
    assert "Lost it? Type your address here" in text_of(seat)


def test_a_title_change_alone_sends_nothing(app, make):
    slug = make.event(make.series())
    make.registrations(slug, 2)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        assert services.update_event_and_notify(event, title="Nouveau titre") == 0
    assert outbox(app) == []


def test_cancelling_a_published_event_tells_everyone(app, client, make, login):
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)))
    make.registrations(slug, 3)
    make.registrations(slug, 1, status="cancelled")
    response = post_form(client, f"/admin/events/{slug}/cancel", {}, page=f"/admin/events/{slug}")
    assert response.status_code == 302
    cancelled = outbox(app, "event_cancelled")
    assert len(cancelled) == 3
    calendar = next(p for p in cancelled[0].walk() if p.get_content_type() == "text/calendar")
    assert (
        next(iter(Calendar.from_ical(calendar.get_content()).walk("VEVENT")))["status"]
        == "CANCELLED"
    )


def _send_the_outbox(app, tmp_path) -> None:
    with app.app_context():
        mail_services.deliver_due(FileTransport(tmp_path / "mail"))


def test_reinstating_a_cancelled_event_tells_those_told_it_was_cancelled(
    app, client, make, login, tmp_path
):
    """Cancelled by mistake: the people told it was cancelled (and whose calendars dropped
    it) hear it is on again, seat or waitlist as before; nobody else."""
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)), capacity=2)
    make.registrations(slug, 2)
    make.registrations(slug, 1, status="waitlisted")
    make.registrations(slug, 1, status="cancelled")
    page = f"/admin/events/{slug}"
    post_form(client, f"{page}/cancel", {}, page=page)
    _send_the_outbox(app, tmp_path)
    html = client.get(page).text
    assert "Reinstate the evening" in html and ">Publish<" not in html
    assert "seats left" not in html and "seat left" not in html  # no seats to sell
    response = post_form(client, f"{page}/publish", {}, page=page)
    assert response.status_code == 302
    back = outbox(app, "event_reinstated")
    assert len(back) == 3  # not the one who had cancelled
    assert all(str(m["Subject"]).startswith(("On again: ", "Rétablie\u00a0: ")) for m in back)
    texts = [text_of(m) for m in back]
    assert sum("waitlist" in t or "liste d’attente" in t for t in texts) == 1
    calendar = next(p for p in back[0].walk() if p.get_content_type() == "text/calendar")
    vevent = next(iter(Calendar.from_ical(calendar.get_content()).walk("VEVENT")))
    assert vevent["status"] == "CONFIRMED"


def test_reinstated_before_the_cancellation_left_nobody_hears_either(app, client, make, login):
    """Cancelled by mistake and put back at once: the cancellations still in the outbox
    are withdrawn, and there is no news to send."""
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)))
    make.registrations(slug, 2)
    page = f"/admin/events/{slug}"
    post_form(client, f"{page}/cancel", {}, page=page)
    assert len(outbox(app, "event_cancelled")) == 2
    post_form(client, f"{page}/publish", {}, page=page)
    assert outbox(app, "event_cancelled") == [] and outbox(app, "event_reinstated") == []


def test_a_draft_cancelled_then_published_tells_nobody(app, client, make, login, tmp_path):
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)), status="draft")
    make.registrations(slug, 2)
    page = f"/admin/events/{slug}"
    post_form(client, f"{page}/cancel", {}, page=page)
    _send_the_outbox(app, tmp_path)
    post_form(client, f"{page}/publish", {}, page=page)
    assert outbox(app) == []


def test_through_a_draft_and_a_second_time_too(app, client, make, tmp_path):
    """Cancelled (and told), back to draft, published through the API: they hear it is on
    again; cancelled and reinstated twice: each time, once."""
    organiser = make.user("organiser")
    slug = make.event(make.series(team=(organiser,)))
    make.registrations(slug, 2)
    token = {"Authorization": f"Bearer {make.api_token(organiser)}"}

    def status(value: str) -> None:
        response = client.patch(f"/api/v1/events/{slug}", json={"status": value}, headers=token)
        assert response.status_code == 200, response.text
        _send_the_outbox(app, tmp_path)

    for step in ("cancelled", "draft", "published"):
        status(step)
    assert len(outbox(app, "event_reinstated")) == 2
    for step in ("cancelled", "published"):
        status(step)
    assert (len(outbox(app, "event_cancelled")), len(outbox(app, "event_reinstated"))) == (4, 4)


def test_nothing_is_sent_about_an_evening_already_over(app, client, make, login):
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)), starts_at=utcnow() - timedelta(days=2))
    make.registrations(slug, 2)
    page = f"/admin/events/{slug}"
    post_form(client, f"{page}/cancel", {}, page=page)  # tidying the records
    post_form(client, f"{page}/publish", {}, page=page)
    assert outbox(app) == []


def test_api_patch_moving_the_event_tells_everyone(app, client, make):
    organiser = make.user("organiser")
    slug = make.event(make.series(team=(organiser,)))
    make.registrations(slug, 2)
    response = client.patch(
        f"/api/v1/events/{slug}",
        json={"venue_name": "Salle des fêtes"},
        headers={"Authorization": f"Bearer {make.api_token(organiser)}"},
    )
    assert response.status_code == 200
    assert len(outbox(app, "event_changed")) == 2


@pytest.mark.parametrize(("capacity", "warned"), [("2", True), ("4", False), ("6", False)])
def test_capacity_below_the_seats_given_says_what_happens(client, make, login, capacity, warned):
    organiser = login("organiser")
    day = (utcnow() + timedelta(days=14)).date()
    slug = make.event(
        make.series(team=(organiser,)),
        capacity=4,
        starts_at=datetime(day.year, day.month, day.day, 18, tzinfo=UTC),
    )
    for n in range(4):
        sign_up(client, slug, email=f"p{n}@example.org")
    form = {
        "title": "Café", "theme": "", "date": day.isoformat(), "start_time": "19:00",
        "end_time": "21:30", "capacity": capacity, "venue_name": "Café du Théâtre",
        "description": "", "registration_opens_at": "", "registration_closes_at": "",
        "notify": "yes",  # the place is typed anew: those registered are asked about first
    }  # fmt: skip
    response = post_form(client, f"/admin/events/{slug}/edit", form)
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    message = "4 people already have a seat, more than the 2 places set. Nobody loses their seat"
    assert (message in html) is warned
    # Saved again (the description, say) without lowering it: nothing to say this time.
    response = post_form(client, f"/admin/events/{slug}/edit", form | {"description": "Bis"})
    assert "Nobody loses their seat" not in client.get(response.headers["Location"]).text
