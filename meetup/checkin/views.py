"""The door screen: scan (camera app or USB scanner typing code + Enter), search by name,
undo; works as plain forms, and answers in place with door.js."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import (
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from meetup import audit
from meetup.auth.access import can_run_door, door_required
from meetup.badges import services as badge_services
from meetup.badges.forms import LAYOUT_TITLES
from meetup.badges.layouts import LAYOUTS, SINGLE_LAYOUT
from meetup.checkin import bp, services
from meetup.checkin.forms import WalkInForm
from meetup.checkin.services import Answer, Result, Undo
from meetup.events import queries
from meetup.events.models import Event, EventStatus
from meetup.extensions import db
from meetup.i18n import format_date_in_zone, format_time_in_zone
from meetup.registrations import services as registration_services
from meetup.registrations import tickets
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.registrations.queries import counts_for
from meetup.responses import pdf_response
from meetup.timeutil import utcnow
from meetup.writelock import own_lock

#: Printers a door may have: one badge per page (or a fold-over on A4).
DOOR_LAYOUTS = ("single-a6", "brother-62x100", "dymo-99014", "a4-foldover")


@bp.get("/")
@door_required
def home():
    """The evenings a volunteer may run the door for (services.door_may_open)."""
    now = utcnow()
    if current_user.is_door_phone:  # its evening only
        event = db.session.get(Event, current_user.door_phone.event_id)
        return redirect(url_for("door.screen", slug=event.slug))
    events = db.session.scalars(
        queries.events_for(current_user, door=True)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at >= now - services.ON_NOW,
            Event.starts_at <= now + services.DOOR_AHEAD,
        )
        .order_by(Event.starts_at)
    ).all()
    return render_template(
        "checkin/home.html", events=events, counts=counts_for(event.id for event in events)
    )


def _door() -> str:
    """The door's name as sent; a paired phone's own name ("Door 2") when none was."""
    typed = request.form.get("door", "").strip()
    if not typed and current_user.is_door_phone:
        return current_user.name
    return typed


def _scanned(event: Event) -> str:
    """What was scanned; or, from the offline door's queue (which keeps no codes), the
    registration's id at this evening, standing for its code."""
    code = request.form.get("code", "")
    registration_id = request.form.get("registration", "")
    if not code and registration_id.isdigit():
        registration = db.session.get(Registration, int(registration_id))
        if registration is not None and registration.event_id == event.id:
            return registration.ticket_code
    return code


def _scanned_at() -> datetime | None:
    """When the offline door let the person in (its queue sends it, ISO 8601 with a zone);
    None if absent or not a time."""
    value = request.form.get("scanned_at", "")[:40]
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def _door_event_or_404(slug: str) -> Event:
    event = queries.event_or_404(slug)
    if not can_run_door(current_user, event.series_id, event.id):
        abort(403)
    now = utcnow()
    if not services.door_may_open(event, current_user, now):
        if event.status is not EventStatus.PUBLISHED:
            abort(404)
        # A volunteer with an old or early link: say when the door opens, or that it closed.
        page = render_template(
            "checkin/not_open.html",
            event=event,
            opens_at=event.starts_at - services.DOOR_AHEAD if event.starts_at > now else None,
        )
        abort(make_response(page, 404))
    return event


@dataclass(frozen=True)
class Shown:
    """An answer as the door screen shows it: big, in colour (tone) and in words."""

    tone: str  # ok, warn, stop
    title: str
    detail: str = ""
    code: str = ""  # the person's, for Undo and Print (after "ok" and "already")
    #: The person's code, to let them in anyway (waitlisted or cancelled, at this evening).
    admit: str = ""

    def json(self) -> dict:
        return {
            "tone": self.tone,
            "title": self.title,
            "detail": self.detail,
            "spoken": self.spoken,
            "code": self.code,
            "admit": self.admit,
        }

    @property
    def spoken(self) -> str:
        """What the screen reader says: the title, then the detail, one full stop between
        (none after a title that ends its own sentence: "… first time!")."""
        if not self.detail:
            return self.title
        stop = " " if self.title.endswith((".", "!", "?", "…")) else ". "
        return f"{self.title}{stop}{self.detail}"


