"""Door phones paired by a QR code: the QR decodes to a single-use link; the phone runs that
evening's door and nothing else, until 12 hours after it or its revocation."""

from __future__ import annotations

import base64
import contextlib
import re
from datetime import timedelta
from unittest import mock

import pytest
from sqlalchemy import select
from werkzeug.http import parse_date

from meetup.auth import cookie
from meetup.auth.models import DoorPhone, User
from meetup.checkin import pairing
from meetup.events import services as event_services
from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, log_in, post_form
from tests.scanning import decode, require_tools

LINK = re.compile(
    r'id="pairing-link" class="pairing-link">http://localhost(/p/[A-Za-z0-9_-]{20,})<'
)
QR = re.compile(r'src="data:image/png;base64,([^"]+)"[^>]*id="pairing-qr"')


@pytest.fixture
def evening(make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    now = utcnow()
    tonight = make.event(series, starts_at=now - timedelta(minutes=20))
    other = make.event(series, starts_at=now + timedelta(days=3))
    people = {
        "marie": make.registration(tonight, first_name="Marie", last_name="Dupont"),
        "nina": make.registration(other, first_name="Nina", last_name="Autresoir"),
    }
    return {"organiser": organiser, "series": series, "tonight": tonight, "other": other, "people": people}  # fmt: skip


def _code_of(app, registration_id: int) -> str:
    with app.app_context():
        return db.session.get(Registration, registration_id).ticket_code


def _add_phone(client, slug: str):
    return post_form(client, f"/admin/events/{slug}/door-phones", {}, page=f"/admin/events/{slug}")


def _phone(app):
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return browser


def _pair(app, path: str):
    phone = _phone(app)
    assert phone.get(path).status_code == 200
    response = post_form(phone, path, {})
    return phone, response


def _scan(phone, slug: str, code: str):
    token = csrf_from(phone.get(f"/door/{slug}").get_data(as_text=True))
    return phone.post(
        f"/door/{slug}/scan",
        data={"code": code, "csrf_token": token},
        headers={"Accept": "application/json"},
    )


def test_a_phone_paired_by_the_qr_code_runs_that_evenings_door(app, client, evening, tmp_path):
    log_in(client, evening["organiser"])
    event_page = client.get(f"/admin/events/{evening['tonight']}").get_data(as_text=True)
    assert "Add a door phone" in event_page
    page = _add_phone(client, evening["tonight"])
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    path = LINK.search(html).group(1)
    # The QR code holds the same link, and nothing else.
    require_tools()
    image = tmp_path / "pairing.png"
    image.write_bytes(base64.b64decode(QR.search(html).group(1)))
    assert decode([image]) == [f"http://localhost{path}"]
    with app.app_context():
        stored = db.session.scalar(select(DoorPhone))
        assert stored.code_hash and path.rsplit("/", 1)[1] not in stored.code_hash

    phone, response = _pair(app, path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/door/{evening['tonight']}"
    screen = phone.get(f"/door/{evening['tonight']}").get_data(as_text=True)
    assert 'value="Door 1"' in screen  # the door's name, for "already in at 19:04 (Door 1)"
    assert phone.get("/door/").headers["Location"] == f"/door/{evening['tonight']}"
    marie = _code_of(app, evening["people"]["marie"])
    answer = _scan(phone, evening["tonight"], marie).get_json()["answer"]
    assert answer["tone"] == "ok"
    with app.app_context():
        assert db.session.get(Registration, evening["people"]["marie"]).checked_in_door == "Door 1"
    # Listed for the organisers, paired.
    listing = client.get(f"/admin/events/{evening['tonight']}/door-phones").get_data(as_text=True)
    assert "Door 1" in listing and "paired at" in listing
    assert "pairing-link" not in listing  # the code is shown once, on adding
    # The link paired one phone: a second one gets a clear page.
    second = _phone(app).get(path)
    assert second.status_code == 404
    assert "used already" in second.get_data(as_text=True)
    # A second phone is Door 2.
    html = _add_phone(client, evening["tonight"]).get_data(as_text=True)
    assert "Pair Door 2" in html


def test_a_paired_phone_can_do_nothing_else(app, client, evening, make):
    log_in(client, evening["organiser"])
    path = LINK.search(_add_phone(client, evening["tonight"]).get_data(as_text=True)).group(1)
    phone, _response = _pair(app, path)
    other = evening["other"]
    assert phone.get(f"/door/{other}").status_code == 403  # another evening of the series
    for url in ("/admin/", f"/admin/events/{evening['tonight']}", "/admin/tokens", "/admin/users",
                f"/admin/events/{evening['tonight']}/registrations", f"/admin/series/{evening['series']}/team"):  # fmt: skip
        assert phone.get(url).status_code == 403, url
    # Another evening's ticket, scanned at its door: nothing of the person.
    nina = _code_of(app, evening["people"]["nina"])
    answer = _scan(phone, evening["tonight"], nina).get_json()["answer"]
    assert answer["tone"] == "stop" and "Nina" not in str(answer)
    assert "Nina" not in phone.get(f"/b/{nina}").get_data(as_text=True)
    # No login with the phone's account.
    with app.app_context():
        account = db.session.scalar(select(User).where(User.name == "Door 1"))
        assert account.email.endswith("@door-phone.invalid")
    # Not among the people's accounts of the admins' list.
    admin = _phone(app)
    log_in(admin, make.user("admin"))
    users = admin.get("/admin/users").get_data(as_text=True)
    assert evening["organiser"] in users and "door-phone.invalid" not in users


def test_a_revoked_phone_gets_nothing_at_its_next_request(app, client, evening):
    log_in(client, evening["organiser"])
    path = LINK.search(_add_phone(client, evening["tonight"]).get_data(as_text=True)).group(1)
    phone, _response = _pair(app, path)
    slug = evening["tonight"]
    token = csrf_from(phone.get(f"/door/{slug}").get_data(as_text=True))
    with app.app_context():
        phone_id = db.session.scalar(select(DoorPhone.id))
    listing = f"/admin/events/{slug}/door-phones"
    revoked = post_form(client, f"{listing}/{phone_id}/revoke", {}, page=listing)
    assert revoked.status_code == 302
    assert "revoked at" in client.get(listing).get_data(as_text=True)
    assert phone.get(f"/door/{slug}").status_code == 302  # to the login page
    marie = _code_of(app, evening["people"]["marie"])
    scan = phone.post(f"/door/{slug}/scan", data={"code": marie, "csrf_token": token})
    assert scan.status_code in (302, 400)
    with app.app_context():
        assert db.session.get(Registration, evening["people"]["marie"]).checked_in_at is None


def test_the_phone_stops_12_hours_after_the_evening(app, client, evening):
    log_in(client, evening["organiser"])
    path = LINK.search(_add_phone(client, evening["tonight"]).get_data(as_text=True)).group(1)
    phone, _response = _pair(app, path)
    assert phone.get(f"/door/{evening['tonight']}").status_code == 200
    later = utcnow() + timedelta(hours=15)
    with mock.patch("meetup.auth.models.utcnow", return_value=later):
        assert phone.get(f"/door/{evening['tonight']}").status_code == 302


def _at(later):
    """The server's clock moved to `later` for logins, accounts and session cookies."""
    patches = [
        mock.patch(f"{module}.utcnow", return_value=later)
        for module in ("meetup.auth.services", "meetup.auth.models", "meetup.auth.cookie")
    ]
    stack = contextlib.ExitStack()
    for patch in patches:
        stack.enter_context(patch)
    return stack


def test_a_phone_paired_ahead_works_however_long_it_lies_idle(app, client, evening, make):
    """Paired at a rehearsal three days before the evening, the phone lies in a drawer and
    runs the door on the evening without pairing again: its session lasts from pairing until
    12 hours after the evening, not 12 hours idle as a person's does."""
    log_in(client, evening["organiser"])
    other = evening["other"]
    path = LINK.search(_add_phone(client, other).get_data(as_text=True)).group(1)
    phone, response = _pair(app, path)
    with app.app_context():
        until = db.session.scalar(select(DoorPhone.until))
        event_end = db.session.scalar(select(Event.ends_at).where(Event.slug == other))
    assert until == event_end + timedelta(hours=12)
    # The browser is told to keep the cookie that long, and a month more should the evening
    # be postponed (told again at each answer); the server decides (User.is_active).
    kept = (until + cookie.PHONE_GRACE).replace(microsecond=0)
    assert parse_date(_session_cookie(response)["expires"]) == kept
    answer = phone.get(f"/door/{other}")
    assert parse_date(_session_cookie(answer)["expires"]) == kept
    # A person logged in at the same moment.
    person = _phone(app)
    log_in(person, evening["organiser"])
    for idle in (timedelta(hours=13), timedelta(days=3, hours=1), until - utcnow() - timedelta(minutes=1)):  # fmt: skip
        with _at(utcnow() + idle):
            assert phone.get(f"/door/{other}").status_code == 200, idle
            assert person.get("/admin/").status_code == 302  # 12 hours idle: logged out
            assert phone.get(f"/door/{other}").status_code == 200, idle
    with _at(until + timedelta(minutes=1)):
        assert phone.get(f"/door/{other}").headers["Location"].startswith("/login")


def test_a_phone_paired_ahead_still_works_when_the_evening_is_postponed(app, client, evening):
    """Paired three days ahead, then the evening moves a week later: the phone's window moves
    with it and the phone, left idle past the former date, runs the door on the new night."""
    log_in(client, evening["organiser"])
    path = LINK.search(_add_phone(client, evening["other"]).get_data(as_text=True)).group(1)
    phone, _response = _pair(app, path)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == evening["other"]))
        former_until = db.session.scalar(select(DoorPhone.until))
        event_services.update_event(
            event,
            starts_at=event.starts_at + timedelta(days=7),
            ends_at=event.ends_at + timedelta(days=7),
        )
        db.session.commit()
        moved, new_slug = event.ends_at, event.slug
        until = db.session.scalar(select(DoorPhone.until))
    assert until == moved + timedelta(hours=12) == former_until + timedelta(days=7)
    with _at(former_until + timedelta(hours=1)):
        answer = phone.get(f"/door/{new_slug}")
        assert answer.status_code == 200
        # The cookie is told the new end at once.
        kept = (until + cookie.PHONE_GRACE).replace(microsecond=0)
        assert parse_date(_session_cookie(answer)["expires"]) == kept
    with _at(until + timedelta(minutes=1)):
        assert phone.get(f"/door/{new_slug}").headers["Location"].startswith("/login")


