"""Every change a webhook tells of becomes a delivery row in the transaction of the change
(the webhooks' outbox): a session listener sees each flush of registrations and evenings,
so no path can forget (as meetup.privacy.consents), and the door's check-in, written
without the ORM, says so through meetup.signals."""

from __future__ import annotations

import json
import secrets
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, event, insert, inspect, select
from sqlalchemy.orm import Session

from meetup import signals
from meetup.events.models import Event, EventStatus, Series
from meetup.extensions import db
from meetup.links import absolute_url
from meetup.registrations.models import CONSENT_FLAGS, Registration, RegistrationStatus
from meetup.timeutil import rfc3339, utcnow
from meetup.webhooks.models import ERASED, WebhookDelivery, WebhookEndpoint
from meetup.webhooks.payloads import CARD, event_data, registration_data

#: A change to any of these is registration.updated.
REGISTRATION_WATCHED = (
    *CARD, "email", "phone", "street", "postcode", "city", "language", "visibility",
    *CONSENT_FLAGS,
)  # fmt: skip
#: A change to any of these is event.changed.
EVENT_WATCHED = (
    "title", "theme", "description", "starts_at", "ends_at", "venue_name", "venue_address",
    "capacity", "registration_opens_at", "registration_closes_at", "status",
)  # fmt: skip


def _changed(instance, names) -> bool:
    state = inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in names)


def _added(instance, name):
    history = inspect(instance).attrs[name].history
    return history.added[0] if history.added else None


def _registration_events(instance: Registration, is_new: bool) -> list[str]:
    if is_new:
        found = ["registration.created"]
        if instance.checked_in_at is not None:  # a walk-in
            found.append("checkin.created")
        return found
    found = []
    status = _added(instance, "status")
    if status is RegistrationStatus.CANCELLED:
        found.append("registration.cancelled")
    elif status is not None or _changed(instance, REGISTRATION_WATCHED):
        found.append("registration.updated")
    history = inspect(instance).attrs["checked_in_at"].history
    if history.added and history.added[0] is not None and not any(history.deleted or ()):
        found.append("checkin.created")
    return found


def _event_events(instance: Event, is_new: bool) -> list[str]:
    if is_new:
        return ["event.published"] if instance.status is EventStatus.PUBLISHED else []
    if _added(instance, "status") is EventStatus.PUBLISHED:
        return ["event.published"]
    if instance.status is not EventStatus.DRAFT and _changed(instance, EVENT_WATCHED):
        return ["event.changed"]
    return []


#: Built once: every door scan asks it (SQLAlchemy reuses its compiled form).
_ENDPOINTS = select(WebhookEndpoint.id, WebhookEndpoint.events).where(
    WebhookEndpoint.series_id == bindparam("series_id")
)


