"""The organisers' screens for series, events and speakers."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from meetup.auth.access import may_create_series, require_series_access, requires, staff_required
from meetup.auth.forms import ConfirmForm
from meetup.auth.models import DOOR_PHONE_DOMAIN, Role, TeamRole, User, series_team
from meetup.directory.outcome import outcome
from meetup.events import admin_bp as bp
from meetup.events import queries, services
from meetup.events.forms import EventForm, SeriesForm, SpeakerForm
from meetup.events.models import Event, EventStatus, Series, Speaker
from meetup.extensions import db
from meetup.images.uploads import accepts_pictures, chosen_picture, shown_picture
from meetup.registrations import news
from meetup.registrations import services as registration_services
from meetup.registrations.queries import counts_for
from meetup.timeutil import utcnow


def _apply_errors(form, error: services.InvalidData) -> None:
    """Show service-level errors beside the matching fields (or the first field)."""
    for name, message in error.errors.items():
        field = getattr(form, name, None) or getattr(form, "date", None) or next(iter(form))
        field.errors = [*field.errors, message]


def _team_choices(series: Series | None = None) -> list[SelectChoice]:
    """Staff who can be put on a team, each with their role in this series (for newcomers,
    the one they would join as). An organiser only sees people they already work with (the
    teams of the series they organise): accounts of other clubs stay private; an admin adds
    newcomers, and roles change on the team page."""
    query = select(User).where(
        User.role != Role.ADMIN,
        User.deactivated_at.is_(None),
        User.email.not_like("%" + DOOR_PHONE_DOMAIN),  # paired phones are no one's colleague
    )
    if current_user.role is not Role.ADMIN:
        colleagues = select(series_team.c.user_id).where(
            series_team.c.series_id.in_(
                select(series_team.c.series_id).where(
                    series_team.c.user_id == current_user.id,
                    series_team.c.role == TeamRole.ORGANISER,
                )
            )
        )
        query = query.where(User.id.in_(colleagues))
    users = db.session.scalars(query.order_by(User.email))
    labels = {TeamRole.ORGANISER: _("organiser"), TeamRole.DOOR: _("door")}
    here = {m.user_id: m.role for m in series.memberships} if series is not None else {}
    return [
        SelectChoice(
            user.id,
            f"{user.display_name} ({labels[here.get(user.id) or TeamRole.joining_as(user)]})",
        )
        for user in users
    ]


def _admin_contacts() -> list[str]:
    """Whom an organiser asks for a new colleague's account (admins create accounts)."""
    if current_user.role is Role.ADMIN:
        return []
    admins = select(User.email).where(User.role == Role.ADMIN, User.deactivated_at.is_(None))
    return list(db.session.scalars(admins.order_by(User.email)))


def _chosen_team(form: SeriesForm) -> list[User]:
    allowed = {choice.value for choice in form.team.choices}
    ids = [user_id for user_id in form.team.data or [] if user_id in allowed]
    return list(db.session.scalars(select(User).where(User.id.in_(ids))))


@bp.get("/")
@staff_required
def dashboard():
    now = utcnow()
    upcoming = db.session.scalars(
        queries.events_for(current_user).where(Event.ends_at >= now).order_by(Event.starts_at)
    ).all()
    recent = db.session.scalars(
        queries.events_for(current_user)
        .where(Event.ends_at < now)
        .order_by(Event.starts_at.desc())
        .limit(5)
    ).all()
    series = db.session.scalars(queries.series_for(current_user)).all()
    counts = counts_for(event.id for event in [*upcoming, *recent])
    return render_template(
        "events/dashboard.html", upcoming=upcoming, recent=recent, series=series, counts=counts
    )


@bp.get("/series")
@staff_required
def series_list():
    series = db.session.scalars(
        queries.series_for(current_user).options(selectinload(Series.events))
    ).all()
    return render_template("events/series_list.html", series=series)


@bp.route("/series/new", methods=["GET", "POST"])
@accepts_pictures
@requires(may_create_series)
def series_new():
    form = SeriesForm()
    form.team.choices = _team_choices()
    if not form.is_submitted():
        form.timezone.data = current_app.config["DEFAULT_TIMEZONE"]
    valid = form.validate_on_submit()
    logo = chosen_picture(form, "logo", None) if form.is_submitted() else None
    if valid:
        try:
            series = services.create_series(
                **form.service_values(),
                logo_sha256=logo,
                team=_chosen_team(form),
                acting_user=current_user,
            )
        except services.InvalidData as error:
            _apply_errors(form, error)
        else:
            flash(_("Series created."), "success")
            return redirect(url_for("admin.series_detail", slug=series.slug))
    return render_template(
        "events/series_form.html",
        form=form,
        series=None,
        admins=_admin_contacts(),
        logo=shown_picture(form, "logo", None),
    )


