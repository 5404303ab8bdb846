"""Accounts, login sessions and API tokens: the writes and the rules. Each write commits."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app, has_request_context, session
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from meetup.auth import cookie
from meetup.auth.models import (
    SCOPES,
    SIGNUP_SCOPE,
    STAFF_SCOPES,
    ApiToken,
    LoginSession,
    Role,
    User,
)
from meetup.extensions import db
from meetup.models_base import column_length
from meetup.timeutil import utcnow
from meetup.writelock import end_reads, first_write

MIN_PASSWORD_LENGTH = 10
#: No column holds a password (only its hash): the forms' limit, against huge inputs.
MAX_PASSWORD_LENGTH = 200
#: How stale `last_seen_at` may get before a request refreshes it (saves a write per request).
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)
#: A hash to check against when the email is unknown, so both paths take the same time.
_DUMMY_PASSWORD = secrets.token_urlsafe(16)


def _dummy_hash() -> str:
    """A hash made with the configured method, so an unknown email costs as much as a known one."""
    config = current_app.config
    if config.get("_DUMMY_PASSWORD_HASH") is None:
        config["_DUMMY_PASSWORD_HASH"] = hash_password(_DUMMY_PASSWORD)
    return config["_DUMMY_PASSWORD_HASH"]


class AccountError(ValueError):
    """A rule about accounts was broken; the message is meant for the person who asked."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(email: str, role: Role | str, password: str, name: str = "") -> User:
    """A new staff account; AccountError says why not. Commits."""
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError(f"not an email address: {email!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if find_user_by_email(email) is not None:
        raise AccountError(f"a user with the email {email} already exists")
    user = User(email=email, name=name.strip(), role=Role(role))
    user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def set_password(user: User, password: str) -> None:
    """Change the password and end every login session of the user. Commits."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = hash_password(password)
    _end_all_sessions(user)
    db.session.commit()


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (in constant-ish time)."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    return user


def start_session(user: User) -> LoginSession:
    """A new login session with a fresh random id (so the id changes at every login).
    Commits."""
    session_id = secrets.token_urlsafe(32)
    session = LoginSession(id=session_id, user=user)
    user.last_login_at = utcnow()
    db.session.add(session)
    db.session.commit()
    user.current_session_id = session_id
    return session


def load_session_user(session_id: str) -> User | None:
    """The user of a live login session; a person's session idle for longer than the
    session lifetime is deleted, so an old cookie stops working even if it was kept."""
    login_session = db.session.get(LoginSession, session_id)
    if login_session is None or not login_session.user.is_active:
        return None
    now = utcnow()
    idle_limit = timedelta(seconds=current_app.config["PERMANENT_SESSION_LIFETIME"])
    # A paired door phone's login lasts, idle or not, until its evening's door window closes
    # (User.is_active): paired for a rehearsal, it works on the evening.
    if now - login_session.last_seen_at > idle_limit and not login_session.user.is_door_phone:
        _write_alone(delete(LoginSession).where(LoginSession.id == session_id))
        return None
    if now - login_session.last_seen_at > SESSION_TOUCH_INTERVAL:
        _write_alone(
            update(LoginSession).where(LoginSession.id == session_id).values(last_seen_at=now)
        )
        login_session = db.session.get(LoginSession, session_id)
    user = login_session.user
    user.current_session_id = login_session.id
    if user.is_door_phone and has_request_context() and session.get(cookie.UNTIL) is not None:
        cookie.last_until(user.door_phone.until)  # its evening moved: the window followed
    return user


def end_session(session_id: str | None) -> None:
    """Log out: the session's id stops working. Commits."""
    if session_id:
        # A statement: logging out twice at once (two tabs) is no error.
        db.session.execute(delete(LoginSession).where(LoginSession.id == session_id))
        db.session.commit()


def _end_all_sessions(user: User) -> None:
    for login_session in list(user.login_sessions):
        db.session.delete(login_session)


def deactivate_user(user: User) -> None:
    """No more logins, and the account's API tokens revoked for good: were they only
    refused while the account is off, reactivating it would bring them all back, wherever
    they were left (an old script, a former volunteer's phone). Commits."""
    user.deactivated_at = utcnow()
    _end_all_sessions(user)
    _revoke_all_tokens(user, user.deactivated_at)
    db.session.commit()


def reactivate_user(user: User) -> None:
    """Logins again; the tokens stay revoked (new ones are made at /admin/tokens). Tokens
    left unrevoked by a deactivation older than that rule go now, revoked as of then.
    Commits."""
    if user.deactivated_at is not None:
        _revoke_all_tokens(user, user.deactivated_at)
    user.deactivated_at = None
    db.session.commit()


def _revoke_all_tokens(user: User, when) -> None:
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=when)
    )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_token(
    user: User, name: str = "", scopes: Iterable[str] = STAFF_SCOPES
) -> tuple[str, ApiToken]:
    """A new token in the session, not committed (a signup key's series goes with it); the
    clear text is returned once and never stored."""
    chosen = [scope for scope in SCOPES if scope in set(scopes)]
    if set(scopes) - set(SCOPES) or not chosen or (SIGNUP_SCOPE in chosen and len(chosen) > 1):
        raise ValueError(f"scopes must be some of {STAFF_SCOPES} or {SIGNUP_SCOPE!r} alone")
    token = ("mk_pub_" if SIGNUP_SCOPE in chosen else "mt_") + secrets.token_urlsafe(32)
    name = name.strip()[: column_length(ApiToken.name)]
    api_token = ApiToken(
        user=user, name=name, token_hash=_hash_token(token), scopes=" ".join(chosen)
    )
    api_token.prefix = token[:12]
    db.session.add(api_token)
    return token, api_token


def create_api_token(
    user: User, name: str = "", scopes: Iterable[str] = STAFF_SCOPES
) -> tuple[str, ApiToken]:
    """A new staff token; the clear text is returned once and never stored. Commits."""
    if SIGNUP_SCOPE in scopes:
        raise ValueError("a signup key belongs to a series: meetup.api.keys")
    token, api_token = new_api_token(user, name, scopes)
    db.session.commit()
    return token, api_token


#: Built once: every API request asks it (SQLAlchemy reuses its compiled form).
_TOKEN = (
    select(ApiToken)
    .where(ApiToken.token_hash == bindparam("token_hash"))
    .options(joinedload(ApiToken.user))
)


def verify_api_token(token: str) -> ApiToken | None:
    if not token:
        return None
    api_token = db.session.scalar(_TOKEN, {"token_hash": _hash_token(token)})
    if api_token is None or not api_token.is_active:
        return None
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at > SESSION_TOUCH_INTERVAL:
        token_id = api_token.id
        _write_alone(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        api_token = db.session.get(ApiToken, token_id)
    return api_token


def _write_alone(statement) -> None:
    """A write committed at once, after the request's reads (end_reads: on SQLite a
    transaction that began by reading cannot become a writer once another writer has
    committed since, "database is locked" at once, whatever the busy timeout)."""
    end_reads()
    first_write(statement)
    db.session.commit()


def revoke_api_token(api_token: ApiToken) -> None:
    """The token stops working, for good. Commits."""
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        db.session.commit()
