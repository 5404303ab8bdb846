"""Read-only questions about registrations: counts and seats, a registration for staff, and
the one a personal link opens."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from flask import abort, make_response, render_template
from sqlalchemy import bindparam, case, func, or_, select

from meetup.events.models import Event
from meetup.events.queries import managed_event_or_404
from meetup.extensions import db
from meetup.registrations.models import EarlierLink, Registration, RegistrationStatus, Source
from meetup.registrations.tokens import hash_token
from meetup.responses import private


def registrations_of(registration: Registration, series_ids=None) -> list[Registration]:
    """The person's registrations not erased: this one, and those with the same email (case
    aside; this one by id too, since SQLite's lower() leaves "É" as it is), in every series or
    only in `series_ids`."""

    query = select(Registration).where(
        or_(
            Registration.id == registration.id,
            func.lower(Registration.email) == registration.email.lower(),
        ),
        Registration.erased_at.is_(None),
    )
    if series_ids is not None:
        query = query.join(Event, Event.id == Registration.event_id).where(
            Event.series_id.in_(series_ids)
        )
    return list(db.session.scalars(query.order_by(Registration.id)))


def managed_registration_or_404(slug: str, registration_id: int, user) -> Registration:
    """A registration of the event `slug`, for a user who manages its series: 404 when
    either does not exist or they do not match, 403 for other staff."""
    event = managed_event_or_404(slug, user)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


@dataclass(frozen=True)
class Counts:
    confirmed: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    #: Checked in, whatever their status now (someone may cancel after coming).
    checked_in: int = 0
    #: Of the confirmed: checked in, and registered at the door.
    confirmed_checked_in: int = 0
    walk_ins: int = 0

    def seats_left(self, capacity: int) -> int:
        return max(capacity - self.confirmed, 0)

    @property
    def no_shows(self) -> int:
        """Had a seat and did not come (so far)."""
        return self.confirmed - self.confirmed_checked_in


#: Built once: an evening's public page asks it (its seats left), from the index alone.
_CONFIRMED = select(func.count()).where(
    Registration.event_id == bindparam("event_id"),
    Registration.status == RegistrationStatus.CONFIRMED,
)


def confirmed_count(event_id: int) -> int:
    """The evening's seats taken: one count of index entries (ix_registrations_counts), not
    the full counts of counts_for, which step through every registration of the evening."""
    return db.session.scalar(_CONFIRMED, {"event_id": event_id})


#: Built once, for every page that shows counts (see events.queries._EVENT).
_COUNTS = (
    select(
        Registration.event_id,
        Registration.status,
        func.count(),
        func.count(Registration.checked_in_at),
        func.count(case((Registration.source == Source.WALK_IN, 1))),
    )
    .where(Registration.event_id.in_(bindparam("ids", expanding=True)))
    .group_by(Registration.event_id, Registration.status)
)


def counts_for(event_ids: Iterable[int]) -> dict[int, Counts]:
    """Registration counts per event, in one query."""
    ids = list(event_ids)
    if not ids:
        return {}
    rows = db.session.execute(_COUNTS, {"ids": ids}).all()
    raw: dict[int, dict[str, int]] = defaultdict(dict)
    for event_id, status, count, checked_in, walk_ins in rows:
        status = RegistrationStatus(status)
        raw[event_id][status.value] = count
        raw[event_id]["checked_in"] = raw[event_id].get("checked_in", 0) + checked_in
        if status is RegistrationStatus.CONFIRMED:
            raw[event_id]["confirmed_checked_in"] = checked_in
            raw[event_id]["walk_ins"] = walk_ins
    return {event_id: Counts(**raw.get(event_id, {})) for event_id in ids}


def registration_by_link(token: str) -> Registration:
    """The registration a personal link opens (the newest, or one of the earlier ones kept).
    A link that opens nothing (cut, mistyped, long replaced, erased) gets a 404 that says
    what to do, the same whatever the reason: nobody learns who is registered."""
    registration = by_manage_token(token)
    if registration is None or registration.erased_at is not None:
        page = make_response((render_template("registrations/link_unknown.html"), 404))
        abort(private(page))
    return registration


def by_manage_token(token: str) -> Registration | None:
    """The registration a personal link opens: its newest link, or an earlier one."""
    if not token or len(token) > 100:
        return None
    token_hash = hash_token(token)
    registration = db.session.scalar(
        select(Registration).where(Registration.manage_token_hash == token_hash)
    )
    if registration is None:
        registration = db.session.scalar(
            select(Registration).join(EarlierLink).where(EarlierLink.token_hash == token_hash)
        )
    return registration
