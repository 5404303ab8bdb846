"""Public pages: the home page, a series and its events, an event."""

from __future__ import annotations

from flask import abort, make_response, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import select

from meetup.auth.access import can_manage_series
from meetup.auth.urls import safe_next_url
from meetup.events import public_bp as bp
from meetup.events import queries, services, sharing
from meetup.events.calendar import calendar_file, calendar_links, series_calendar_file
from meetup.events.models import Event, EventStatus, Series
from meetup.extensions import db
from meetup.i18n import LANGUAGE_COOKIE
from meetup.kept_pages import kept_page, rows
from meetup.registrations.queries import confirmed_count, counts_for
from meetup.timeutil import utcnow


@bp.get("/")
def home():
    now = utcnow()
    upcoming = db.session.scalars(
        select(Event)
        .where(Event.status == EventStatus.PUBLISHED, Event.ends_at >= now)
        .order_by(Event.starts_at)
        .limit(20)
    ).all()
    series = db.session.scalars(
        select(Series)
        .where(Series.events.any(Event.status == EventStatus.PUBLISHED))
        .order_by(Series.name)
    ).all()
    counts = counts_for(event.id for event in upcoming)
    return render_template("events/home.html", upcoming=upcoming, series=series, counts=counts)


@bp.get("/series/<slug>")
def series_page(slug: str):
    series = queries.series_or_404(slug)
    now = utcnow()
    upcoming = queries.public_events(series, upcoming=True, now=now)
    past = queries.public_events(series, upcoming=False, now=now)
    counts = counts_for(event.id for event in upcoming)
    next_event = next((e for e in upcoming if e.status is EventStatus.PUBLISHED), None)
    return render_template(
        "events/series.html",
        series=series,
        upcoming=upcoming,
        past=past,
        counts=counts,
        share=sharing.series_card(series, next_event),
    )


@bp.get("/events/<slug>")
def event_page(slug: str):
    event = queries.event_or_404(slug)
    is_preview = event.status is EventStatus.DRAFT
    if is_preview and not (
        current_user.is_authenticated and can_manage_series(current_user, event.series)
    ):
        abort(404)
    taken = confirmed_count(event.id)
    now = utcnow()
    is_past = event.ends_at < now
    over = is_past or event.status is EventStatus.CANCELLED
    state = services.signup_state(event, now)
    # A page that ends nothing: the next evening, for someone who came too late.
    next_event = queries.next_public_event(event, now) if over else None

    def render() -> str:
        return render_template(
            "events/event.html",
            event=event,
            seats_left=max(event.capacity - taken, 0),
            signup_state=state,
            is_past=is_past,
            is_preview=is_preview,
            calendar_links=calendar_links(event),
            # A draft's preview is not for sharing: no link-preview tags.
            share=None if is_preview else sharing.event_card(event),
            next_event=next_event,
        )

    if is_preview:
        response = make_response(render())
        response.headers["Cache-Control"] = "no-store"
        return response
    # The same for every visitor (but the form's token) until something it shows changes.
    shown = rows(event, event.series, next_event, *event.speakers)
    return kept_page("event", (shown, taken, state, is_past), render)


@bp.get("/events/<slug>/calendar.ics")
def event_calendar(slug: str):
    """The evening as a calendar entry (public events only)."""
    event = queries.event_or_404(slug)
    if event.status is EventStatus.DRAFT:
        abort(404)
    body = calendar_file(event)
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


@bp.get("/series/<slug>/calendar.ics")
def series_calendar(slug: str):
    """The series' published (and cancelled) evenings, a feed calendars subscribe to."""
    series = queries.series_or_404(slug)
    response = make_response(series_calendar_file(series, queries.feed_events(series)))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    # Inline, not an attachment: calendar apps subscribe to this address.
    response.headers["Content-Disposition"] = f'inline; filename="{series.slug}.ics"'
    return response


@bp.get("/language/<code>")
def set_language(code: str):
    """Remember an explicit language choice, then go back where the visitor was."""
    target = safe_next_url(request.args.get("next")) or "/"
    response = make_response(redirect(target))
    if code in ("fr", "en"):
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            max_age=60 * 60 * 24 * 365,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure,  # over HTTPS, never sent over plain HTTP
        )
    return response
