"""Organisers: an event's registrations, with search, filters and the waitlist by hand."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import case, func, select

from meetup import audit
from meetup.auth.access import staff_required
from meetup.auth.forms import ConfirmForm
from meetup.events import queries
from meetup.events.models import Event
from meetup.extensions import db
from meetup.i18n import format_date_in_zone, format_time_in_zone
from meetup.mail.models import SEGMENT_LABELS
from meetup.registrations import admin_bp as bp
from meetup.registrations import campaigns, news, services, spreadsheet
from meetup.registrations.csvio import (
    CsvProblem,
    csv_delimiter,
    decode_upload,
    other_separator,
    parse_import,
    to_csv,
)
from meetup.registrations.forms import (
    AddPersonForm,
    AnnounceForm,
    ConfirmImportForm,
    ImportForm,
    SignupForm,
    WriteForm,
)
from meetup.registrations.models import Registration, RegistrationStatus, Source
from meetup.registrations.queries import counts_for, managed_registration_or_404
from meetup.textfold import matches, search_words
from meetup.writelock import writes

PAGE_SIZE = 100
_CSV_PROBLEMS = {
    "empty": _l("The file is empty."),
    "no email column": _l(
        "No email column: the first row must name the columns (email, first_name, last_name, …)."
    ),
    "too many rows": _l("Too many rows: at most 2,000 people per import."),
    "encoding": _l(
        "This file is not text in an encoding we can read (UTF-8, UTF-16 or Windows-1252). "
        "In your spreadsheet, save it as “CSV UTF-8”, then choose it again."
    ),
    "not text": _l(
        "This file is not a CSV text file (a spreadsheet's own format, perhaps). In your "
        "spreadsheet, save it as “CSV UTF-8”, then choose it again."
    ),
    "too long": _l(
        "A cell of this file is longer than 131,072 characters: is it the right file? "
        "No cell of a list of people is that long."
    ),
    "malformed": _l("This file cannot be read as CSV."),
}


def _found(rows, text: str) -> list[Registration]:
    """The rows whose name, company or email has every word typed, accents and case aside
    (as the door's search): done here, as SQL's lower() knows no accents (SQLite's not even
    capitals beyond ASCII). An evening has a few hundred people at most."""
    words = search_words(text)
    return [r for r in rows if matches(words, r.first_name, r.last_name, r.company, r.email)]


@bp.get("/events/<slug>/registrations")
@staff_required
def registrations(slug: str):
    event = queries.managed_event_or_404(slug, current_user)
    status = request.args.get("status", "")
    text = request.args.get("q", "")[:100]
    query = select(Registration).where(Registration.event_id == event.id)
    if status in {s.value for s in RegistrationStatus}:
        query = query.where(Registration.status == RegistrationStatus(status))
    elif status in ARRIVAL_FILTERS:
        query = query.where(*ARRIVAL_FILTERS[status])
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
    if search_words(text):
        rows = _found(db.session.scalars(query), text)
    else:
        rows = db.session.scalars(query.limit(PAGE_SIZE + 1)).all()
    return render_template(
        "registrations/admin_list.html",
        event=event,
        rows=rows[:PAGE_SIZE],
        truncated=len(rows) > PAGE_SIZE,
        counts=counts_for([event.id])[event.id],
        status=status,
        text=text,
        other_separator=other_separator(str(get_locale())),
    )


#: After the evening: who came, who had a seat and did not, who came without signing up.
ARRIVAL_FILTERS = {
    "came": (Registration.checked_in_at.is_not(None),),
    "no_show": (
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.checked_in_at.is_(None),
    ),
    "walk_in": (
        Registration.source == Source.WALK_IN,
        Registration.status == RegistrationStatus.CONFIRMED,
    ),
}


@bp.get("/events/<slug>/registrations.csv")
@writes  # the audit of the export
@staff_required
def registrations_csv(slug: str):
    """Everything the organisers hold about the event's registrations, for a spreadsheet."""
    event = queries.managed_event_or_404(slug, current_user)
    registrations = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id).order_by(Registration.id)
    ).all()
    body = to_csv(
        spreadsheet.header(),
        spreadsheet.rows(registrations, event.zone),
        delimiter=csv_delimiter(str(get_locale()), request.args.get("separator", "")),
    )

    audit.record_now("export_csv", event.slug, len(registrations))
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
    event = queries.managed_event_or_404(slug, current_user)
    form = AddPersonForm()
    if form.validate_on_submit():
        result = services.register(
            event, form.profile(form.normalised_email()), source=Source.ORGANISER
        )
        if result.already_registered:
            flash(
                _("%(name)s was already registered (%(status)s): nothing changed, and no email "
                  "was sent.",
                  name=result.registration.full_name,
                  status=_status_label(result.registration.status)),
                "info",
            )  # fmt: skip
            return redirect(url_for("registrations_admin.registrations", slug=slug))
        flash(
            _("%(name)s is registered (%(status)s); an email is on its way to them.",
              name=result.registration.full_name,
              status=_status_label(result.registration.status)),
            "success",
        )  # fmt: skip
        return redirect(url_for("registrations_admin.registrations", slug=slug))
    return render_template("registrations/admin_new.html", event=event, form=form)


