"""The links that accounts receive by email. Only a hash of each link's token is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetup.auth.models import Role, User
from meetup.events.models import Series
from meetup.extensions import db
from meetup.models_base import enum_column
from meetup.timeutil import UTCDateTime, utcnow


class PasswordReset(db.Model):
    """A "forgotten password" link: single use, short-lived."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the link's token, hex.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Set when the link set a password, or when another one did (the rest stop working).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class PasswordResetRequest(db.Model):
    """A "forgot your password?" waiting for the worker (accounts.reset): made the same way
    whether the address has an account or not, so the answer's time tells nothing. Deleted
    when the worker takes it, within a round."""

    __tablename__ = "password_reset_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The address typed, kept only until the worker takes it.
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Invitation(db.Model):
    """An invitation to a series' team, by email: single use, a week."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    #: Where the link was sent; the account that joins may have another address.
    email: Mapped[str] = mapped_column(String(254))
    #: organiser or door.
    role: Mapped[Role] = mapped_column(enum_column(Role, "invitation_role"))
    #: SHA-256 of the link's token, hex; a resend replaces it (the former link stops working).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the email last went (a resend moves it, and the expiry with it).
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    series: Mapped[Series] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.withdrawn_at is None