def shown(result: Result, event: Event) -> Shown:
    if result.status is Answer.OK:
        title = (
            _("Welcome %(name)s — first time!", name=result.first_name)
            if result.first_time
            else _("Welcome %(name)s!", name=result.first_name)
        )
        return Shown("ok", title, result.company, result.code)
    if result.status is Answer.ALREADY:
        time = format_time_in_zone(result.checked_in_at, event.zone)
        headline = (
            _("Already checked in at %(time)s (%(door)s)", time=time, door=result.door)
            if result.door
            else _("Already checked in at %(time)s", time=time)
        )
        # The fact the volunteer must see is the headline; the name follows. Undo stays
        # offered, for a scan at another door that was a mistake.
        return Shown("warn", headline, result.name, result.code)
    if result.status is Answer.CANCELLED:
        return Shown("stop", _("Cancelled registration"), result.name, admit=result.code)
    if result.status is Answer.WAITLISTED:
        return Shown("warn", _("On the waitlist"), result.name, admit=result.code)
    if result.status is Answer.WRONG_EVENT:
        day = format_date_in_zone(result.event_starts_at, result.event_zone, "d MMMM")
        return Shown("stop", _("Registered for another evening (%(day)s)", day=day), result.name)
    return Shown("stop", _("Unknown code"), _("Search the name instead."))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _screen(event: Event, answer: Shown | None = None, status: int = 200):
    query = request.args.get("q", "")
    return (
        render_template(
            "checkin/screen.html",
            event=event,
            answer=answer,
            query=query,
            found=[_person_json(person, event) for person in services.search(event, query)],
            counts=counts_for([event.id])[event.id],
            door_layouts=[(name, LAYOUT_TITLES[name]) for name in DOOR_LAYOUTS],
        ),
        status,
    )


@bp.get("/<slug>")
@door_required
def screen(slug: str):
    return _screen(_door_event_or_404(slug))


@bp.post("/<slug>/scan")
@own_lock  # the claim: services.check_in
@door_required
def scan(slug: str):
    event = _door_event_or_404(slug)
    try:
        result = services.check_in(
            _scanned(event),
            current_user,
            event=event,
            door=_door(),
            request_id=request.form.get("request_id", ""),
            scanned_at=_scanned_at(),
        )
    except services.RequestIdReused:  # the page makes one per scan: a bug, or a forged form
        result = services.Result(services.Answer.UNKNOWN)
    answer = shown(result, event)
    if _wants_json():
        return jsonify(answer=answer.json(), counts=_counts_json(event))
    return _screen(event, answer)


@bp.post("/<slug>/undo")
@door_required
def undo(slug: str):
    event = _door_event_or_404(slug)
    status, registration = services.undo(_scanned(event), current_user, event=event)
    if status is Undo.UNDONE and registration is not None:
        answer = Shown("warn", _("Check-in undone"), registration.full_name)
    elif status is Undo.NOT_CHECKED_IN and registration is not None:
        answer = Shown("warn", _("Was not checked in"), registration.full_name)
    else:
        answer = Shown("stop", _("Unknown code"))
    if _wants_json():
        return jsonify(answer=answer.json(), counts=_counts_json(event))
    return _screen(event, answer)


@bp.post("/<slug>/admit")
@door_required
def admit(slug: str):
    """Let in someone waiting for a seat (or who had cancelled) who is at the door anyway:
    a seat and a check-in at once, as for a walk-in, whatever the capacity."""
    event = _door_event_or_404(slug)
    registration = tickets.by_code(services.parse_code(request.form.get("code", "")))
    now = utcnow()
    if event.status is not EventStatus.PUBLISHED or not services.on_now(
        event.starts_at, event.ends_at, now
    ):  # organisers open any evening's door: a seat given is for the evening itself
        answer = Shown("stop", _("Only while the evening is on: nobody was let in."))
    elif registration is None or registration.event_id != event.id:
        answer = Shown("stop", _("Unknown code"), _("Search the name instead."))
    elif registration.status is RegistrationStatus.CONFIRMED:  # a second tap, or another door
        answer = shown(
            services.check_in(registration.ticket_code, current_user, event=event), event
        )
    else:
        registration = registration_services.admit_at_door(
            registration, door=services.door_name(_door())
        )
        answer = Shown(
            "ok",
            _("Welcome %(name)s!", name=registration.first_name),
            _("Given a seat at the door; their ticket is on its way by email."),
            registration.ticket_code,
        )
    if _wants_json():
        return jsonify(answer=answer.json(), counts=_counts_json(event))
    return _screen(event, answer)


@bp.route("/<slug>/walk-in", methods=["GET", "POST"])
@door_required
def walk_in(slug: str):
    """Someone without a registration: name, email, company; registered and let in at once,
    with their badge one click away."""
    event = _door_event_or_404(slug)
    form = WalkInForm()
    if form.validate_on_submit():
        registration = registration_services.walk_in(
            event, form.profile(), door=services.door_name(_door())
        )
        answer = Shown(
            "ok",
            _("Welcome %(name)s!", name=registration.first_name),
            _("Registered at the door; their personal link is on its way by email."),
            registration.ticket_code,
        )
        if _wants_json():
            return jsonify(answer=answer.json(), counts=_counts_json(event))
        return _screen(event, answer)
    if form.is_submitted() and _wants_json():
        return jsonify(errors=form.errors, counts=_counts_json(event)), 422
    status = 422 if form.is_submitted() else 200
    return render_template("checkin/walk_in.html", event=event, form=form), status


