"""The audit trail of organisers' exports of personal data and of erasures: who, what, when,
how many people; never who they were.

At the bottom of the layers, beside the extensions: the features that export (badges, the
door, registrations, the directory, the API) record here without importing privacy, whose
admin page shows the trail.
"""

from __future__ import annotations

from datetime import datetime

from flask_login import current_user
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from meetup.extensions import db
from meetup.timeutil import UTCDateTime, utcnow


class AuditEntry(db.Model):
    """An organiser's export of personal data, or an erasure: for the admins' eyes. Names
    what was done and to which evening, and how many people; never who they were."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Who did it (None: the command line, or an account deleted since).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: export_csv, export_vcards, print_badges, api_list, erase, erase_self, purge
    action: Mapped[str] = mapped_column(String(40))
    #: The evening's or series' slug, or "registration 123" for an erasure.
    target: Mapped[str] = mapped_column(String(200), default="")
    #: How many people the act concerned.
    people: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


def record(action: str, target: str = "", people: int = 0, *, user=None) -> None:
    """Add an entry to the session (committed with the caller's transaction, or by itself
    when the caller commits nothing: see record_now)."""
    if user is None and current_user and getattr(current_user, "is_authenticated", False):
        user = current_user
    db.session.add(
        AuditEntry(
            user_id=user.id if user is not None else None,
            action=action,
            target=target[: AuditEntry.__table__.c.target.type.length],
            people=people,
        )
    )


def record_now(action: str, target: str = "", people: int = 0, *, user=None) -> None:
    record(action, target, people, user=user)
    db.session.commit()
