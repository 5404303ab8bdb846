"""Signing up from the event's page: a seat while there are some, then the waitlist; one
registration per email, whose personal links keep working; input that is refused and why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from sqlalchemy import func, select

from meetup.directory import viewer
from meetup.events.models import Event
from meetup.extensions import db, limiter
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.mail.services import compose_drafts
from meetup.registrations import emails, services
from meetup.registrations.models import EarlierLink, Registration, RegistrationStatus
from meetup.registrations.tokens import hash_token
from meetup.timeutil import utcnow
from tests.helpers import (
    csrf_from,
    manage_token,
    outbox,
    post_form,
    registration_id,
    registrations,
    sign_up,
    signup_data,
    text_of,
)


@pytest.fixture
def event(make):
    return make.event(make.series(name="Café des entreprenants de Vienne"), capacity=3)


# -- signing up -----------------------------------------------------------------------------


def test_signup_confirms_and_queues_the_confirmation(app, client, event):
    response = sign_up(client, event)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event}/signed-up"
    assert "See you there!" in client.get(response.headers["Location"]).get_data(as_text=True)

    [row] = registrations(app, event)
    assert (row.status, row.email, row.website) == (
        RegistrationStatus.CONFIRMED,
        "marie.dupont@example.org",
        "https://atelier-rhone.fr",
    )
    [message] = outbox(app, "confirmation")
    assert message["To"].addresses[0].addr_spec == "marie.dupont@example.org"
    assert message["Subject"] == "C’est noté\u00a0: Travailler par et sur Internet"
    parts = {part.get_content_type(): part for part in message.walk()}
    assert {"text/plain", "text/html", "image/png", "text/calendar"} <= set(parts)
    html = parts["text/html"].get_content()
    cid = parts["image/png"]["Content-ID"].strip("<>")
    assert f"cid:{cid}" in html
    calendar = Calendar.from_ical(parts["text/calendar"].get_content())
    assert next(iter(calendar.walk("VEVENT")))["uid"] == f"event-{event}@localhost"
    # the personal link in the email is the registration's, and only its hash is stored
    token = manage_token(message)
    assert row.manage_token_hash == hash_token(token)
    assert token not in row.manage_token_hash


def test_the_email_is_in_the_attendees_language(app, client, event):
    sign_up(client, event, language="en", email="zoe@example.org")
    [message] = outbox(app, "confirmation")
    assert "Your seat is booked." in text_of(message)
    sign_up(client, event, language="fr", email="jean@example.org")
    assert "Votre place est réservée." in text_of(outbox(app, "confirmation")[1])


def test_the_fourth_is_waitlisted_then_promoted_when_someone_cancels(app, client, event):
    for n in range(3):
        sign_up(client, event, email=f"p{n}@example.org")
    response = sign_up(client, event, email="waiting@example.org")
    assert "You are on the waitlist" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert [r.status for r in registrations(app, event)][-1] is RegistrationStatus.WAITLISTED
    assert len(outbox(app, "waitlisted")) == 1

    token = manage_token(outbox(app, "confirmation")[0])
    page = client.get(f"/r/{token}").get_data(as_text=True)
    client.post(f"/r/{token}/cancel", data={"csrf_token": csrf_from(page)})
    statuses = {r.email: r.status for r in registrations(app, event)}
    assert statuses["p0@example.org"] is RegistrationStatus.CANCELLED
    assert statuses["waiting@example.org"] is RegistrationStatus.CONFIRMED
    [promoted] = outbox(app, "promoted")
    assert promoted["To"].addresses[0].addr_spec == "waiting@example.org"
    assert {p.get_content_type() for p in promoted.walk()} >= {"image/png", "text/calendar"}
    assert len(outbox(app, "cancelled")) == 1


def test_the_form_of_a_full_evening_says_it_is_the_waitlist(client, make):
    """Someone arriving by a direct link to the form learns it before typing, not after."""
    slug = make.event(make.series(), capacity=1)
    assert "Join the waitlist" not in client.get(f"/events/{slug}/signup").text
    sign_up(client, slug)
    page = client.get(f"/events/{slug}/signup").text
    assert "Full — waitlist open" in page
    assert page.count("Join the waitlist") == 2  # the heading and the button


def test_a_second_signup_resends_the_link_and_looks_the_same(app, client, event):
    first = sign_up(client, event)
    first_page = client.get(first.headers["Location"]).get_data(as_text=True)
    again = sign_up(client, event, email="Marie.Dupont@EXAMPLE.org", first_name="Someone")
    assert again.headers["Location"] == first.headers["Location"]
    again_page = client.get(again.headers["Location"]).get_data(as_text=True)
    # The same page but for the address as typed, shown back so a typo can be seen.
    assert "<strong>marie.dupont@example.org</strong>" in first_page
    assert again_page == first_page.replace("marie.dupont@", "Marie.Dupont@")
    assert "If this address was already registered, that registration stays as it was" in again_page
    [row] = registrations(app, event)
    assert row.first_name == "Marie"  # a stranger cannot overwrite the card
    [link] = outbox(app, "link")
    assert row.manage_token_hash == hash_token(manage_token(link))
    # The first email's link keeps working: nobody can cut it off by signing Marie up again.
    old = manage_token(outbox(app, "confirmation")[0])
    assert client.get(f"/r/{old}").status_code == 200
    made_up = client.get("/r/" + "x" * 43)  # a link that opens nothing says what to do
    assert made_up.status_code == 404 and made_up.headers["Cache-Control"] == "no-store"
    assert "open the most recent email we sent you" in made_up.get_data(as_text=True)


def test_every_link_emailed_keeps_working_until_taken_back(app, client, make, login, monkeypatch):
    """Waitlisted, promoted, signed up again by anyone: each email brings a fresh link (only
    hashes are kept) and the earlier ones still open the page, the newest few of them. The
    organisers' "resend" takes them back; an erasure ends them all."""
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)), capacity=1)
    sign_up(app.test_client(), slug, email="anne@example.org")
    sign_up(app.test_client(), slug, email="bruno@example.org")
    waitlisted = manage_token(outbox(app, "waitlisted")[0])
    anne = manage_token(outbox(app, "confirmation")[0])
    visitor = app.test_client()
    visitor.post(
        f"/r/{anne}/cancel", data={"csrf_token": csrf_from(visitor.get(f"/r/{anne}").text)}
    )
    promoted = manage_token(outbox(app, "promoted")[0])
    for token in (waitlisted, promoted):  # Bruno's first email's link still opens his ticket
        page = app.test_client().get(f"/r/{token}")
        assert page.status_code == 200 and "Votre billet" in page.text

    monkeypatch.setitem(app.config, "SIGNUP_RATE_LIMIT", "100 per minute")
    monkeypatch.setattr(emails, "LINK_AGAIN_INTERVAL", timedelta(0))  # as if hours apart
    for _ in range(services.MAX_EARLIER_LINKS + 1):  # someone keeps signing Bruno up
        sign_up(app.test_client(), slug, email="bruno@example.org", first_name="Intrus")
    again = [manage_token(message) for message in outbox(app, "link")]
    assert "Les liens que nous vous avions envoyés fonctionnent toujours." in text_of(
        outbox(app, "link")[-1]
    )
    for token in again:  # the newest and the ten before it
        assert app.test_client().get(f"/r/{token}").status_code == 200
    # Only the newest few are kept: the waitlist's and the promotion's links have gone.
    for token in (waitlisted, promoted):
        assert app.test_client().get(f"/r/{token}").status_code == 404
    bruno = registration_id(app, "bruno@example.org")
    with app.app_context():
        kept = select(func.count()).where(EarlierLink.registration_id == bruno)
        assert db.session.scalar(kept) == services.MAX_EARLIER_LINKS

    # The organisers send a new link: it takes the earlier ones back (a link forwarded by
    # mistake, a lost phone).
    url = f"/admin/events/{slug}/registrations"
    post_form(client, f"{url}/{bruno}/resend", {}, page=url)
    message = outbox(app, "link")[-1]
    assert "Les liens que nous vous avions envoyés ne fonctionnent plus." in text_of(message)
    fresh = manage_token(message)
    assert app.test_client().get(f"/r/{fresh}").status_code == 200
    for token in again:
        assert app.test_client().get(f"/r/{token}").status_code == 404

    # Erasing Bruno's data ends every link.
    sign_up(app.test_client(), slug, email="bruno@example.org")
    latest = manage_token(outbox(app, "link")[-1])
    erase = app.test_client()
    erase_page = erase.get(f"/r/{fresh}/erase")  # an earlier link may do it too
    erase.post(f"/r/{fresh}/erase", data={"csrf_token": csrf_from(erase_page.text)})
    for token in (fresh, latest):
        assert app.test_client().get(f"/r/{token}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(EarlierLink)) == 0


def test_signing_an_address_up_again_and_again_sends_one_email(app, event, monkeypatch):
    """Anyone can type anyone's address: the form must not flood an inbox."""
    for n in range(4):
        sign_up(app.test_client(), event, first_name=f"Intrus {n}")
    assert len(outbox(app, "link")) == 1
    monkeypatch.setattr(emails, "LINK_AGAIN_INTERVAL", timedelta(0))  # a quarter of an hour on
    sign_up(app.test_client(), event)
    assert len(outbox(app, "link")) == 2


def test_a_phone_stays_known_when_a_newer_link_is_emailed(app, make):
    """What a phone remembers holds while the link it opened does: a newer email (a signup
    again, a promotion) does not sign it out; the organisers taking links back does."""
    slug = make.event(make.series())
    with app.test_request_context():
        row_id = make.registration(slug, token="first-link-0123456789abcdef")
        registration = db.session.get(Registration, row_id)
        viewer.remember(registration, hash_token("first-link-0123456789abcdef"))
        services.new_personal_link(registration)
        db.session.commit()
        assert viewer.current() == registration
        services.resend_link(registration)
        assert viewer.current() is None


def test_signing_up_again_after_cancelling(app, client, event):
    sign_up(client, event)
    token = manage_token(outbox(app, "confirmation")[0])
    client.post(
        f"/r/{token}/cancel",
        data={"csrf_token": csrf_from(client.get(f"/r/{token}").get_data(as_text=True))},
    )
    sign_up(client, event, company="Nouvelle société")
    [row] = registrations(app, event)
    assert (row.status, row.company) == (RegistrationStatus.CONFIRMED, "Nouvelle société")


def test_unicode_names_are_kept_as_typed(app, client, event):
    names = [("Zoë", "O’Brien 🎉"), ("مريم", "العلي"), ("Ģirts", "Ødegård-Nguyễn")]
    for n, (first, last) in enumerate(names):
        sign_up(client, event, first_name=first, last_name=last, email=f"u{n}@example.org")
    assert [(r.first_name, r.last_name) for r in registrations(app, event)] == names
    assert "Bonjour Zoë," in text_of(outbox(app, "confirmation")[0])


def test_the_honeypot_stores_nothing_and_says_nothing(app, client, event):
    response = sign_up(client, event, nickname="I am a bot")
    assert response.headers["Location"] == f"/events/{event}/signed-up"
    assert registrations(app, event) == []
    assert outbox(app) == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "This field is required."),
        ("email", "not-an-email", "This email address is not valid."),
        ("email", "marie@", "This email address is not valid."),
        ("email", "zoë@example.org", "Our emails cannot reach an address with accents"),
        ("visibility", "", "Please choose who may see your card."),
        ("visibility", "everyone", "Not a valid choice."),
        ("sector", "astrology", "Not a valid choice."),
        ("website", "http://", "This does not look like a web address."),
        ("phone", "call me", "Digits, spaces and + only, please."),
        ("last_name", "x" * 81, "At most 80 characters, please: this has 81."),
        ("help_with", "x" * 301, "At most 300 characters, please: this has"),
        ("first_name", "Zoë\x01", "Please remove the invisible control characters."),
    ],
)
def test_bad_input_is_explained_and_nothing_typed_is_lost(
    app, client, event, field, value, message
):
    response = sign_up(client, event, **{field: value}, looking_for="un comptable à Vienne")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert "un comptable à Vienne" in html
    assert "Atelier Rhône Web" in html
    assert registrations(app, event) == []


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from([*signup_data(), "nickname", "csrf_token", "extra"]),
        st.text(max_size=400),
    )
)
def test_arbitrary_input_never_breaks_the_form(app, event, data):
    """Arbitrary text over a valid form (so it reaches the database and the emails)."""
    limiter.reset()  # many examples from one address: the rate limit is tested elsewhere
    client = app.test_client()
    token = csrf_from(client.get(f"/events/{event}/signup").get_data(as_text=True))
    response = client.post(
        f"/events/{event}/signup", data={**signup_data(), **data, "csrf_token": token}
    )
    assert response.status_code in (302, 400, 422)
    with app.app_context():  # what the mail worker does next: every accepted signup's email
        compose_drafts()
        failed = db.session.scalars(
            select(OutboxMessage.last_error).where(OutboxMessage.status == OutboxStatus.FAILED)
        ).all()
    assert failed == []


