"""The attendee's personal page (/r/<token>): their ticket and their card, what it keeps when
input is refused, a cancelled evening, and the ticket link that shows nothing personal."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from meetup.events import services as event_services
from meetup.events.models import Event, EventStatus
from meetup.extensions import db
from meetup.registrations.models import Visibility
from tests.helpers import (
    csrf_from,
    manage_token,
    outbox,
    registrations,
    sign_up,
    signup_data,
)


@pytest.fixture
def event(make):
    return make.event(make.series(name="Café des entreprenants de Vienne"), capacity=3)


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
