"""Signup, the waitlist, personal links and the emails they cause."""

from __future__ import annotations

import csv
import email
import io
import re
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from email import policy
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from sqlalchemy import func, select

from meetup.events.models import Event, EventStatus
from meetup.extensions import db, limiter
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.mail.services import compose_drafts
from meetup.privacy.models import ConsentRecord
from meetup.registrations import emails, services, spreadsheet
from meetup.registrations.csvio import FORMULA_STARTS, neutralise, parse_import, restore
from meetup.registrations.models import EarlierLink, Registration, RegistrationStatus, Visibility
from meetup.registrations.tokens import hash_token
from meetup.timeutil import utcnow
from tests.helpers import (
    csrf_from,
    manage_token,
    outbox,
    post_form,
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
    assert message["Subject"] == "C’est noté : Travailler par et sur Internet"
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
    bruno = _row_id(app, "bruno@example.org")
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
    from meetup.directory import viewer

    slug = make.event(make.series())
    with app.test_request_context():
        registration_id = make.registration(slug, token="first-link-0123456789abcdef")
        registration = db.session.get(Registration, registration_id)
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
    from datetime import timedelta

    from meetup.timeutil import utcnow

    series = make.series()
    past = make.event(series, starts_at=utcnow() - timedelta(days=2))
    cancelled = make.event(series, status="cancelled")
    draft = make.event(series, status="draft")
    assert client.get(f"/events/{past}/signup").status_code == 302
    assert client.get(f"/events/{cancelled}/signup").status_code == 302
    assert client.get(f"/events/{draft}/signup").status_code == 404


# -- the personal page ----------------------------------------------------------------------


def test_personal_page_shows_the_ticket_and_saves_the_card(app, client, event):
    sign_up(client, event)
    token = manage_token(outbox(app, "confirmation")[0])
    response = client.get(f"/r/{token}")
    html = response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "strict-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert 'src="data:image/png;base64,' in html
    form = signup_data(company="Rhône Web SARL", visibility="community")
    del form["email"]
    response = client.post(f"/r/{token}", data={**form, "csrf_token": csrf_from(html)})
    assert response.status_code == 302
    [row] = registrations(app, event)
    assert (row.company, row.visibility) == ("Rhône Web SARL", Visibility.COMMUNITY)
    assert row.email == "marie.dupont@example.org"
    assert "Our emails to you are now" not in client.get(f"/r/{token}").get_data(as_text=True)
    # Only the emails' language changes: the page says that too.
    html = client.get(f"/r/{token}").get_data(as_text=True)
    form["language"] = "en"
    client.post(f"/r/{token}", data={**form, "csrf_token": csrf_from(html)})
    html = client.get(f"/r/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Our emails to you are now in English." in html


def test_personal_page_keeps_bad_input(app, client, event):
    sign_up(client, event)
    token = manage_token(outbox(app, "confirmation")[0])
    html = client.get(f"/r/{token}").get_data(as_text=True)
    form = {**signup_data(first_name="", company="Gardée SARL"), "csrf_token": csrf_from(html)}
    response = client.post(f"/r/{token}", data=form)
    assert response.status_code == 422
    assert "Gardée SARL" in response.get_data(as_text=True)
    # what to correct, above the form, each a link to its field
    summary = response.text.split("data-error-summary", 1)[1].split("</div>", 1)[0]
    assert '<a href="#first_name">' in summary and "company" not in summary


def test_a_refused_web_address_comes_back_as_typed(client, event):
    """The filter adds https:// to a web address; one refused is shown as the person typed
    it, not with a scheme they never wrote."""
    response = sign_up(client, event, website="pas une url")
    assert response.status_code == 422
    assert 'value="pas une url"' in response.text and "https://pas une url" not in response.text


def test_signup_errors_are_summed_up_with_links_to_their_fields(client, event):
    form = client.get(f"/events/{event}/signup").text
    first_name = re.search(r'<input[^>]*id="first_name"[^>]*>', form).group(0)
    assert 'dir="auto"' in first_name  # a name typed in Arabic aligns and reads as typed
    response = sign_up(client, event, first_name="", visibility="")
    assert response.status_code == 422
    summary = response.text.split("data-error-summary", 1)[1].split("</div>", 1)[0]
    assert '<a href="#first_name">' in summary
    assert '<a href="#visibility-0">' in summary  # the first of the radio buttons
    assert response.text.count('aria-invalid="true"') >= 1 + 3  # the field, the 3 radios


def test_a_cancelled_evening_shows_no_ticket(app, client, event):
    """The organisers cancelled the evening: the personal page, the ticket's QR page and the
    PDF say so instead of offering a ticket that no longer admits anyone."""
    sign_up(client, event)
    token = manage_token(outbox(app, "confirmation")[0])
    [row] = registrations(app, event)
    with app.app_context():
        from meetup.events import services as event_services

        event_services.set_status(
            db.session.scalar(select(Event).where(Event.slug == event)), EventStatus.CANCELLED
        )
        db.session.commit()
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert "This evening is cancelled." in html
    assert 'src="data:image/png;base64,' not in html and "Your ticket" not in html
    assert "Cancel my registration" not in html  # no seat to give back
    assert "My card" in html  # the card stays theirs to change
    assert client.get(f"/r/{token}/ticket.pdf").status_code == 404
    anonymous = app.test_client()
    ticket = anonymous.get(f"/b/{row.ticket_code}", headers={"Accept-Language": "en"}).text
    assert "This evening is cancelled." in ticket and "This is a ticket" not in ticket


@pytest.mark.parametrize("token", ["x", "a" * 43, "a" * 500])
def test_unknown_personal_links_are_404(client, token):
    assert client.get(f"/r/{token}").status_code == 404


def test_ticket_link_shows_the_event_and_nothing_personal(app, client, event):
    sign_up(client, event)
    [row] = registrations(app, event)
    html = client.get(f"/b/{row.ticket_code}").get_data(as_text=True)
    assert "Travailler par et sur Internet" in html
    assert "Dupont" not in html and "marie" not in html.lower()
    assert "Open your personal link (from your confirmation email) once on this phone" in html
    assert client.get("/b/unknown-code").status_code == 404


def test_ticket_code_and_token_carry_no_personal_data(app, client, event):
    sign_up(client, event)
    [row] = registrations(app, event)
    assert len(row.ticket_code) >= 22  # 128 bits
    assert "marie" not in row.ticket_code.lower() and str(row.id) != row.ticket_code


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


# -- the organisers' list -------------------------------------------------------------------


@pytest.fixture
def organised(app, make, login):
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)), capacity=2)
    for n, (first, last, company) in enumerate(
        [("Élodie", "Martin", "Boulangerie du Forum"), ("Karim", "Benali", "Traductions"),
         ("Loïc", "Roux", "Plomberie")]
    ):  # fmt: skip
        sign_up(
            app.test_client(),
            slug,
            first_name=first,
            last_name=last,
            company=company,
            email=f"p{n}@example.org",
        )
    return slug


