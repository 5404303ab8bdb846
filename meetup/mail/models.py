"""The outbox: every email, written in the transaction of the change that caused it."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetup.extensions import db
from meetup.models_base import enum_column
from meetup.timeutil import UTCDateTime, utcnow


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        #: What the workers ask for: pending messages by due time (see services.due_messages).
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: RFC 5322 Message-ID, angle brackets included; fixed at queue time, so receivers can
    #: recognise a message sent twice.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    #: The envelope recipient (one address).
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    #: What the message is about: confirmation, waitlisted, promoted, cancelled, event_changed…
    kind: Mapped[str] = mapped_column(String(40))
    #: The registration it concerns, if any (organisers see the messages of their series).
    #: No foreign key yet: the registrations table is being reshaped.
    registration_id: Mapped[int | None] = mapped_column(index=True)
    #: The complete message as it goes over the wire, built once: every retry sends these bytes.
    #: Empty (b"") while the message is a draft.
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    #: A draft's values (JSON), from which the worker composes the message before sending it
    #: (services.queue_draft); NULL once `raw` is written.
    draft: Mapped[str | None] = mapped_column(Text, deferred=True)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    #: Delivery attempts that ended in an error or a success.
    attempts: Mapped[int] = mapped_column(default=0)
    #: A pending message is due from this time on.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The last SMTP or connection error, short; never any of the message's content.
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When a worker took the message (status "sending"); a lease that ends after
    #: MAIL_CLAIM_TIMEOUT seconds, after which another worker may take it.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Which claim holds the message: a worker only records the outcome of its own claim.
    claimed_by: Mapped[str | None] = mapped_column(String(80))

    #: The organisers' message to a group of people this is one copy of (see Campaign).
    #: No foreign key, as registration_id: a campaign row is only read for its counts.
    campaign_id: Mapped[int | None] = mapped_column(index=True)

    #: Registrations the message speaks of besides its recipient.
    mentions: Mapped[list[OutboxMention]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def can_retry(self) -> bool:
        return self.status is OutboxStatus.FAILED

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"


class OutboxMention(db.Model):
    """Someone a message speaks of besides its recipient (an introduction names the person
    asking; a new-neighbour email lists newcomers): erasing that person erases the message."""

    __tablename__ = "outbox_mentions"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), primary_key=True
    )
    #: A registration id (no foreign key, as OutboxMessage.registration_id).
    registration_id: Mapped[int] = mapped_column(primary_key=True, index=True)


#: A campaign's segments, as organisers read them (registrations.campaigns says who is in each).
SEGMENT_LABELS = {
    "confirmed": _l("Those with a seat"),
    "waitlisted": _l("Those on the waitlist"),
    "registered": _l("Everyone registered (seat or waitlist)"),
    "came": _l("Those who came"),
    "no_show": _l("Those who had a seat and did not come"),
}


class Campaign(db.Model):
    """One message the organisers wrote to a group of an evening's people (a segment of its
    registrations): the outbox holds one copy per person (OutboxMessage.campaign_id) and
    shows the campaign as one line with its counts."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Who is written to: confirmed, waitlisted, came, no_show, registered.
    segment: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(150))
    #: Plain text as the organiser typed it; paragraphs split on blank lines in the HTML.
    body: Mapped[str] = mapped_column(Text, info={"max_length": 5000})
    #: The staff account that sent it (None once that account is gone).
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: How many people it was queued for.
    recipients: Mapped[int] = mapped_column(default=0)
    #: The form's one-time value: a second press of "send" (a double click, a reload)
    #: finds it taken and sends nothing.
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.segment} ({self.recipients})>"
