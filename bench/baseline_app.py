"""The bare baselines the web and door benchmarks compare the application with: a bare Flask
app running, with SQLAlchemy Core, the same SQL statements as the application's route, on
a database of the same schema and data (the application's migrations, bench/databases.py).

It has the application's settings where they are the work's, not the framework's: the
SQLite connection settings (WAL, synchronous=NORMAL, busy timeout, foreign keys, secure
delete) and the writer lock's busy handling (meetup.writelock: reads in a deferred
transaction, the first write under the process lock, polled in short steps), templates
compiled once, the signup rate limit counted in the same storage (Redis, REDIS_URL; one hit
per signup and no headers: the least a rate limit costs), served by gunicorn with
gunicorn.conf.py. What it leaves out is what the comparison is about: the application's
per-request machinery (sessions, logins, CSRF protection of every POST, logs, metrics,
security headers, the ORM, translations).

GET  /                        "hello"
GET  /events/<slug>/signup    the signup form: the event, the count of seats taken, the
                              23 fields rendered and a CSRF token (flask_wtf.csrf)
POST /events/<slug>/signup    the signup: the CSRF token checked, the 23 fields validated,
                              then the signup's statements (the seat lock, the count, the
                              same-email check, the registration, its consents, the webhooks'
                              and the series news' reads, the confirmation's draft)
POST /api/v1/checkins         the door scan: the token, the evening and the team, the code,
                              the claim, the webhooks' read, the request id remembered

The statements are kept in step with the application's by hand; bench/statements.py prints
both lists for one request of each, so that a difference shows.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from datetime import UTC, datetime
from email.utils import make_msgid

from flask import Flask, abort, jsonify, redirect, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import generate_csrf, validate_csrf
from jinja2 import Environment
from sqlalchemy import and_, bindparam, create_engine, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from wtforms import (
    BooleanField,
    EmailField,
    Form,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp

# The application's tables (their Core definitions only) and its SQLite connection settings
# and writer lock, which its package registers on import (meetup._sqlite_pragmas,
# meetup.writelock): the work's settings, not the framework's.
from meetup.auth.models import ApiToken, User
from meetup.checkin.models import CheckinRequest
from meetup.checkin.services import _CLAIM as CLAIM
from meetup.checkin.services import _DOOR_EVENT as DOOR_EVENT
from meetup.checkin.services import _SCANNED_BY_CODE as SCANNED
from meetup.events.models import Event, Series
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.privacy.models import ConsentRecord
from meetup.registrations.models import Registration, RegistrationStatus, Source, Visibility
from meetup.registrations.sectors import SECTORS
from meetup.registrations.services import _CONFIRMED as CONFIRMED
from meetup.registrations.services import _LOCK_POSTGRESQL, _LOCK_SQLITE
from meetup.registrations.tickets import code_values
from meetup.webhooks.capture import _ENDPOINTS as ENDPOINTS
from meetup.writelock import _locked_in, own_lock

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "baseline-" + "x" * 40)
URL = os.environ.get("BASELINE_DATABASE_URL", "sqlite:////tmp/meetup-baseline.sqlite3")
#: As the application's engine: a ping before each checkout on PostgreSQL only.
engine = create_engine(URL, hide_parameters=True, pool_pre_ping=URL.startswith("postgresql"))
limiter = Limiter(
    get_remote_address,
    app=app,
    storage_uri=os.environ.get("REDIS_URL") or "memory://",
    storage_options={"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    headers_enabled=False,
)

events, series, registrations = Event.__table__, Series.__table__, Registration.__table__
tokens, users = ApiToken.__table__, User.__table__
consents, outbox = ConsentRecord.__table__, OutboxMessage.__table__
checkin_requests = CheckinRequest.__table__

#: Bound once, as the application's statements are (SQLAlchemy reuses their compiled form);
#: those the application builds once itself are its own objects, run here without the ORM.
EVENT = (
    select(events, series)
    .join(series, series.c.id == events.c.series_id)
    .where(events.c.slug == bindparam("slug"))
)
BY_EMAIL = select(registrations).where(
    registrations.c.event_id == bindparam("event_id"),
    func.lower(registrations.c.email) == bindparam("email"),
)
#: The person's registrations in the series (the series' news, answered on each of them).
THEIRS = select(registrations).where(
    or_(
        registrations.c.id == bindparam("registration_id"),
        and_(
            func.lower(registrations.c.email) == bindparam("email"),
            registrations.c.erased_at.is_(None),
            registrations.c.event_id.in_(
                select(events.c.id).where(events.c.series_id == bindparam("series_id"))
            ),
        ),
    )
)
TOKEN = (
    select(tokens, users)
    .join(users, users.c.id == tokens.c.user_id)
    .where(tokens.c.token_hash == bindparam("token_hash"))
)

SECTOR_CHOICES = [("", "— choose —")] + [(key, key.title()) for key in SECTORS]
VISIBILITY = [(choice.value, choice.value.title()) for choice in Visibility]
CONSENTS = (
    "street_on_badge",
    "share_email",
    "share_phone",
    "share_address",
    "accept_introductions",
    "notify_new_neighbours",
    "news",
)


class SignupForm(Form):
    """The signup's 23 fields, with the same kinds of fields and validators."""

    first_name = StringField("First name", validators=[DataRequired(), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254), Email()])
    company = StringField("Company", validators=[Optional(), Length(max=200)])
    job_title = StringField("Job title", validators=[Optional(), Length(max=200)])
    sector = SelectField("Sector", choices=SECTOR_CHOICES, validators=[Optional()])
    help_with = TextAreaField("I can help with", validators=[Optional(), Length(max=500)])
    looking_for = TextAreaField("I'm looking for", validators=[Optional(), Length(max=500)])
    website = StringField(
        "Website", validators=[Optional(), Length(max=300), Regexp(r"^https?://[^\s/$.?#].[^\s]*$")]
    )
    phone = StringField(
        "Phone", validators=[Optional(), Length(max=40), Regexp(r"^\+?[0-9 ().\-]{6,}$")]
    )
    street = StringField("Street", validators=[Optional(), Length(max=200)])
    postcode = StringField("Postcode", validators=[Optional(), Length(max=20)])
    city = StringField("City", validators=[Optional(), Length(max=100)])
    street_on_badge = BooleanField("Street on my badge")
    visibility = RadioField("Who may see my card", choices=VISIBILITY, validators=[InputRequired()])
    share_email = BooleanField("My email address")
    share_phone = BooleanField("My phone number")
    share_address = BooleanField("My full office address")
    accept_introductions = BooleanField("Introductions")
    notify_new_neighbours = BooleanField("New neighbours")
    news = BooleanField("The club's next evenings")
    language = SelectField("Language", choices=[("fr", "Français"), ("en", "English")])
    nickname = StringField("Leave this field empty")