def test_list_counts_filters_and_search(client, organised):
    url = f"/admin/events/{organised}/registrations"
    html = client.get(url).get_data(as_text=True)
    assert html.index("Martin") < html.index("Roux")  # confirmed first, then the waitlist
    assert "Roux" in client.get(url + "?status=waitlisted").get_data(as_text=True)
    assert "Martin" not in client.get(url + "?status=waitlisted").get_data(as_text=True)
    found = client.get(url + "?q=boulang").get_data(as_text=True)
    assert "Martin" in found and "Benali" not in found
    assert "Nobody matches." in client.get(url + "?q=zzz").get_data(as_text=True)


@pytest.mark.parametrize(
    "typed", ["elodie", "Élodie", "ÉLODIE martin", "  élodie   MARTIN ", "boulangerie FORUM", "p0@"]
)
def test_search_ignores_accents_case_and_spaces_as_the_door_does(client, organised, typed):
    """SQL's lower() knows no accents (SQLite's not even capitals beyond ASCII): "Élodie"
    typed exactly found nobody."""
    found = client.get(
        f"/admin/events/{organised}/registrations", query_string={"q": typed}
    ).get_data(as_text=True)
    assert "Martin" in found and "Benali" not in found and "Roux" not in found


def test_search_keeps_the_status_filter(client, organised):
    url = f"/admin/events/{organised}/registrations"
    assert "Nobody matches." in client.get(url + "?q=loic&status=confirmed").get_data(as_text=True)
    assert "Roux" in client.get(url + "?q=loic&status=waitlisted").get_data(as_text=True)


