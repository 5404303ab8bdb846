"""A forgotten password: a single-use link, valid an hour, sent only to an active account;
the answer is the same for every address typed, and so is its time: the form stores a
request row whatever the address, and the worker looks the address up and sends (as "send
me my link again" does, meetup.registrations.services)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update

from meetup.accounts.emails import queue_account_email
from meetup.accounts.models import PasswordReset, PasswordResetRequest
from meetup.accounts.tokens import hash_token, new_token
from meetup.auth import services as auth_services
from meetup.auth.models import User
from meetup.extensions import db
from meetup.links import absolute_url
from meetup.models_base import column_length
from meetup.queued import take_each
from meetup.timeutil import utcnow
from meetup.writelock import first_write

LIFETIME = timedelta(hours=1)
#: Emails one account may receive in an hour, whoever asks: anyone can type anyone's
#: address, and must not be able to flood their inbox.
EMAILS_PER_HOUR = 3


class ResetRefused(ValueError):
    """The link does nothing: `reason` is unknown, used or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def request_reset(email: str, now: datetime | None = None) -> None:
    """The form's part: one request row for the worker, whatever the address (an account's
    or not, the request does the same work: its time tells nothing). Reads nothing.
    Commits."""
    first_write(
        insert(PasswordResetRequest).values(
            email=email.strip()[: column_length(PasswordResetRequest.email)],
            created_at=now or utcnow(),
        )
    )
    db.session.commit()


def handle_reset_requests(limit: int = 50) -> int:
    """The worker's part: each request taken (queued.take_each), then what send_reset sends.
    Returns how many emails were queued."""
    requests = take_each(
        PasswordResetRequest,
        PasswordResetRequest.email,
        PasswordResetRequest.created_at,
        limit=limit,
    )
    return sum(send_reset(taken.email, taken.created_at) for taken in requests)


def run_reset_requests_job() -> str | None:
    queued = handle_reset_requests()
    return f"sent {queued} password reset links" if queued else None


def send_reset(email: str, now: datetime | None = None) -> bool:
    """Email a reset link if `email` is an active account's and it did not receive too many
    lately. True if an email was queued. Commits."""
    now = now or utcnow()
    user = auth_services.find_user_by_email(email)
    if user is None or not user.is_active:
        db.session.rollback()
        return False
    recent = db.session.scalar(
        select(func.count(PasswordReset.id)).where(
            PasswordReset.user_id == user.id, PasswordReset.created_at > now - timedelta(hours=1)
        )
    )
    if recent >= EMAILS_PER_HOUR:
        db.session.rollback()
        return False
    token = new_token()
    db.session.add(
        PasswordReset(
            user=user, token_hash=hash_token(token), created_at=now, expires_at=now + LIFETIME
        )
    )
    queue_account_email(
        user.email,
        _("Set a new password"),
        "password_reset",
        user=user,
        url=absolute_url("accounts.reset_password", token=token),
        minutes=int(LIFETIME.total_seconds() // 60),
    )
    db.session.commit()
    return True


def check_reset(token: str, now: datetime | None = None) -> PasswordReset:
    """The live reset behind `token`, or ResetRefused."""
    now = now or utcnow()
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))
    )
    if reset is None or not reset.user.is_active:
        raise ResetRefused("unknown")
    if reset.used_at is not None:
        raise ResetRefused("used")
    if reset.expires_at <= now:
        raise ResetRefused("expired")
    return reset


def reset_password(token: str, password: str, now: datetime | None = None) -> User:
    """Set the password through the link, once: the link and the account's other reset
    links stop working, and every login session of the account ends (set_password).
    Commits. ResetRefused if the link does nothing (used meanwhile by another tab)."""
    now = now or utcnow()
    reset = check_reset(token, now)
    # Claimed by one conditional UPDATE: two tabs sending the form at once set it once.
    claimed = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise ResetRefused("used")
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == reset.user_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    user = reset.user
    auth_services.set_password(user, password)  # ends the sessions, commits
    return user
