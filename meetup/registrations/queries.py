"""Read-only questions about registrations: counts and seats."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from meetup.extensions import db
from meetup.registrations.models import Registration, RegistrationStatus


@dataclass(frozen=True)
class Counts:
    confirmed: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    checked_in: int = 0

    def seats_left(self, capacity: int) -> int:
        return max(capacity - self.confirmed, 0)


def counts_for(event_ids: Iterable[int]) -> dict[int, Counts]:
    """Registration counts per event, in one query."""
    ids = list(event_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            Registration.event_id,
            Registration.status,
            func.count(),
            func.count(Registration.checked_in_at),
        )
        .where(Registration.event_id.in_(ids))
        .group_by(Registration.event_id, Registration.status)
    ).all()
    raw: dict[int, dict[str, int]] = defaultdict(dict)
    for event_id, status, count, checked_in in rows:
        raw[event_id][RegistrationStatus(status).value] = count
        raw[event_id]["checked_in"] = raw[event_id].get("checked_in", 0) + checked_in
    return {event_id: Counts(**raw.get(event_id, {})) for event_id in ids}
