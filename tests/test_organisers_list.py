"""The organisers' registration list: counts, filters and search; cancelling, giving a seat,
resending a link, adding someone by hand; what staff may never see."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import select

from meetup.events.models import Event
from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.privacy.models import ConsentRecord
from meetup.registrations.forms import CONSENT_FIELDS, AddPersonForm
from meetup.registrations.models import Registration, RegistrationStatus, Visibility
from meetup.timeutil import utcnow
from tests.helpers import (
    manage_token,
    outbox,
    post_form,
    registration_id,
    registrations,
    sign_up,
    signup_data,
    text_of,
)

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


def test_organiser_cancels_and_the_waitlist_moves(app, client, organised):
    url = f"/admin/events/{organised}/registrations"
    response = post_form(
        client, f"{url}/{registration_id(app, 'p0@example.org')}/cancel", {}, page=url
    )
    assert response.status_code == 302
    statuses = {r.email: r.status for r in registrations(app, organised)}
    assert statuses["p0@example.org"] is RegistrationStatus.CANCELLED
    assert statuses["p2@example.org"] is RegistrationStatus.CONFIRMED
    assert "L’équipe organisatrice a annulé votre inscription" in text_of(
        outbox(app, "cancelled")[0]
    )


def test_organiser_promotes_beyond_capacity_and_resends_a_link(app, client, organised):
    url = f"/admin/events/{organised}/registrations"
    listing = client.get(url).text
    row = registration_id(app, "p2@example.org")
    # each row's buttons say whose row they act on (they all read "Cancel", "Erase"…)
    assert listing.count(f'aria-describedby="who-{row}"') >= 4 and f'id="who-{row}"' in listing
    post_form(client, f"{url}/{registration_id(app, 'p2@example.org')}/promote", {}, page=url)
    assert all(r.status is RegistrationStatus.CONFIRMED for r in registrations(app, organised))
    post_form(client, f"{url}/{registration_id(app, 'p1@example.org')}/resend", {}, page=url)
    assert len(outbox(app, "link")) == 1


def test_the_organisers_form_has_none_of_the_person_s_consents(app):
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