@bp.get("/series/<slug>")
@staff_required
def series_detail(slug: str):
    series = queries.series_or_404(slug)
    require_series_access(current_user, series)
    events = sorted(series.events, key=lambda event: event.starts_at, reverse=True)
    counts = counts_for(event.id for event in events)
    return render_template(
        "events/series_detail.html", series=series, events=events, counts=counts, now=utcnow()
    )


@bp.route("/series/<slug>/edit", methods=["GET", "POST"])
@accepts_pictures
@staff_required
def series_edit(slug: str):
    series = queries.series_or_404(slug)
    require_series_access(current_user, series)
    form = SeriesForm(obj=series)
    del form.slug
    form.team.choices = _team_choices(series)
    if not form.is_submitted():
        form.team.data = [member.id for member in series.team]
    valid = form.validate_on_submit()
    logo = chosen_picture(form, "logo", series.logo_sha256) if form.is_submitted() else None
    if valid:
        try:
            services.update_series(
                series,
                **form.service_values(),
                logo_sha256=logo,
                team=_chosen_team(form),
                acting_user=current_user,
            )
        except services.InvalidData as error:
            _apply_errors(form, error)
        else:
            flash(_("Series saved."), "success")
            return redirect(url_for("admin.series_detail", slug=series.slug))
    return render_template(
        "events/series_form.html",
        form=form,
        series=series,
        admins=_admin_contacts(),
        logo=shown_picture(form, "logo", series.logo),
    )


@bp.route("/series/<slug>/events/new", methods=["GET", "POST"])
@accepts_pictures
@staff_required
def event_new(slug: str):
    series = queries.series_or_404(slug)
    require_series_access(current_user, series)
    form = EventForm(zone=series.zone)
    if not form.is_submitted():
        form.title.data = series.name
        form.venue_name.data = series.default_venue_name
        form.venue_address.data = series.default_venue_address
        form.capacity.data = series.default_capacity
    valid = form.validate_on_submit()
    cover = chosen_picture(form, "cover", None) if form.is_submitted() else None
    if valid:
        try:
            event = services.create_event(series, **form.service_values(), cover_sha256=cover)
        except services.InvalidData as error:
            _apply_errors(form, error)
        else:
            flash(_("Event created as a draft. Publish it when it is ready."), "success")
            return redirect(url_for("admin.event_detail", slug=event.slug))
    return render_template(
        "events/event_form.html",
        form=form,
        series=series,
        event=None,
        cover=shown_picture(form, "cover", None),
    )


def _render_event_detail(event: Event, speaker_form: SpeakerForm) -> str:

    now = utcnow()
    return render_template(
        "events/event_detail.html",
        event=event,
        counts=counts_for([event.id])[event.id],
        speaker_form=speaker_form,
        signup_state=services.signup_state(event),
        is_past=event.ends_at < now,
        # Door phones are paired until 12 hours after the evening (meetup.checkin.pairing).
        now_minus_window=now - timedelta(hours=12),
        # What the evening produced, once it has begun.
        outcome=outcome(event) if event.starts_at <= now else None,
    )


@bp.get("/events/<slug>")
@staff_required
def event_detail(slug: str):
    return _render_event_detail(
        queries.managed_event_or_404(slug, current_user), SpeakerForm(formdata=None)
    )


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
@accepts_pictures
@staff_required
def event_edit(slug: str):
    event = queries.managed_event_or_404(slug, current_user)
    form = EventForm(zone=event.zone)
    if not form.is_submitted():
        form.fill_from(event)
    valid = form.validate_on_submit()
    # Kept (form.cover_kept) through the question about telling people, and through errors.
    cover = chosen_picture(form, "cover", event.cover_sha256) if form.is_submitted() else None
    if valid:
        capacity_before = event.capacity
        values = form.service_values()
        choice = request.form.get("notify", "")
        to_tell = registration_services.change_notice_count(event, values)
        if to_tell and choice not in ("yes", "no"):
            # The time or place changes: say how many will be told, and let them choose.
            notice = ChangeNotice(event, values, to_tell)
            return render_template(
                "events/event_form.html", form=form, series=event.series, event=event,
                notice=notice, cover=shown_picture(form, "cover", event.cover),
            )  # fmt: skip
        try:
            told = registration_services.update_event_and_notify(
                event, notify=choice != "no", **values, cover_sha256=cover
            )
        except services.InvalidData as error:
            _apply_errors(form, error)
        else:
            flash(_("Event saved."), "success")
            if to_tell and choice == "no":
                flash(_("Nobody was told of the change."), "info")
            if told:
                flash(
                    ngettext(
                        "%(num)d person registered is told of the change by email.",
                        "%(num)d people registered are told of the change by email.",
                        told,
                    ),
                    "success",
                )
            for person in registration_services.capacity_changed(event):
                flash(
                    _("%(name)s gets the seat from the waitlist.", name=person.full_name), "success"
                )
            if event.capacity < capacity_before:
                _warn_if_over_capacity(event)
            return redirect(url_for("admin.event_detail", slug=event.slug))
    return render_template(
        "events/event_form.html",
        form=form,
        series=event.series,
        event=event,
        cover=shown_picture(form, "cover", event.cover),
    )