def _row_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Registration.id).where(Registration.email == email))


def test_organiser_cancels_and_the_waitlist_moves(app, client, organised):
    url = f"/admin/events/{organised}/registrations"
    response = post_form(client, f"{url}/{_row_id(app, 'p0@example.org')}/cancel", {}, page=url)
    assert response.status_code == 302
    statuses = {r.email: r.status for r in registrations(app, organised)}
    assert statuses["p0@example.org"] is RegistrationStatus.CANCELLED
    assert statuses["p2@example.org"] is RegistrationStatus.CONFIRMED
    assert "Les organisateurs ont annulé votre inscription" in text_of(outbox(app, "cancelled")[0])


def test_organiser_promotes_beyond_capacity_and_resends_a_link(app, client, organised):
    url = f"/admin/events/{organised}/registrations"
    listing = client.get(url).text
    row = _row_id(app, "p2@example.org")
    # each row's buttons say whose row they act on (they all read "Cancel", "Erase"…)
    assert listing.count(f'aria-describedby="who-{row}"') >= 4 and f'id="who-{row}"' in listing
    post_form(client, f"{url}/{_row_id(app, 'p2@example.org')}/promote", {}, page=url)
    assert all(r.status is RegistrationStatus.CONFIRMED for r in registrations(app, organised))
    post_form(client, f"{url}/{_row_id(app, 'p1@example.org')}/resend", {}, page=url)
    assert len(outbox(app, "link")) == 1


def test_the_organisers_form_has_none_of_the_person_s_consents(app):
    from meetup.registrations.forms import CONSENT_FIELDS, AddPersonForm

    with app.test_request_context():
        form = AddPersonForm(meta={"csrf": False})
        assert [name for name in ("visibility", *CONSENT_FIELDS) if name in form] == []
        assert "nickname" not in form  # no bots behind a login


def test_organiser_adds_someone_by_hand(app, client, organised):
    url = f"/admin/events/{organised}/registrations/new"
    page = client.get(url).get_data(as_text=True)
    assert 'name="visibility"' not in page  # the person's own choice, from their link
    assert "Language of their emails" in page and "I'm looking for" not in page
    assert "Their ticket and personal link go to this address" in page
    assert "Their business" in page and "Their office" in page and "Your office" not in page
    assert "introduce them to people who work near them" in page
    # signup_data says "attendees": a forged field must not speak for the person
    response = post_form(client, url, signup_data(email="phone.call@example.org"))
    assert response.status_code == 302
    row = next(r for r in registrations(app, organised) if r.email == "phone.call@example.org")
    assert row.status is RegistrationStatus.WAITLISTED  # same rules as the public form
    assert row.visibility is Visibility.NOBODY
    with app.app_context():
        consent = db.session.scalar(
            select(ConsentRecord.value).where(
                ConsentRecord.registration_id == row.id, ConsentRecord.consent == "visibility"
            )
        )
    assert consent == "nobody"
    response = post_form(client, url, signup_data(email="bad"))
    assert response.status_code == 200 and "This email address is not valid." in response.get_data(
        as_text=True
    )


