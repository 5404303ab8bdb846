"""What the door remembers besides the registration itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from meetup.extensions import db
from meetup.timeutil import UTCDateTime, utcnow


class CheckinRequest(db.Model):
    """A scan's request id (made by the door's browser or app), per staff account, and the
    answer it got, so that a request retried after a timeout gets the same answer instead of
    "already checked in". The answer is rebuilt from the registration; the rows say when a
    registration was scanned, so they go with it (and with an undo)."""

    __tablename__ = "checkin_requests"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: What was scanned (the code as read), so that a reused id for another code is refused.
    code: Mapped[str] = mapped_column(String(40))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    #: A meetup.checkin.services.Answer value.
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
