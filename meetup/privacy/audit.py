"""The audit of organisers' exports of personal data and of erasures: who, what, when, how
many people; never who they were."""

from __future__ import annotations

from flask_login import current_user

from meetup.extensions import db
from meetup.privacy.models import AuditEntry


def record(action: str, target: str = "", people: int = 0, *, user=None) -> None:
    """Add an entry to the session (committed with the caller's transaction, or by itself
    when the caller commits nothing: see record_now)."""
    if user is None and current_user and getattr(current_user, "is_authenticated", False):
        user = current_user
    db.session.add(
        AuditEntry(
            user_id=user.id if user is not None else None,
            action=action,
            target=target[:200],
            people=people,
        )
    )


def record_now(action: str, target: str = "", people: int = 0, *, user=None) -> None:
    record(action, target, people, user=user)
    db.session.commit()