def _session_cookie(response) -> dict[str, str]:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    attributes = dict(part.strip().split("=", 1) for part in header.split(";")[1:] if "=" in part)
    return {key.lower(): value for key, value in attributes.items()}


def test_expired_forged_and_closed_pairing_links(app, client, evening, make):
    log_in(client, evening["organiser"])
    path = LINK.search(_add_phone(client, evening["tonight"]).get_data(as_text=True)).group(1)
    later = utcnow() + pairing.PAIRING_LINK_LIFETIME + timedelta(seconds=5)
    with mock.patch("meetup.checkin.pairing.utcnow", return_value=later):
        expired = _phone(app).get(path)
    assert expired.status_code == 410
    assert "half an hour" in expired.get_data(as_text=True)
    # A new QR code for the same phone; the former one stops working.
    with app.app_context():
        phone_id = db.session.scalar(select(DoorPhone.id))
    listing = f"/admin/events/{evening['tonight']}/door-phones"
    html = post_form(client, f"{listing}/{phone_id}/code", {}, page=listing).get_data(as_text=True)
    fresh = LINK.search(html).group(1)
    assert fresh != path and _phone(app).get(path).status_code == 404
    assert _pair(app, fresh)[1].status_code == 302
    assert _phone(app).get("/p/" + "x" * 22).status_code == 404
    # An evening whose window is over: no phone.
    past = make.event(evening["series"], starts_at=utcnow() - timedelta(days=2))
    refused = _add_phone(client, past)
    assert refused.status_code == 302
    assert "window is over" in client.get(refused.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.query(DoorPhone).count() == 1


def test_pairing_logs_out_whoever_used_the_browser(app, client, evening, make):
    """A volunteer's own phone scanning the QR becomes the door phone: not their account."""
    log_in(client, evening["organiser"])
    path = LINK.search(_add_phone(client, evening["tonight"]).get_data(as_text=True)).group(1)
    browser = _phone(app)
    log_in(browser, make.user("door"))
    post_form(browser, path, {})
    assert browser.get("/admin/tokens").status_code == 403
    assert 'value="Door 1"' in browser.get(f"/door/{evening['tonight']}").get_data(as_text=True)
