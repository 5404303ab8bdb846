"""Organisers: open or close an evening's directory, see and fix the addresses the map
could not place, seat people at tables by neighbourhood, set the monthly digest."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from meetup.auth.access import require_series_access, staff_required
from meetup.auth.forms import ConfirmForm
from meetup.directory import admin_bp as bp
from meetup.directory import digest, digest_mail, geocoding, links, seating, services
from meetup.directory.forms import AddressFixForm, DigestForm, MoveForm, SeatingForm
from meetup.directory.queries import EventDirectory, directory_is_open
from meetup.events import queries
from meetup.extensions import db
from meetup.registrations.models import LocationStatus, Registration, RegistrationStatus
from meetup.registrations.queries import managed_registration_or_404
from meetup.timeutil import utcnow

#: Addresses an organiser may have to look at.
UNRESOLVED = (LocationStatus.PENDING, LocationStatus.NOT_FOUND, LocationStatus.FAILED)


def _people_to_fix(event) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status != RegistrationStatus.CANCELLED,
                Registration.location_status.in_(UNRESOLVED),
            )
            .order_by(func.lower(Registration.last_name), Registration.id)
        )
    )


@bp.get("/events/<slug>/directory")
@staff_required
def directory(slug: str):
    return _page(queries.managed_event_or_404(slug, current_user))


def _page(event, sent_back: tuple[int, AddressFixForm] | None = None):
    """The page; `sent_back`: a registration's address form with its errors and what was
    typed, in place of a fresh one (422)."""
    now = utcnow()
    counts = dict(  # (status, count) rows; a Result has keys(), so dict() wants pairs
        db.session.execute(
            select(Registration.location_status, func.count())
            .where(
                Registration.event_id == event.id,
                Registration.status != RegistrationStatus.CANCELLED,
            )
            .group_by(Registration.location_status)
        )
        .tuples()
        .all()
    )
    delay = event.series.directory_delay_hours
    forms = dict([sent_back]) if sent_back else {}
    html = render_template(
        "directory/admin.html",
        event=event,
        is_open=directory_is_open(event, now),
        opens_at=event.ends_at + timedelta(hours=delay) if delay is not None else None,
        listed=len(EventDirectory(event).listing()),
        counts=counts,
        statuses=LocationStatus,
        to_fix=[
            (r, forms.get(r.id) or AddressFixForm(obj=r, prefix=f"r{r.id}"))
            for r in _people_to_fix(event)
        ],
        geocoder=geocoding.provider_name(),
        map_view=links.map_view,
        map_tiles=current_app.config["MAP_TILE_URL"],
        map_attribution=current_app.config["MAP_TILE_ATTRIBUTION"],
    )
    return html, 422 if sent_back else 200


@bp.post("/events/<slug>/directory/<action>")
@staff_required
def directory_action(slug: str, action: str):
    event = queries.managed_event_or_404(slug, current_user)
    if action not in ("open", "close"):
        abort(404)
    if ConfirmForm().validate_on_submit():
        if action == "open":
            announced_before = event.directory_announced_at is not None
            try:
                announcement = services.open_directory(event)
            except services.NotPublished:
                flash(
                    _("Publish the evening first: only a published evening's directory opens."),
                    "error",
                )
                return redirect(url_for("directory_admin.directory", slug=slug))
            if announcement is not None:
                message = ngettext(
                    "The directory is open. %(num)d person who came gets their link by email.",
                    "The directory is open. %(num)d people who came get their link by email.",
                    announcement.told,
                )
            elif announced_before:
                message = _("The directory is open again; everyone who came has their link.")
            else:  # during the evening: the links go out when it ends
                message = _(
                    "The directory is open. Everyone who came gets their link by email when "
                    "the evening ends."
                )
            flash(message, "success")
        else:
            services.close_directory(event)
            flash(
                _("The directory is closed. Nobody can open it until you open it again."), "success"
            )
    return redirect(url_for("directory_admin.directory", slug=slug))


@bp.post("/events/<slug>/directory/addresses/<id:registration_id>")
@staff_required
def fix_address(slug: str, registration_id: int):
    registration = managed_registration_or_404(slug, registration_id, current_user)
    event = registration.event
    form = AddressFixForm(prefix=f"r{registration.id}")
    if not form.validate_on_submit():
        return _page(event, (registration.id, form))
    if form.latitude.data is not None and form.longitude.data is not None:
        services.place_pin(registration, form.latitude.data, form.longitude.data)
        flash(_("Pin placed for %(name)s.", name=registration.full_name), "success")
    else:
        services.correct_address(
            registration, form.street.data or "", form.postcode.data or "", form.city.data or ""
        )
        flash(
            _("The address of %(name)s goes back to the geocoder.", name=registration.full_name),
            "success",
        )
    return redirect(url_for("directory_admin.directory", slug=slug) + "#addresses")


# -- tables by neighbourhood --------------------------------------------------------------


@bp.get("/events/<slug>/tables")
@staff_required
def tables(slug: str):
    return _tables_page(queries.managed_event_or_404(slug, current_user))


def _tables_page(event, form: SeatingForm | None = None, sent_back: int | None = None):
    """The tables page; `form`: the count sent back with its errors (422); `sent_back`: the
    person whose move was refused (422)."""
    rows = seating.by_table(event)
    choices = [(t, _("Table %(number)d", number=t)) for t in range(1, (event.table_count or 0) + 1)]
    moves = {}
    for _table, people in rows:
        for registration in people:
            move = MoveForm(prefix=f"r{registration.id}", table=registration.table_number)
            move.table.choices = choices
            moves[registration.id] = move
    html = render_template(
        "directory/tables.html",
        event=event,
        form=form or SeatingForm(tables=event.table_count),
        rows=rows,
        moves=moves,
        count=len(seating.seated_people(event)),
    )
    return html, 422 if form is not None or sent_back is not None else 200


@bp.post("/events/<slug>/tables")
@staff_required
def seat(slug: str):
    event = queries.managed_event_or_404(slug, current_user)
    form = SeatingForm()
    if not form.validate_on_submit():
        return _tables_page(event, form=form)
    seated = seating.seat_by_neighbourhood(event, form.tables.data)
    flash(
        ngettext(
            "%(num)d person seated at %(tables)d tables by neighbourhood.",
            "%(num)d people seated at %(tables)d tables by neighbourhood.",
            seated,
            tables=form.tables.data,
        ),
        "success",
    )
    return redirect(url_for("directory_admin.tables", slug=slug))


@bp.post("/events/<slug>/tables/<id:registration_id>")
@staff_required
def move_to_table(slug: str, registration_id: int):
    registration = managed_registration_or_404(slug, registration_id, current_user)
    event = registration.event
    form = MoveForm(prefix=f"r{registration.id}")
    form.table.choices = [(t, str(t)) for t in range(1, (event.table_count or 0) + 1)]
    if registration.status is not RegistrationStatus.CONFIRMED or registration.erased_at:
        flash(_("Only people who are coming have a seat."), "error")
        return _tables_page(event, sent_back=registration.id)
    if not form.validate_on_submit():
        flash(_("Choose one of the evening's tables."), "error")
        return _tables_page(event, sent_back=registration.id)
    seating.move(registration, form.table.data)
    flash(
        _(
            "%(name)s moves to table %(number)d.",
            name=registration.full_name,
            number=form.table.data,
        ),
        "success",
    )
    return redirect(url_for("directory_admin.tables", slug=slug) + f"#table-{form.table.data}")


# -- the monthly neighbourhood digest -------------------------------------------------------


@bp.route("/series/<slug>/digest", methods=["GET", "POST"])
@staff_required
def digest_settings(slug: str):
    """The series' digest: on or off, its day, when the last went and to how many, and how
    it reads in each language."""
    series = queries.series_or_404(slug)
    require_series_access(current_user, series)
    form = DigestForm(data={"enabled": series.digest_enabled, "day": series.digest_day})
    if form.validate_on_submit():
        digest.update_settings(series, enabled=form.enabled.data, day=form.day.data)
        if series.digest_enabled:
            flash(_("The neighbourhood digest is on."), "success")
        else:
            flash(_("The neighbourhood digest is off."), "success")
        return redirect(url_for("directory_admin.digest_settings", slug=slug))
    html = render_template(
        "directory/digest.html",
        series=series,
        form=form,
        status=digest.status(series),
        previews={language: digest_mail.preview(series, language) for language in ("fr", "en")},
    )
    return html, 422 if form.errors else 200
