"""A series' webhook endpoints and each delivery to them (the webhooks' outbox)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetup.events.models import Series
from meetup.extensions import db
from meetup.models_base import enum_column
from meetup.timeutil import UTCDateTime, utcnow

#: What an endpoint may be told of.
EVENT_TYPES = (
    "registration.created",
    "registration.updated",
    "registration.cancelled",
    "checkin.created",
    "event.published",
    "event.changed",
)
#: Sent, whatever an endpoint chose, to every endpoint that is told of registrations or
#: check-ins, when a person's data is erased: the receiver erases its copy too (GDPR art. 17
#: and 19). The body holds the registration's id and its evening's slug, nothing personal.
ERASED = "registration.erased"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    #: Signs every body (HMAC-SHA256); shown to the organisers, who give it to the receiver.
    secret: Mapped[str] = mapped_column(String(64))
    #: Space-separated names from EVENT_TYPES.
    events: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    series: Mapped[Series] = relationship()

    @property
    def event_types(self) -> list[str]:
        return [name for name in EVENT_TYPES if name in self.events.split()]


class WebhookDelivery(db.Model):
    """One event for one endpoint: written in the transaction of the change it tells of,
    delivered by the worker in order per `sequence_key`."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id_sequence_key", "endpoint_id", "sequence_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    #: e.g. registration.created
    event_type: Mapped[str] = mapped_column(String(40))
    #: Deliveries with the same key go out one after the other, in id order
    #: ("registration:12", "event:3").
    sequence_key: Mapped[str] = mapped_column(String(40))
    #: Whose registration it tells of, so that erasing the person deletes it.
    registration_id: Mapped[int | None] = mapped_column(index=True)
    #: The JSON body, as signed and sent.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    #: The receiver's last HTTP status (None: it could not be reached).
    response_status: Mapped[int | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    endpoint: Mapped[WebhookEndpoint] = relationship()