def test_adding_someone_already_registered_says_so_and_emails_nobody(app, client, organised):
    url = f"/admin/events/{organised}/registrations/new"
    post_form(client, url, signup_data(email="phone.call@example.org"))
    before = len(outbox(app))
    response = post_form(client, url, signup_data(email="Phone.Call@example.org"))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Marie Dupont was already registered (waitlisted): nothing changed" in html
    assert "an email is on its way" not in html
    assert len(outbox(app)) == before  # no "someone signed up again" to them
    assert len(registrations(app, organised)) == 1 + 3  # the three of the fixture, and her


def test_replies_to_the_club_s_emails_reach_its_contact_address(app, client, make, login):
    """Reply-To is the series' contact address, which the email says; without one, no
    Reply-To, and no email invites a reply that would reach nobody."""
    organiser = login("organiser")
    with_contact = make.event(
        make.series(team=(organiser,), contact_email="bonjour@club.example.org")
    )
    without = make.event(make.series(team=(organiser,)))
    for slug in (with_contact, without):
        sign_up(app.test_client(), slug, email=f"{slug[-12:]}@example.org", language="en")
        for registration in registrations(app, slug):
            post_form(
                client,
                f"/admin/events/{slug}/registrations/{registration.id}/cancel",
                {},
                page=f"/admin/events/{slug}/registrations",
            )
    confirmed, cancelled = outbox(app, "confirmation"), outbox(app, "cancelled")
    assert confirmed[0]["Reply-To"] == "bonjour@club.example.org"
    assert "it reaches the organisers (bonjour@club.example.org)" in text_of(confirmed[0])
    assert "it reaches the organisers" in confirmed[0].get_body(("html",)).get_content()
    assert "Reply to this email if you think it is a mistake" in text_of(cancelled[0])
    assert confirmed[1]["Reply-To"] is None and cancelled[1]["Reply-To"] is None
    assert "Reply" not in text_of(confirmed[1]) and "reply" not in text_of(confirmed[1])
    assert "tell them at the next evening" in text_of(cancelled[1])


def test_a_registration_of_another_event_is_404(app, client, organised, make):
    other = make.event(make.series())
    make.registrations(other, 1)
    with app.app_context():
        foreign = db.session.scalar(select(Registration.id).join(Event).where(Event.slug == other))
    url = f"/admin/events/{organised}/registrations"
    response = post_form(client, f"{url}/{foreign}/cancel", {}, page=url)
    assert response.status_code == 404


@given(st.text(max_size=20))
def test_what_the_export_escapes_the_import_takes_back_exactly(value):
    assert restore(neutralise(value)) == value
    assert not neutralise(value).startswith(FORMULA_STARTS)


def test_csv_export_neutralises_formulas(app, client, make, login):
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)))
    sign_up(app.test_client(), slug, company='=HYPERLINK("http://evil")', first_name="+33 Zoë")
    response = client.get(f"/admin/events/{slug}/registrations.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # or Excel reads UTF-8 as Windows-1252
    header, row = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    values = dict(zip(header, row, strict=True))
    assert values["Company"] == '\'=HYPERLINK("http://evil")'
    assert values["First name"] == "'+33 Zoë"
    assert values["Email"] == "marie.dupont@example.org"
    assert values["Status"] == "confirmed"


@pytest.mark.parametrize(("language", "delimiter"), [("fr-FR,fr;q=0.9", ";"), ("en-GB", ",")])
def test_csv_export_splits_columns_as_the_organiser_s_spreadsheet_does(
    app, client, make, login, language, delimiter
):
    """French Excel splits on semicolons only: with commas, every row was one cell."""
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)))
    sign_up(app.test_client(), slug, company="Lefèvre, père et fils", first_name="Zoë")
    text = client.get(
        f"/admin/events/{slug}/registrations.csv", headers={"Accept-Language": language}
    ).get_data(as_text=True)
    header, row = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))
    values = dict(zip(header, row, strict=True))
    company, first_name = (
        ("Entreprise", "Prénom") if delimiter == ";" else ("Company", "First name")
    )
    assert (values[company], values[first_name]) == ("Lefèvre, père et fils", "Zoë")
    # and the organisers' own import reads it back
    with app.test_request_context():
        _unknown, rows = parse_import(text, spreadsheet.import_columns())
    assert rows[0]["company"] == "Lefèvre, père et fils"


