"""Read-only lookups of series and events, scoped to what a user may see."""

from __future__ import annotations

from datetime import datetime
from typing import NoReturn

from flask import abort, redirect, request, url_for
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from meetup.auth.access import can_manage_series
from meetup.auth.models import Role, TeamRole, User, series_team
from meetup.events.models import Event, EventSlugRedirect, EventStatus, Series
from meetup.extensions import db
from meetup.images.models import StoredImage
from meetup.images.processing import COPY_WIDTHS


def _team_roles(door: bool) -> tuple[TeamRole, ...]:
    return (TeamRole.ORGANISER, TeamRole.DOOR) if door else (TeamRole.ORGANISER,)


def series_for(user: User, *, door: bool = False) -> Select:
    """The series a staff user organises (all of them for admins); with `door`, those they
    run the door of too."""
    query = select(Series).order_by(Series.name)
    if user.role is not Role.ADMIN:
        query = query.join(series_team).where(
            series_team.c.user_id == user.id, series_team.c.role.in_(_team_roles(door))
        )
    return query


def events_for(user: User, *, door: bool = False) -> Select:
    """The evenings of series_for(user, door=door)."""
    query = select(Event).join(Event.series)
    if user.role is not Role.ADMIN:
        query = query.join(series_team, series_team.c.series_id == Series.id).where(
            series_team.c.user_id == user.id, series_team.c.role.in_(_team_roles(door))
        )
    return query


def series_or_404(slug: str) -> Series:
    series = db.session.scalar(select(Series).where(Series.slug == slug))
    if series is None:
        abort(404)
    return series


#: Built once (SQLAlchemy then reuses their compiled form without rebuilding a cache key):
#: the event with its series, and with its speakers too, in one query (a selectin load of
#: the speakers built its own query on every page: a third of the event page's time).
_EVENT = select(Event).where(Event.slug == bindparam("slug")).options(joinedload(Event.series))
_EVENT_WITH_SPEAKERS = _EVENT.options(joinedload(Event.speakers))


def event_by_slug(slug: str, *, with_speakers: bool = False) -> Event | None:
    """The event with its series (and speakers, for the pages that show them), or None."""
    statement = _EVENT_WITH_SPEAKERS if with_speakers else _EVENT
    return db.session.execute(statement, {"slug": slug}).unique().scalar_one_or_none()


def event_or_404(slug: str, *, with_speakers: bool = True, follow_moves: bool = True) -> Event:
    """event_by_slug, or 404; an evening's earlier address (its date changed) redirects to
    the same page at its current one (see moved_or_404) unless `follow_moves` is False."""
    event = event_by_slug(slug, with_speakers=with_speakers)
    if event is None:
        if not follow_moves:
            abort(404)
        moved_or_404(slug)
    return event


def moved_event_slug(old_slug: str) -> str | None:
    """The current slug of the evening that had `old_slug`, or None."""
    return db.session.scalar(
        select(Event.slug)
        .join(EventSlugRedirect, EventSlugRedirect.event_id == Event.id)
        .where(EventSlugRedirect.old_slug == old_slug)
    )


def moved_or_404(slug: str) -> NoReturn:
    """The request's page at the evening's current address: 301 for a GET (links in emails,
    calendars, shares), 308 for a form's POST (its method and data kept); else 404."""
    current = moved_event_slug(slug)
    if current is None or request.view_args is None or request.view_args.get("slug") != slug:
        abort(404)
    url = url_for(request.endpoint, **(request.view_args | {"slug": current}))
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    abort(redirect(url, 301 if request.method in ("GET", "HEAD") else 308))


def managed_event_or_404(slug: str, user: User) -> Event:
    """The event, if `user` manages its series: 404 when it does not exist, 403 otherwise."""
    event = event_or_404(slug)
    if not can_manage_series(user, event.series):
        abort(403)
    return event


def _with_copies(path):
    for _ in COPY_WIDTHS:
        path = path.selectinload(StoredImage.small)
    return path


#: Each evening's cover with its copies (their AVIF twins come joined with each), for lists
#: that give them (the API's): one query per level for the whole list, not three an evening.
WITH_COVERS = _with_copies(selectinload(Event.cover))


def public_events(
    series: Series, *, upcoming: bool, now: datetime, with_covers: bool = False
) -> list[Event]:
    """Published and cancelled events (cancelled ones stay visible, marked as such)."""
    query = select(Event).where(
        Event.series_id == series.id,
        Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]),
    )
    if upcoming:
        query = query.where(Event.ends_at >= now).order_by(Event.starts_at)
    else:
        query = query.where(Event.ends_at < now).order_by(Event.starts_at.desc())
    if with_covers:
        query = query.options(WITH_COVERS)
    return list(db.session.scalars(query))


def next_public_event(event: Event, now: datetime) -> Event | None:
    """The series' next published evening not over yet, other than `event`: where a past or
    cancelled evening's page sends its visitors."""
    return db.session.scalar(
        select(Event)
        .where(
            Event.series_id == event.series_id,
            Event.id != event.id,
            Event.status == EventStatus.PUBLISHED,
            Event.ends_at >= now,
        )
        .order_by(Event.starts_at)
        .limit(1)
    )


def feed_events(series: Series) -> list[Event]:
    """A series' public evenings, past and ahead, in date order: its calendar feed (the
    cancelled ones too, so that subscribed calendars mark them cancelled)."""
    return list(
        db.session.scalars(
            select(Event)
            .where(
                Event.series_id == series.id,
                Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]),
            )
            .order_by(Event.starts_at, Event.id)
        )
    )