@dataclass
class CheckedRow:
    number: int
    values: dict[str, str]
    profile: services.Profile | None = None
    errors: list[str] = field(default_factory=list)
    already_registered: bool = False


def _check_rows(event: Event, text: str) -> tuple[list[str], list[CheckedRow]]:
    """Every row through the signup form's own rules. Imported people have not chosen who
    may see their card: it stays visible to nobody until they choose (personal link)."""
    unknown, rows = parse_import(text, spreadsheet.import_columns())
    already_there = services.registered_emails(event)
    checked, seen = [], set()
    for number, values in enumerate(rows, start=2):  # row 1 is the header
        values = spreadsheet.read_back(values)
        row = CheckedRow(number, values)
        data = {**values, "visibility": "nobody", "language": values.get("language") or "fr"}
        form = SignupForm.for_data(data)
        if not form.validate():
            row.errors = [
                _(
                    "%(field)s: %(problem)s",
                    field=form[name].label.text,
                    problem=" ".join(str(m) for m in messages),
                )
                for name, messages in form.errors.items()
            ]
        else:
            email = form.normalised_email()
            if email.lower() in seen:
                row.errors = [_("This email appears twice in the file.")]
            else:
                seen.add(email.lower())
                row.profile = form.profile(email)
                row.already_registered = email.lower() in already_there
        checked.append(row)
    return unknown, checked


@bp.route("/events/<slug>/registrations/import", methods=["GET", "POST"])
@staff_required
def registrations_import(slug: str):
    """Upload a CSV, see every row checked, then import all of it or nothing."""
    event = queries.managed_event_or_404(slug, current_user)
    form = ImportForm()
    if form.validate_on_submit():
        try:
            text = decode_upload(form.file.data.read())
            unknown, rows = _check_rows(event, text)
        except CsvProblem as problem:
            form.file.errors.append(
                _CSV_PROBLEMS.get(str(problem), _("This file cannot be read as CSV."))
            )
        else:
            confirm = ConfirmImportForm(
                formdata=None, csv_text=text, send_emails="1" if form.send_emails.data else ""
            )
            return render_template(
                "registrations/admin_import_preview.html",
                event=event,
                rows=rows,
                unknown=unknown,
                confirm=confirm,
                has_errors=any(row.errors for row in rows),
                free=max(event.capacity - services.confirmed_count(event), 0),
                upload=ImportForm(formdata=None, send_emails=form.send_emails.data),
            )
    return render_template("registrations/admin_import.html", event=event, form=form), (
        422 if form.is_submitted() else 200
    )


@bp.post("/events/<slug>/registrations/import/confirm")
@staff_required
def registrations_import_confirm(slug: str):
    event = queries.managed_event_or_404(slug, current_user)
    confirm = ConfirmImportForm()
    if not confirm.validate_on_submit():
        abort(400)
    try:
        unknown, rows = _check_rows(event, confirm.csv_text.data or "")
    except CsvProblem:
        flash(_("The file could not be read again: please choose it once more."), "error")
        return redirect(url_for("registrations_admin.registrations_import", slug=slug))
    if any(row.errors for row in rows):  # the file changed in between: show the checks again
        return render_template(
            "registrations/admin_import_preview.html",
            event=event, rows=rows, unknown=unknown, confirm=confirm, has_errors=True,
            free=max(event.capacity - services.confirmed_count(event), 0),
            upload=ImportForm(formdata=None, send_emails=bool(confirm.send_emails.data)),
        ), 422  # fmt: skip
    report = services.import_profiles(
        event,
        [row.profile for row in rows if row.profile and not row.already_registered],
        send_emails=bool(confirm.send_emails.data),
    )
    flash(
        _("Imported: %(confirmed)d confirmed, %(waitlisted)d on the waitlist, %(already)d already registered (left as they were).",
          confirmed=report.confirmed, waitlisted=report.waitlisted,
          already=len(report.already_registered) + sum(row.already_registered for row in rows)),
        "success",
    )  # fmt: skip
    return redirect(url_for("registrations_admin.registrations", slug=slug))


