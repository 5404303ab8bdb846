"""Organisers: an event's registrations, with search, filters and the waitlist by hand."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, func, or_, select

from meetup.auth.access import require_series_access, staff_required
from meetup.auth.forms import ConfirmForm
from meetup.events import queries
from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations import admin_bp as bp
from meetup.registrations import services
from meetup.registrations.csvio import to_csv
from meetup.registrations.forms import SignupForm
from meetup.registrations.models import Registration, RegistrationStatus, Source
from meetup.registrations.queries import counts_for

PAGE_SIZE = 100


def _event_for_staff(slug: str) -> Event:
    event = queries.event_or_404(slug)
    require_series_access(current_user, event.series)
    return event


def _registration_for_staff(slug: str, registration_id: int) -> Registration:
    event = _event_for_staff(slug)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def _search(query, text: str):
    pattern = f"%{text.strip().lower()}%"
    return query.where(
        or_(
            func.lower(Registration.first_name).like(pattern),
            func.lower(Registration.last_name).like(pattern),
            func.lower(Registration.company).like(pattern),
            func.lower(Registration.email).like(pattern),
        )
    )


@bp.get("/events/<slug>/registrations")
@staff_required
def registrations(slug: str):
    event = _event_for_staff(slug)
    status = request.args.get("status", "")
    text = request.args.get("q", "")[:100]
    query = select(Registration).where(Registration.event_id == event.id)
    if status in {s.value for s in RegistrationStatus}:
        query = query.where(Registration.status == RegistrationStatus(status))
    if text.strip():
        query = _search(query, text)
    # Confirmed by name, then the waitlist in its order, then the cancelled.
    status_order = case(
        (Registration.status == RegistrationStatus.CONFIRMED, 0),
        (Registration.status == RegistrationStatus.WAITLISTED, 1),
        else_=2,
    )
    waitlist_order = case(
        (Registration.status == RegistrationStatus.WAITLISTED, Registration.status_changed_at),
        else_=None,
    )
    query = query.order_by(
        status_order, waitlist_order, func.lower(Registration.last_name), Registration.id
    )
    rows = db.session.scalars(query.limit(PAGE_SIZE + 1)).all()
    return render_template(
        "registrations/admin_list.html",
        event=event,
        rows=rows[:PAGE_SIZE],
        truncated=len(rows) > PAGE_SIZE,
        counts=counts_for([event.id])[event.id],
        status=status,
        text=text,
        confirm=ConfirmForm(),
    )


CSV_COLUMNS = (
    ("status", lambda r: r.status.value),
    ("first_name", lambda r: r.first_name),
    ("last_name", lambda r: r.last_name),
    ("email", lambda r: r.email),
    ("company", lambda r: r.company),
    ("job_title", lambda r: r.job_title),
    ("sector", lambda r: r.sector),
    ("website", lambda r: r.website),
    ("phone", lambda r: r.phone),
    ("street", lambda r: r.street),
    ("postcode", lambda r: r.postcode),
    ("city", lambda r: r.city),
    ("help_with", lambda r: r.help_with),
    ("looking_for", lambda r: r.looking_for),
    ("visibility", lambda r: r.visibility.value),
    ("language", lambda r: r.language),
    ("source", lambda r: r.source.value),
    ("registered_at", lambda r: r.created_at.isoformat()),
    ("status_changed_at", lambda r: r.status_changed_at.isoformat()),
    ("checked_in_at", lambda r: r.checked_in_at.isoformat() if r.checked_in_at else ""),
)


@bp.get("/events/<slug>/registrations.csv")
@staff_required
def registrations_csv(slug: str):
    """Everything the organisers hold about the event's registrations, for a spreadsheet."""
    event = _event_for_staff(slug)
    rows = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id).order_by(Registration.id)
    )
    body = to_csv(
        [name for name, _value in CSV_COLUMNS],
        ([value(row) for _name, value in CSV_COLUMNS] for row in rows),
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{event.slug}-registrations.csv"'
    )
    return response


@bp.route("/events/<slug>/registrations/new", methods=["GET", "POST"])
@staff_required
def registration_new(slug: str):
    """An organiser adds someone (a phone call, an email): same rules as a public signup."""
    event = _event_for_staff(slug)
    form = SignupForm()
    del form.nickname
    if form.validate_on_submit():
        result = services.register(
            event, form.profile(form.normalised_email()), source=Source.ORGANISER
        )
        flash(
            _("%(name)s is registered (%(status)s); an email is on its way to them.",
              name=result.registration.full_name,
              status=_status_label(result.registration.status)),
            "success",
        )  # fmt: skip
        return redirect(url_for("registrations_admin.registrations", slug=slug))
    return render_template("registrations/admin_new.html", event=event, form=form)


def _status_label(status: RegistrationStatus) -> str:
    return {
        RegistrationStatus.CONFIRMED: _("confirmed"),
        RegistrationStatus.WAITLISTED: _("waitlisted"),
        RegistrationStatus.CANCELLED: _("cancelled"),
    }[status]


@bp.post("/events/<slug>/registrations/<id:registration_id>/<any(cancel, promote, resend):action>")
@staff_required
def registration_action(slug: str, registration_id: int, action: str):
    registration = _registration_for_staff(slug, registration_id)
    if ConfirmForm().validate_on_submit():
        name = registration.full_name
        if action == "cancel":
            promoted = services.cancel(registration, by_organiser=True)
            flash(_("The registration of %(name)s is cancelled.", name=name), "success")
            for person in promoted:
                flash(
                    _("%(name)s gets the seat from the waitlist.", name=person.full_name), "success"
                )
        elif action == "promote":
            if services.promote(registration):
                flash(
                    _("%(name)s has a seat now; their ticket is on its way.", name=name), "success"
                )
        else:
            services.resend_link(registration)
            flash(_("A new personal link is on its way to %(name)s.", name=name), "success")
    return redirect(url_for("registrations_admin.registrations", slug=slug, **request.args))