def test_signup_is_closed_for_past_cancelled_and_draft_events(client, make):
    series = make.series()
    past = make.event(series, starts_at=utcnow() - timedelta(days=2))
    cancelled = make.event(series, status="cancelled")
    draft = make.event(series, status="draft")
    assert client.get(f"/events/{past}/signup").status_code == 302
    assert client.get(f"/events/{cancelled}/signup").status_code == 302
    assert client.get(f"/events/{draft}/signup").status_code == 404


# -- capacity and the waitlist --------------------------------------------------------------


def test_raising_capacity_promotes_in_order(app, client, make, login):
    organiser = login("organiser")
    event_slug = make.event(make.series(team=(organiser,)), capacity=1)
    for n in range(4):
        sign_up(app.test_client(), event_slug, email=f"p{n}@example.org")
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == event_slug))
        event.capacity = 3
        db.session.commit()
        promoted = services.capacity_changed(event)
        assert [p.email for p in promoted] == ["p1@example.org", "p2@example.org"]
    statuses = [r.status for r in registrations(app, event_slug)]
    assert statuses == [RegistrationStatus.CONFIRMED] * 3 + [RegistrationStatus.WAITLISTED]


def test_counts_by_status(app, client, event):
    for n in range(5):
        sign_up(client, event, email=f"p{n}@example.org")
    with app.app_context():
        counts = dict(
            db.session.execute(
                select(Registration.status, func.count()).group_by(Registration.status)
            ).all()
        )
    assert counts == {RegistrationStatus.CONFIRMED: 3, RegistrationStatus.WAITLISTED: 2}


def test_an_address_with_an_international_domain_gets_its_email(app, client, event):
    assert sign_up(client, event, email="marie@exämple.fr").status_code == 302
    [message] = outbox(app, "confirmation")
    assert message["To"].addresses[0].domain == "xn--exmple-cua.fr"