class ChangeNotice:
    """What an edit changes that the people registered would be told of, before saving."""

    def __init__(self, event: Event, values: dict, count: int) -> None:
        self.count = count
        local = values["starts_at"].astimezone(event.zone).date()
        self.date_moves = local != event.starts_at.astimezone(event.zone).date()
        self.old_url = url_for("public.event_page", slug=event.slug, _external=True)


def _warn_if_over_capacity(event: Event) -> None:
    """Capacity set below the seats already given: say what happens (nobody is turned away)."""
    confirmed = registration_services.confirmed_count(event)
    if confirmed > event.capacity:
        sentences = (
            ngettext(
                "%(num)d person already has a seat,",
                "%(num)d people already have a seat,",
                confirmed,
            ),
            ngettext(
                "more than the %(num)d place set.",
                "more than the %(num)d places set.",
                event.capacity,
            ),
            _(
                "Nobody loses their seat; new signups go to the waitlist until enough people cancel."
            ),
        )
        flash(" ".join(sentences), "info")


_STATUS_ACTIONS = {
    "publish": (EventStatus.PUBLISHED, _l("Event published: its public page is online.")),
    "cancel": (EventStatus.CANCELLED, _l("Event cancelled. Its page now says so.")),
    "unpublish": (EventStatus.DRAFT, _l("Event back to draft: its public page is offline.")),
}


@bp.post("/events/<slug>/<any(publish, cancel, unpublish):action>")
@staff_required
def event_status(slug: str, action: str):
    event = queries.managed_event_or_404(slug, current_user)
    if ConfirmForm().validate_on_submit():
        status, message = _STATUS_ACTIONS[action]
        told = registration_services.set_status_and_notify(event, status)
        flash(str(message), "success")
        if told:
            flash(
                ngettext(
                    "%(num)d person registered is told by email.",
                    "%(num)d people registered are told by email.",
                    told,
                ),
                "success",
            )
        if action == "publish" and event.announced_at is None and news.audience_size(event):
            # Next: who will be told of it, and the email.
            return redirect(url_for("registrations_admin.announce", slug=event.slug))
    return redirect(url_for("admin.event_detail", slug=event.slug))


@bp.post("/events/<slug>/duplicate")
@staff_required
def event_duplicate(slug: str):
    event = queries.managed_event_or_404(slug, current_user)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.event_detail", slug=event.slug))
    copy = services.duplicate_as_next_month(event)
    flash(_("Next month's event is ready as a draft: check it, add speakers, publish."), "success")
    return redirect(url_for("admin.event_edit", slug=copy.slug))


@bp.post("/events/<slug>/speakers")
@staff_required
def speaker_add(slug: str):
    event = queries.managed_event_or_404(slug, current_user)
    form = SpeakerForm()
    if form.validate_on_submit():
        services.add_speaker(event, **form.service_values())
        flash(_("Speaker added."), "success")
        return redirect(url_for("admin.event_detail", slug=event.slug) + "#speakers")
    return _render_event_detail(event, form), 422


def _speaker_for_staff(slug: str, speaker_id: int) -> Speaker:
    event = queries.managed_event_or_404(slug, current_user)
    speaker = db.session.get(Speaker, speaker_id)
    if speaker is None or speaker.event_id != event.id:
        abort(404)
    return speaker


@bp.route("/events/<slug>/speakers/<id:speaker_id>/edit", methods=["GET", "POST"])
@staff_required
def speaker_edit(slug: str, speaker_id: int):
    speaker = _speaker_for_staff(slug, speaker_id)
    form = SpeakerForm(obj=speaker)
    if form.validate_on_submit():
        services.update_speaker(speaker, **form.service_values())
        flash(_("Speaker saved."), "success")
        return redirect(url_for("admin.event_detail", slug=slug) + "#speakers")
    return render_template(
        "events/speaker_form.html", form=form, event=speaker.event, speaker=speaker
    )


@bp.post("/events/<slug>/speakers/<id:speaker_id>/delete")
@staff_required
def speaker_delete(slug: str, speaker_id: int):
    speaker = _speaker_for_staff(slug, speaker_id)
    if ConfirmForm().validate_on_submit():
        services.remove_speaker(speaker)
        flash(_("Speaker removed."), "success")
    return redirect(url_for("admin.event_detail", slug=slug) + "#speakers")
