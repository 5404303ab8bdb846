"""Read-only questions about the outbox, scoped to what a staff user may see."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import Select, func, select

from meetup.auth.models import Role, TeamRole, User, series_team
from meetup.events.models import Event
from meetup.extensions import db
from meetup.mail.models import Campaign, OutboxMessage, OutboxStatus
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
        .where(series_team.c.user_id == user.id, series_team.c.role == TeamRole.ORGANISER)
    )


def messages_for(
    user: User, status: OutboxStatus | None = None, campaign: Campaign | None = None
) -> Select:
    """Newest first: a campaign's copies, or else the messages outside any campaign (each
    campaign is one line of `campaigns_for`)."""
    query = scoped(select(OutboxMessage), user)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if campaign is not None:
        query = query.where(OutboxMessage.campaign_id == campaign.id)
    else:
        query = query.where(OutboxMessage.campaign_id.is_(None))
    return query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())


@dataclass
class CampaignLine:
    campaign: Campaign
    event: Event
    counts: dict[OutboxStatus, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _scoped_campaigns(query: Select, user: User) -> Select:
    query = query.join(Event, Event.id == Campaign.event_id)
    if user.role is Role.ADMIN:
        return query
    return query.join(series_team, series_team.c.series_id == Event.series_id).where(
        series_team.c.user_id == user.id, series_team.c.role == TeamRole.ORGANISER
    )


def campaigns_for(user: User, limit: int = 20) -> list[CampaignLine]:
    """The latest campaigns the user may see, each with its copies counted by status (an
    erased person's copy is gone from the counts, as from the outbox)."""
    rows = db.session.execute(
        _scoped_campaigns(select(Campaign, Event), user)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
        .limit(limit)
    ).all()
    lines = {campaign.id: CampaignLine(campaign, event, dict.fromkeys(OutboxStatus, 0))
             for campaign, event in rows}  # fmt: skip
    if lines:
        counted = db.session.execute(
            select(OutboxMessage.campaign_id, OutboxMessage.status, func.count())
            .where(OutboxMessage.campaign_id.in_(list(lines)))
            .group_by(OutboxMessage.campaign_id, OutboxMessage.status)
        )
        for campaign_id, status, count in counted:
            lines[campaign_id].counts[OutboxStatus(status)] = count
    return list(lines.values())


def campaign_or_404(user: User, campaign_id: int) -> Campaign:
    """A campaign the user may see (404 for one they may not: its existence says nothing)."""
    campaign = db.session.scalar(
        _scoped_campaigns(select(Campaign), user).where(Campaign.id == campaign_id)
    )
    if campaign is None:
        abort(404)
    return campaign


def counts_for(user: User, campaign: Campaign | None = None) -> dict[OutboxStatus, int]:
    """The messages of `messages_for`, by status."""
    query = scoped(select(OutboxMessage.status, func.count()), user).group_by(OutboxMessage.status)
    if campaign is not None:
        query = query.where(OutboxMessage.campaign_id == campaign.id)
    else:
        query = query.where(OutboxMessage.campaign_id.is_(None))
    counts = dict.fromkeys(OutboxStatus, 0)
    for status, count in db.session.execute(query):
        counts[OutboxStatus(status)] = count
    return counts


def message_or_404(message_id: int) -> OutboxMessage:
    return db.get_or_404(OutboxMessage, message_id)


def can_see(user: User, message: OutboxMessage) -> bool:
    query = scoped(select(OutboxMessage.id), user).where(OutboxMessage.id == message.id)
    return db.session.scalar(query) is not None