@pytest.mark.parametrize(
    ("language", "separator", "delimiter", "offered"),
    [
        ("en-GB", "semicolon", ";", "Spreadsheet set up in French?"),
        ("fr-FR", "comma", ",", "Tableur réglé en anglais ?"),
        ("en-GB", "tab'><script>", ",", "Spreadsheet set up in French?"),  # unknown: the default
    ],
)
def test_csv_export_with_the_other_separator(
    app, client, make, login, language, separator, delimiter, offered
):
    """An English page with Excel in French (or the reverse): the list offers the other
    separator, and the export takes it."""
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)))
    sign_up(app.test_client(), slug, company="Lefèvre, père et fils")
    headers = {"Accept-Language": language}
    page = client.get(f"/admin/events/{slug}/registrations", headers=headers).get_data(as_text=True)
    assert offered in page
    response = client.get(
        f"/admin/events/{slug}/registrations.csv",
        query_string={"separator": separator},
        headers=headers,
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True).removeprefix("\ufeff")
    header, row = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert "Lefèvre, père et fils" in dict(zip(header, row, strict=True)).values()


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
    assert f"http://localhost/events/{slug}" in text_of(seat)
    assert "Lost it? Sign up again with the same address" in text_of(seat)


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
    from meetup.mail import services as mail_services
    from meetup.mail.delivery import FileTransport

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
    assert all(str(m["Subject"]).startswith(("On again: ", "Rétablie : ")) for m in back)
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


# -- CSV import -----------------------------------------------------------------------------

GOOD_CSV = (
    "prénom;nom;e-mail;entreprise;couleur préférée\n"
    "Élodie;Martin;elodie@example.org;Boulangerie du Forum;bleu\n"
    "Karim;Benali;karim@example.org;Traductions;\n"
    "Loïc;Roux;loic@example.org;;\n"
)


def _upload(client, slug, text, send_emails=True):
    url = f"/admin/events/{slug}/registrations/import"
    token = csrf_from(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "file": (io.BytesIO(text.encode("utf-8")), "list.csv")}
    if send_emails:
        data["send_emails"] = "y"
    return client.post(url, data=data, content_type="multipart/form-data")


def _hidden_csv(html: str) -> str:
    return unescape(re.search(r'name="csv_text" type="hidden" value="([^"]*)"', html).group(1))


@pytest.fixture
def importing(app, make, login):
    organiser = login("organiser")
    return make.event(make.series(team=(organiser,)), capacity=2)


def test_import_previews_then_imports_everything(app, client, importing):
    response = _upload(client, importing, GOOD_CSV)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 rows read." in html and "couleur préférée" in html
    # Said before importing, not found out after: the evening has 2 seats for 3 people.
    assert "Seats left: 2, for the first people of the file. The rest of it (1) joins" in html
    assert registrations(app, importing) == []  # nothing before the confirmation
    response = client.post(
        f"/admin/events/{importing}/registrations/import/confirm",
        data={
            "csrf_token": csrf_from(html),
            "csv_text": re.search(r'name="csv_text" type="hidden" value="([^"]*)"', html)
            .group(1)
            .replace("&#34;", '"'),
            "send_emails": "1",
        },
    )
    assert response.status_code == 302
    rows = registrations(app, importing)
    assert [(r.first_name, r.status.value, r.visibility.value, r.source.value) for r in rows] == [
        ("Élodie", "confirmed", "nobody", "import"),
        ("Karim", "confirmed", "nobody", "import"),
        ("Loïc", "waitlisted", "nobody", "import"),
    ]
    assert len(outbox(app, "confirmation")) == 2 and len(outbox(app, "waitlisted")) == 1