#: Compiled once (render_template_string would compile it on every request).
FORM_PAGE = Environment(autoescape=True).from_string(
    """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{{ event.title }}</title>
<link rel="stylesheet" href="/static/css/app.css"></head><body><main>
<h1>{{ event.title }}</h1><p>{{ event.theme }}</p>{% if full %}<p>Waitlist</p>{% endif %}
<form method="post" novalidate><input type="hidden" name="csrf_token" value="{{ csrf }}">
{% for field in form %}<div class="field"><label for="{{ field.id }}">{{ field.label.text }}</label>
{{ field(**{"aria-describedby": field.id ~ "-help"}) }}
<p class="help" id="{{ field.id }}-help">{{ field.description }}</p>
{% for error in field.errors %}<p class="error">{{ error }}</p>{% endfor %}</div>
{% endfor %}<button type="submit">Sign up</button></form></main></body></html>"""
)


@app.get("/")
def hello() -> str:
    return "hello"


def _event(connection, slug: str):
    event = connection.execute(EVENT, {"slug": slug}).first()
    if event is None:
        abort(404)
    return event


@app.route("/events/<slug>/signup", methods=["GET", "POST"])
@own_lock
@limiter.limit("1000000 per minute", methods=["POST"])
def signup(slug: str):
    with engine.connect() as connection:
        event = _event(connection, slug)
        form = SignupForm(request.form if request.method == "POST" else None)
        if request.method == "POST":
            validate_csrf(request.form.get("csrf_token"))
            if form.validate():
                _register(connection, event, form)
                session["signed_up"] = {"status": "confirmed", "email": form.email.data}
                return redirect(f"/events/{slug}/signed-up")
        full = connection.execute(CONFIRMED, {"event_id": event.id}).scalar() >= event.capacity
        connection.commit()
        page = FORM_PAGE.render(event=event, form=form, full=full, csrf=generate_csrf())
        return page, 422 if request.method == "POST" else 200