@bp.post("/<slug>/badge")
@door_required
def badge(slug: str):
    """One person's badge, sized for the door's printer, to print at once (counts as
    printed). The code comes in the body: scanned codes stay out of URLs and logs."""
    event = _door_event_or_404(slug)
    code = services.parse_code(request.form.get("code", ""))
    if not code:
        return _screen(event, Shown("stop", _("Unknown code"), _("Search the name instead.")), 422)
    registration = tickets.by_code(code)
    if registration is None or registration.event_id != event.id:
        abort(404)
    if registration.status is not RegistrationStatus.CONFIRMED:
        abort(409)
    name = request.form.get("layout", "")
    layout = LAYOUTS[name if name in DOOR_LAYOUTS else SINGLE_LAYOUT]
    pdf = badge_services.badges_pdf(event, [registration], layout, mark_printed=True)

    audit.record_now("print_badges", event.slug, 1)
    return pdf_response(pdf, "badge.pdf")


@bp.get("/<slug>/search")
@door_required
def search(slug: str):
    event = _door_event_or_404(slug)
    people = services.search(event, request.args.get("q", ""))
    return jsonify(people=[_person_json(person, event) for person in people])


def _person_json(person, event: Event) -> dict:
    """A search result as the door screen lists it (the code checks the person in)."""
    if person.status is RegistrationStatus.WAITLISTED:
        note = _("On the waitlist")
    elif person.status is RegistrationStatus.CANCELLED:
        note = _("Cancelled registration")
    elif person.checked_in_at is not None:
        note = _("In since %(time)s", time=format_time_in_zone(person.checked_in_at, event.zone))
    else:
        note = ""
    can_check_in = person.status is RegistrationStatus.CONFIRMED and person.checked_in_at is None
    return {
        "name": person.full_name,
        "company": person.company,
        "note": note,
        "code": person.ticket_code if can_check_in else "",
        "admit": person.ticket_code if person.status is not RegistrationStatus.CONFIRMED else "",
    }


def _counts_json(event: Event) -> dict:
    counts = counts_for([event.id])[event.id]
    return {
        "checked_in": counts.checked_in,
        "expected": counts.confirmed,
        "walk_ins": counts.walk_ins,
    }


@bp.get("/<slug>/counts")
@door_required
def counts(slug: str):
    response = jsonify(_counts_json(_door_event_or_404(slug)))
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the offline door -------------------------------------------------------------------------


def offline_hash(code: str) -> str:
    """What the phone keeps of a ticket code: its SHA-256 (hex, of the code in capitals)."""
    return hashlib.sha256(code.upper().encode()).hexdigest()


@bp.get("/<slug>/offline.json")
@door_required
def offline_list(slug: str):
    """The evening's list for the phone to keep (door.js): names, companies, status, arrival
    and the SHA-256 of each ticket code, never the codes; and when to wipe it (the end of
    the door window, or of a paired phone's)."""
    event = _door_event_or_404(slug)
    until = event.ends_at + services.ON_NOW
    if current_user.is_door_phone:
        until = min(until, current_user.door_phone.until)
    people = db.session.scalars(select(Registration).where(Registration.event_id == event.id))
    response = jsonify(
        until=until.isoformat(),
        zone=event.series.timezone,
        people=[
            {
                "id": person.id,
                "h": offline_hash(person.ticket_code),
                "name": person.full_name,
                "first_name": person.first_name,
                "company": person.company,
                "status": person.status.value,
                "in_at": person.checked_in_at.isoformat() if person.checked_in_at else None,
                "door": person.checked_in_door,
            }
            for person in people
        ],
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sw.js")
def service_worker():
    """The door's service worker, served from /door/ so that its scope is the door's pages."""
    script = (Path(current_app.static_folder) / "js" / "door-sw.js").read_bytes()
    response = make_response(script)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """The door screen as an installable web app."""
    response = jsonify(
        name=_("Door — café des entreprenants"),
        short_name=_("Door"),
        start_url=url_for("door.home"),
        scope=url_for("door.home"),
        display="standalone",
        background_color="#ffffff",
        theme_color="#7a4a1e",
        icons=[
            {
                "src": url_for("static", filename="door-icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
            }
        ],
    )
    response.headers["Content-Type"] = "application/manifest+json"
    return response