def test_import_with_a_bad_row_imports_nothing(app, client, importing):
    text = GOOD_CSV + "Anne;;pas-un-email;;\nKarim;Bis;KARIM@example.org;;\n"
    response = _upload(client, importing, text)
    html = response.get_data(as_text=True)
    assert "Nothing was imported." in html
    assert "This email address is not valid." in html
    assert "This email appears twice in the file." in html
    assert 'name="csv_text"' not in html  # no way to confirm
    assert registrations(app, importing) == []
    # ... but the corrected file can be chosen right here.
    assert 'type="file"' in html and "Check the corrected file" in html
    response = client.post(
        f"/admin/events/{importing}/registrations/import",
        data={"csrf_token": csrf_from(html), "file": (io.BytesIO(GOOD_CSV.encode()), "list.csv")},
        content_type="multipart/form-data",
    )
    assert "3 rows read." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "The file is empty."), ("name,company\nA,B\n", "No email column")],
)
def test_import_refuses_unreadable_files(client, importing, text, message):
    response = _upload(client, importing, text)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_import_leaves_people_already_registered_alone(app, client, importing):
    sign_up(app.test_client(), importing, email="karim@example.org", company="Avant")
    html = _upload(client, importing, GOOD_CSV).get_data(as_text=True)
    assert "1 person is already registered" in html
    token = csrf_from(html)
    csv_text = _hidden_csv(html)
    client.post(
        f"/admin/events/{importing}/registrations/import/confirm",
        data={"csrf_token": token, "csv_text": csv_text, "send_emails": ""},
    )
    rows = {r.email: r for r in registrations(app, importing)}
    assert rows["karim@example.org"].company == "Avant"
    assert len(rows) == 3
    assert outbox(app, "waitlisted") == []  # no emails asked for this time


def _export(client, slug: str, language: str) -> tuple[list[str], list[dict[str, str]], str]:
    text = client.get(
        f"/admin/events/{slug}/registrations.csv", headers={"Accept-Language": language}
    ).get_data(as_text=True)
    header, *rows = csv.reader(
        io.StringIO(text.removeprefix("\ufeff")), delimiter=";" if language == "fr" else ","
    )
    return header, [dict(zip(header, row, strict=True)) for row in rows], text


def test_the_export_reads_as_words_in_the_organiser_s_language(app, client, make, login):
    """Column names, statuses, choices and yes/no as a person reads them; times of day in the
    evening's time zone, as a spreadsheet takes them."""
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)), capacity=1)
    sign_up(app.test_client(), slug, language="en", share_email="y", accept_introductions="y")
    sign_up(app.test_client(), slug, email="late@example.org", first_name="Loïc")
    header, (marie, loic), _text = _export(client, slug, "en")
    assert header[:4] == ["First name", "Last name", "Email", "Company"]
    assert marie["Sector"] == "Digital, web and software" and marie["Language"] == "English"
    assert (marie["Status"], marie["Registered through"], marie["Card seen by"]) == (
        "confirmed",
        "signup form",
        "people who came",
    )
    assert (marie["Shares their email"], marie["Shares their phone"]) == ("yes", "no")
    assert (marie["Came"], marie["Arrived at"], marie["Door"]) == ("no", "", "")
    assert loic["Status"] == "waitlisted"
    with app.app_context():
        created = db.session.scalar(
            select(Registration.created_at).where(Registration.email == "late@example.org")
        )
    paris = created.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d %H:%M")
    assert loic["Registered at"] == paris
    _header, (marie_fr, _loic), _text = _export(client, slug, "fr")
    assert (marie_fr["Secteur d’activité"], marie_fr["Statut"], marie_fr["Venu·e"]) == (
        "Numérique, web et logiciel",
        "confirmée",
        "non",
    )