def _status_label(status: RegistrationStatus) -> str:
    return str(spreadsheet.STATUS[status])


@bp.post("/events/<slug>/registrations/<id:registration_id>/<any(cancel, promote, resend):action>")
@staff_required
def registration_action(slug: str, registration_id: int, action: str):
    registration = managed_registration_or_404(slug, registration_id, current_user)
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
            flash(
                _(
                    "A new personal link is on its way to %(name)s; the links sent before no "
                    "longer work.",
                    name=name,
                ),
                "success",
            )
    return redirect(url_for("registrations_admin.registrations", slug=slug, **request.args))


# -- announcing the evening to those who asked for news ------------------------------------


@bp.route("/events/<slug>/announce", methods=["GET", "POST"])
@staff_required
def announce(slug: str):
    """How many will be told, the email in each language, then send (once, unless again)."""
    event = queries.managed_event_or_404(slug, current_user)
    form = AnnounceForm()
    if form.validate_on_submit():
        try:
            told = news.announce(event, again=bool(form.again.data))
        except news.CannotAnnounce:
            flash(_cannot_announce(event), "error")
        except news.AlreadyAnnounced:
            flash(_("This evening was announced already. Tick the box to send it again."), "error")
        else:
            flash(
                ngettext(
                    "Announcement sent to %(num)d person.",
                    "Announcement sent to %(num)d people.",
                    told,
                ),
                "success",
            )
            return redirect(url_for("admin.event_detail", slug=event.slug))
    previews = {language: news.preview(event, language) for language in ("fr", "en")}
    status = 422 if form.is_submitted() else 200
    page = render_template(
        "registrations/announce.html",
        event=event,
        form=form,
        audience=news.audience_size(event),
        can_announce=news.can_announce(event),
        cannot_announce=_cannot_announce(event),
        previews=previews,
    )
    return page, status


def _cannot_announce(event) -> str:
    """Why the evening cannot be announced now, and when it can."""
    opens = news.announce_from(event)
    if opens is None:
        return _("This evening cannot be announced: it is not open for signups.")
    return _(
        "Signups for this evening open on %(date)s at %(time)s: you can announce it from "
        "then. Each email's button signs the person up at once, so it must work when they "
        "tap it.",
        date=format_date_in_zone(opens, event.zone, "long"),
        time=format_time_in_zone(opens, event.zone),
    )


# -- writing to the evening's people --------------------------------------------------------


@bp.route("/events/<slug>/write", methods=["GET", "POST"])
@staff_required
def write(slug: str):
    """A message to a group (segment) of the evening's people: the count, a preview in each
    language, then the outbox."""
    event = queries.managed_event_or_404(slug, current_user)
    sizes = campaigns.counts(event)
    form = WriteForm()
    form.segment.choices = [
        (key, f"{SEGMENT_LABELS[key]} ({count})") for key, count in sizes.items()
    ]
    if not form.is_submitted():
        wanted = request.args.get("segment", "")
        form.segment.data = wanted if wanted in sizes else "confirmed"
        form.nonce.data = secrets.token_urlsafe(24)
    previews = None
    if form.validate_on_submit():
        if request.form.get("action") == "send":
            try:
                campaign = campaigns.send(
                    event,
                    segment=form.segment.data,
                    subject=form.subject.data,
                    body=form.body.data,
                    nonce=form.nonce.data,
                    sent_by=current_user,
                )
            except campaigns.AlreadySent:
                flash(_("This message was sent already: it was not sent a second time."), "info")
                earlier = campaigns.sent_before(form.nonce.data)
                return redirect(
                    url_for("mail_admin.outbox", campaign=earlier.id if earlier else None)
                )
            except campaigns.NobodyToWrite:
                form.segment.errors.append(_("Nobody is in this group: nothing was sent."))
            else:
                flash(
                    ngettext(
                        "Your message is on its way to %(num)d person.",
                        "Your message is on its way to %(num)d people.",
                        campaign.recipients,
                    ),
                    "success",
                )
                return redirect(url_for("mail_admin.outbox", campaign=campaign.id))
        else:
            previews = {
                language: campaigns.preview(event, form.subject.data, form.body.data, language)
                for language in ("fr", "en")
            }
    page = render_template(
        "registrations/write.html",
        event=event,
        form=form,
        count=sizes.get(form.segment.data or "", 0),
        previews=previews,
    )
    return page, (422 if form.errors else 200)
