"""Spent account links go: password resets a day after they lapse, invitations (accepted,
withdrawn or lapsed) a month after; only their hashes were ever stored, but the rows say who
was invited by whom, and when."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from meetup.accounts.models import Invitation, PasswordReset
from meetup.extensions import db
from meetup.timeutil import utcnow

RESETS_KEPT = timedelta(days=1)
INVITATIONS_KEPT = timedelta(days=30)


def purge(now: datetime | None = None) -> tuple[int, int]:
    """Delete spent reset links and old invitations; (resets, invitations). Commits."""
    now = now or utcnow()
    resets = db.session.execute(
        delete(PasswordReset)
        .where(PasswordReset.expires_at < now - RESETS_KEPT)
        .execution_options(synchronize_session=False)
    ).rowcount
    invitations = db.session.execute(
        delete(Invitation)
        .where(Invitation.expires_at < now - INVITATIONS_KEPT)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return resets, invitations


def purge_job() -> str | None:
    """For the worker, once a day across all workers (meetup.jobs)."""
    resets, invitations = purge()
    if not (resets or invitations):
        return None
    return f"{resets} spent password links and {invitations} old invitations deleted"
