"""Read-only questions about the outbox, scoped to what a staff user may see."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from meetup.auth.models import Role, User, series_team
from meetup.events.models import Event
from meetup.extensions import db
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.registrations.models import Registration


def scoped(query: Select, user: User) -> Select:
    """Admins see every message; organisers those about registrations to events of the series
    they organise (messages tied to no registration are for admins only)."""
    if user.role is Role.ADMIN:
        return query
    return (
        query.join(Registration, Registration.id == OutboxMessage.registration_id)
        .join(Event, Event.id == Registration.event_id)
        .join(series_team, series_team.c.series_id == Event.series_id)
        .where(series_team.c.user_id == user.id)
    )


def messages_for(user: User, status: OutboxStatus | None = None) -> Select:
    """Newest first."""
    query = scoped(select(OutboxMessage), user)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())


def counts_for(user: User) -> dict[OutboxStatus, int]:
    query = scoped(select(OutboxMessage.status, func.count()), user).group_by(OutboxMessage.status)
    counts = dict.fromkeys(OutboxStatus, 0)
    for status, count in db.session.execute(query):
        counts[OutboxStatus(status)] = count
    return counts


def message_or_404(message_id: int) -> OutboxMessage:
    return db.get_or_404(OutboxMessage, message_id)


def can_see(user: User, message: OutboxMessage) -> bool:
    query = scoped(select(OutboxMessage.id), user).where(OutboxMessage.id == message.id)
    return db.session.scalar(query) is not None