class _Queue:
    """The deliveries of one flush, written in one statement."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.rows: list[dict] = []
        self._endpoints: dict[int, list] = {}
        self._evenings: dict[int, tuple] = {}

    def endpoints(self, series_id: int) -> list:
        if series_id not in self._endpoints:
            self._endpoints[series_id] = list(
                self.connection.execute(_ENDPOINTS, {"series_id": series_id})
            )
        return self._endpoints[series_id]

    def evening(self, event_id: int):
        """(the evening's row, its zone), read through the flush's connection."""
        if event_id not in self._evenings:
            row = self.connection.execute(
                select(Event.slug, Event.title, Event.starts_at, Event.series_id, Series.timezone)
                .join(Series, Series.id == Event.series_id)
                .where(Event.id == event_id)
            ).one()
            self._evenings[event_id] = (row, ZoneInfo(row.timezone))
        return self._evenings[event_id]

    def add(self, series_id: int, event_type: str, key: str, data: dict, registration_id=None):
        now = utcnow()
        body = None
        for endpoint in self.endpoints(series_id):
            if not _wants(endpoint.events.split(), event_type):
                continue
            if body is None:
                body = json.dumps(
                    {
                        "id": secrets.token_hex(16),
                        "type": event_type,
                        "created_at": rfc3339(now, ZoneInfo("UTC")),
                        "data": data,
                    },
                    ensure_ascii=False,
                    separators=(",", ":"),
                )
            self.rows.append(
                {
                    "endpoint_id": endpoint.id,
                    "event_type": event_type,
                    "sequence_key": key,
                    "registration_id": registration_id,
                    "body": body,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": "",
                    "created_at": now,
                }
            )

    def write(self) -> None:
        if self.rows:
            self.connection.execute(insert(WebhookDelivery), self.rows)


def _wants(chosen: list[str], event_type: str) -> bool:
    """Whether an endpoint that chose `chosen` is sent `event_type`: what it chose, and the
    erasure notice if it is told anything about people."""
    if event_type == ERASED:
        return any(name.startswith(("registration.", "checkin.")) for name in chosen)
    return event_type in chosen


def _known_series_id(registration) -> int | None:
    """The series of the registration's evening if the session has it at hand (a signup
    does), without a query; None otherwise."""
    evening = registration.__dict__.get("event") if isinstance(registration, Registration) else None
    return evening.__dict__.get("series_id") if evening is not None else None


def queue_registration(queue: _Queue, registration, event_types: list[str]) -> None:
    series_id = _known_series_id(registration)
    if series_id is not None and not any(
        _wants(endpoint.events.split(), event_type)
        for endpoint in queue.endpoints(series_id)
        for event_type in event_types
    ):
        return  # nobody listens (a signup's usual case): no evening to read, no body to make
    evening, zone = queue.evening(registration.event_id)
    data = registration_data(registration, evening, zone)
    for event_type in event_types:
        queue.add(
            evening.series_id,
            event_type,
            f"registration:{registration.id}",
            data,
            registration_id=registration.id,
        )


@event.listens_for(Session, "after_flush")
def _capture(session: Session, flush_context) -> None:
    queue = _Queue(session.connection())
    erased = []
    for instance in (*session.new, *session.dirty):
        is_new = instance in session.new
        if isinstance(instance, Registration):
            if instance.erased_at is not None:
                if not is_new and _added(instance, "erased_at") is not None:
                    erased.append((instance.id, instance.event_id))
                continue
            found = _registration_events(instance, is_new)
            if found:
                queue_registration(queue, instance, found)
        elif isinstance(instance, Event):
            found = _event_events(instance, is_new)
            if not found:
                continue
            zone = ZoneInfo(
                queue.connection.execute(
                    select(Series.timezone).where(Series.id == instance.series_id)
                ).scalar_one()
            )
            data = event_data(instance, zone, absolute_url("public.event_page", slug=instance.slug))
            for event_type in found:
                queue.add(instance.series_id, event_type, f"event:{instance.id}", data)
    if erased:
        # What the bodies said of an erased person goes with them, sent or not; receivers
        # are told to erase their copy (nothing personal in that notice).
        queue.connection.execute(
            delete(WebhookDelivery).where(
                WebhookDelivery.registration_id.in_(
                    [registration_id for registration_id, _ in erased]
                )
            )
        )
        for registration_id, event_id in erased:
            evening, _zone = queue.evening(event_id)
            queue.add(
                evening.series_id,
                ERASED,
                f"registration:{registration_id}",
                {"id": registration_id, "event": {"slug": evening.slug}},
                registration_id=registration_id,
            )
    queue.write()


@signals.checked_in.connect
def _checked_in(registration_id: int, *, series_id: int | None = None, **_) -> None:
    """The door's claim (meetup.checkin.services), in its transaction; `series_id`: the
    series of the person's evening, when the scan read it (else read here)."""
    connection = db.session.connection()
    if series_id is None:
        series_id = connection.execute(
            select(Event.series_id)
            .join(Registration, Registration.event_id == Event.id)
            .where(Registration.id == registration_id)
        ).scalar()
    queue = _Queue(connection)
    if not any("checkin.created" in e.events.split() for e in queue.endpoints(series_id)):
        return  # the usual case: one short query, nothing else at the door
    registration = connection.execute(
        select(Registration.__table__).where(Registration.__table__.c.id == registration_id)
    ).one()
    queue_registration(queue, registration, ["checkin.created"])
    queue.write()