def test_the_export_shows_everything_the_attendee_told_and_chose():
    """A field added to the profile (services.Profile) must get its column."""
    shown = {column.shows for column in spreadsheet.COLUMNS}
    assert {f.name for f in fields(services.Profile)} <= shown


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_import_help_s_column_names_are_all_read(app, language):
    """The import form lists the columns it reads: each one it names is one it reads."""
    from flask_babel import force_locale

    from meetup.registrations.forms import ImportForm

    with app.test_request_context(), force_locale(language):
        help_text = str(ImportForm.file.kwargs["description"])
        listed = help_text.split(": ", 1)[1].split(": ", 1)[0].replace(" (required)", "")
        listed = listed.replace(" (obligatoires)", "").replace(" :", "")
        names = [name.strip() for name in listed.split(",")]
        unknown, _rows = parse_import(";".join(names) + "\n", spreadsheet.import_columns())
    assert len(names) == 14 and unknown == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_last_month_s_export_is_this_month_s_import(app, client, make, login, language):
    """The export, in either language, goes back in through the import: the attendee's
    columns are found by their names, the sector and the language by theirs; their consents
    are theirs to give again (the card stays visible to nobody)."""
    organiser = login("organiser")
    series = make.series(team=(organiser,))
    last_month, this_month = make.event(series), make.event(series)
    sign_up(app.test_client(), last_month, language="en", visibility="community")
    _header, _rows, text = _export(client, last_month, language)
    html = _upload(client, this_month, text).get_data(as_text=True)
    assert "1 row read." in html and "Nothing was imported." not in html
    client.post(
        f"/admin/events/{this_month}/registrations/import/confirm",
        data={"csrf_token": csrf_from(html), "csv_text": _hidden_csv(html), "send_emails": ""},
    )
    (imported,) = registrations(app, this_month)
    assert (imported.first_name, imported.email, imported.company, imported.help_with) == (
        "Marie",
        "marie.dupont@example.org",
        "Atelier Rhône Web",
        "sites vitrines",
    )
    assert (imported.sector, imported.language, imported.website) == (
        "digital",
        "en",
        "https://atelier-rhone.fr",
    )
    assert imported.visibility.value == "nobody" and imported.source.value == "import"


def test_staff_never_see_an_attendees_personal_link(app, client, make, login):
    """The outbox shows what was sent, minus the token that would let staff act as the attendee."""
    organiser = login("organiser")
    slug = make.event(make.series(team=(organiser,)))
    sign_up(app.test_client(), slug)
    token = manage_token(outbox(app, "confirmation")[0])
    with app.app_context():
        message_id = db.session.scalar(select(OutboxMessage.id))
    page = client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    download = client.get(f"/admin/outbox/{message_id}.eml").data
    assert token not in page and token.encode() not in download
    assert "http://localhost/r/…" in page
    parsed = email.message_from_bytes(download, policy=policy.default)
    assert "http://localhost/r/…" in parsed.get_body(("html",)).get_content()


def test_an_address_with_an_international_domain_gets_its_email(app, client, event):
    assert sign_up(client, event, email="marie@exämple.fr").status_code == 302
    [message] = outbox(app, "confirmation")
    assert message["To"].addresses[0].domain == "xn--exmple-cua.fr"


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
    }  # fmt: skip
    response = post_form(client, f"/admin/events/{slug}/edit", form)
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    message = "4 people already have a seat, more than the 2 places set. Nobody loses their seat"
    assert (message in html) is warned
    # Saved again (the description, say) without lowering it: nothing to say this time.
    response = post_form(client, f"/admin/events/{slug}/edit", form | {"description": "Bis"})
    assert "Nobody loses their seat" not in client.get(response.headers["Location"]).text


def test_arrival_filters_wait_for_the_evening(client, make, login):
    """Before the evening nobody has failed to come: no "had a seat, did not come: 3"."""
    organiser = login("organiser")
    series = make.series(team=(organiser,))
    later = make.event(series, starts_at=utcnow() + timedelta(days=3))
    begun = make.event(series, starts_at=utcnow() - timedelta(minutes=20))
    for slug in (later, begun):
        make.registration(slug)
    assert "did not come" not in client.get(f"/admin/events/{later}/registrations").text
    assert "did not come" in client.get(f"/admin/events/{begun}/registrations").text