def _register(connection, event, form: SignupForm) -> None:
    """The signup's statements, as the application runs them (reads end before the lock)."""
    token = secrets.token_urlsafe(32)
    email = form.email.data.strip().lower()
    now = datetime.now(UTC)
    if connection.dialect.name == "sqlite":
        connection.commit()  # meetup.writelock.end_reads
        locked = _locked_in(
            connection,
            lambda: connection.execute(_LOCK_SQLITE, {"event_id": event.id}).one(),
            _LOCK_SQLITE,
        )
    else:
        locked = connection.execute(_LOCK_POSTGRESQL, {"event_id": event.id}).one()
    taken = connection.execute(CONFIRMED, {"event_id": event.id}).scalar()
    status = RegistrationStatus.CONFIRMED
    if taken >= locked.capacity:
        status = RegistrationStatus.WAITLISTED
    if connection.execute(BY_EMAIL, {"event_id": event.id, "email": email}).first():
        connection.commit()
        return
    values = {
        name: form[name].data or ""
        for name in (
            "first_name",
            "last_name",
            "company",
            "job_title",
            "sector",
            "website",
            "phone",
            "street",
            "postcode",
            "city",
            "help_with",
            "looking_for",
        )
    }
    registration_id = connection.execute(
        insert(registrations).values(
            event_id=event.id,
            manage_token_hash=hashlib.sha256(token.encode()).hexdigest(),
            ticket_code=secrets.token_urlsafe(16),
            source=Source.PUBLIC,
            email=form.email.data,
            visibility=Visibility(form.visibility.data),
            language=form.language.data,
            status=status,
            created_at=now,
            **{name: bool(form[name].data) for name in CONSENTS},
            **values,
        )
    ).inserted_primary_key[0]
    connection.execute(
        insert(consents),
        [
            {
                "registration_id": registration_id,
                "consent": name,
                "value": "yes" if form[name].data else "no",
                "wording": "2026-12-06",
                "how": "public",
                "created_at": now,
            }
            for name in ("visibility", *CONSENTS)
        ],
    )
    list(connection.execute(ENDPOINTS, {"series_id": event.series_id}))
    theirs = {"registration_id": registration_id, "email": email, "series_id": event.series_id}
    list(connection.execute(THEIRS, theirs))
    draft = {"ticket": True, "calendar": True, "token": token}
    connection.execute(
        insert(outbox).values(
            message_id=make_msgid(domain="bench.example.org"),
            recipient=form.email.data,
            subject=f"Your seat: {event.title}",
            kind="confirmation",
            registration_id=registration_id,
            raw=b"",
            draft=json.dumps(draft),
            status=OutboxStatus.PENDING,
        )
    )
    connection.commit()


@app.post("/api/v1/checkins")
@own_lock
def checkin():
    """The door scan's statements, as the application runs them."""
    body = request.get_json()
    header = request.headers.get("Authorization", "")
    token_hash = hashlib.sha256(header.partition(" ")[2].strip().encode()).hexdigest()
    with engine.connect() as connection:
        token = connection.execute(TOKEN, {"token_hash": token_hash}).first()
        if token is None or token.revoked_at is not None or "door" not in token.scopes.split():
            abort(401)
        event = connection.execute(DOOR_EVENT, {"slug": body["event"], "user_id": token.user_id})
        event = event.first()
        if event is None or event.team_role is None:
            abort(404)
        found = connection.execute(SCANNED, code_values(body["code"])).first()
        if found is None or found.event_id != event.id:
            abort(404)
        if found.status is not RegistrationStatus.CONFIRMED or found.checked_in_at is not None:
            abort(409)
        now = datetime.now(UTC)
        values = {"registration_id": found.id, "at": now, "door_name": body["door"]}
        if connection.dialect.name == "sqlite":
            connection.commit()
            claimed = _locked_in(connection, lambda: connection.execute(CLAIM, values), CLAIM)
        else:
            claimed = connection.execute(CLAIM, values)
        if claimed.rowcount != 1:
            abort(409)
        list(connection.execute(ENDPOINTS, {"series_id": found.series_id}))
        try:
            connection.execute(
                insert(checkin_requests).values(
                    user_id=token.user_id,
                    request_id=body["request_id"],
                    code=found.ticket_code,
                    registration_id=found.id,
                    status="ok",
                    created_at=now,
                )
            )
            connection.commit()
        except IntegrityError:
            abort(409)
    name = f"{found.first_name} {found.last_name}".strip()
    return jsonify(status="ok", name=name, checked_in_at=now.isoformat(), door=body["door"])
