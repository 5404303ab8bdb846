"""What several test modules do the same way: send a form as a browser does, sign someone
up, read the outbox, build an email's attachments, seat people in a directory.

Fixtures live in conftest.py; stand-ins for the outside world in fakes.py; the app's real
servers (gunicorn, nginx, Redis) and a client for them in servers.py; test data written
through the services in factories.py.
"""

from __future__ import annotations

import email
import io
import re
from datetime import UTC, datetime, timedelta
from email import policy

import qrcode
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import undefer

from meetup.events.ical import CalendarEntry, event_calendar
from meetup.events.models import Event
from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.mail.services import message_bytes
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests import factories

# -- forms, as a browser sends them -----------------------------------------------------------

CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def post_form(client: FlaskClient, url: str, data: dict, page: str | None = None, **kwargs):
    """POST like a browser: take the CSRF token from the page the form is on."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(html)}, **kwargs)


def log_in(client: FlaskClient, email: str, password: str = factories.PASSWORD):
    return post_form(client, "/login", {"email": email, "password": password})


#: Map tiles of the HTTPS site: a host nobody reaches; the browser tests answer its requests
#: themselves (and look at the Referer a tile server would get).
TILE_HOST = "tiles.invalid"


# -- signing up, and the emails it sends ------------------------------------------------------

MANAGE_LINK = re.compile(r"http://localhost/r/([A-Za-z0-9_-]{40,})")


def signup_data(**overrides) -> dict:
    values = {
        "first_name": "Marie",
        "last_name": "Dupont",
        "email": "marie.dupont@example.org",
        "company": "Atelier Rhône Web",
        "job_title": "Développeuse",
        "sector": "digital",
        "website": "atelier-rhone.fr",
        "phone": "+33 4 74 00 00 00",
        "street": "12 rue Marchande",
        "postcode": "38200",
        "city": "Vienne",
        "help_with": "sites vitrines",
        "looking_for": "un comptable",
        "visibility": "attendees",
        "language": "fr",
    }
    return {**values, **overrides}


def sign_up(client, event_slug, **overrides):
    return post_form(client, f"/events/{event_slug}/signup", signup_data(**overrides))


def registrations(app, event_slug) -> list[Registration]:
    with app.app_context():
        rows = db.session.scalars(
            select(Registration)
            .join(Event)
            .where(Event.slug == event_slug)
            .order_by(Registration.id)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def registration_id(app, email: str) -> int:
    """The id of the registration with that email (signed up to one evening only)."""
    with app.app_context():
        return db.session.scalar(select(Registration.id).where(Registration.email == email))


def as_email(message: OutboxMessage) -> email.message.EmailMessage:
    """An outbox row as the email it is (a draft written out first)."""
    return email.message_from_bytes(message_bytes(message), policy=policy.default)


def outbox(app, kind: str | None = None) -> list[email.message.EmailMessage]:
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return [as_email(m) for m in db.session.scalars(query)]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def manage_token(message) -> str:
    return MANAGE_LINK.search(text_of(message)).group(1)


# -- an email's attachments -------------------------------------------------------------------


def qr_png(text: str = "ticket") -> bytes:
    buffer = io.BytesIO()
    qrcode.make(text).save(buffer)
    return buffer.getvalue()


def calendar_file(uid: str = "evening-42@meetup.test") -> bytes:
    entry = CalendarEntry(
        uid=uid,
        title="Café des entreprenants",
        starts_at=datetime(2026, 3, 12, 17, 30, tzinfo=UTC),  # 18:30 in Paris
        ends_at=datetime(2026, 3, 12, 19, 30, tzinfo=UTC),
        timezone="Europe/Paris",
        location="Le Comptoir, Vienne",
    )
    return event_calendar(entry, stamp=datetime(2026, 3, 2, 17, 30, tzinfo=UTC))


# -- the directory: people who came, in an app context ----------------------------------------

#: Where `came(north=...)` puts offices: so many metres north of this point, in Vienne.
OFFICES_FROM = (45.5255, 4.8766)
#: Metres north for 1e-5 degree of latitude.
M_PER_1E5 = 1.112


def came(make, event, name, north=None, **fields) -> tuple[int, str]:
    """Someone who checked in yesterday evening and shows their card to those who came; their
    registration's id and personal link's token."""
    token = f"token-{name}-0123456789abcdef"
    values = {
        "first_name": name,
        "last_name": "Test",
        "email": f"{name.lower()}@example.org",
        "checked_in_at": utcnow() - timedelta(hours=20),
        "visibility": "attendees",
    }
    if north is not None:
        latitude = OFFICES_FROM[0] + north / M_PER_1E5 * 1e-5
        values |= {"latitude": latitude, "longitude": OFFICES_FROM[1], "street": "1 rue Marchande"}
    return make.registration(event, token=token, **(values | fields)), token


def find_event(slug) -> Event:
    return db.session.scalar(select(Event).where(Event.slug == slug))


def queued(kind: str) -> list[OutboxMessage]:
    """The outbox's rows of that kind."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def plain_text(message: OutboxMessage) -> str:
    """An outbox row's plain text."""
    return text_of(as_email(message))


def alerts_sent(app) -> list[OutboxMessage]:
    """The alerts the admins were sent (meetup.ops.alerts), raw bytes loaded."""
    with app.app_context():
        found = db.session.scalars(
            select(OutboxMessage)
            .options(undefer(OutboxMessage.raw))
            .where(OutboxMessage.kind.like("alert_%"))
            .order_by(OutboxMessage.id)
        ).all()
        db.session.expunge_all()
        return found
