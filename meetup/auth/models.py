"""Staff accounts (admins, organisers, door volunteers), their login sessions and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetup.extensions import db
from meetup.models_base import enum_column
from meetup.timeutil import UTCDateTime, utcnow


class Role(enum.StrEnum):
    """An account's role. admin: everything, in every series. For the others, what they may
    do in a series is their role on its team (TeamRole); the account's role only says whether
    they may create new series (organiser) or work only where a team took them on (door)."""

    ADMIN = "admin"
    ORGANISER = "organiser"
    DOOR = "door"


#: The addresses of paired door phones' accounts: a reserved name (RFC 2606), never mailed.
DOOR_PHONE_DOMAIN = "@door-phone.invalid"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email_lower", func.lower("email"), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name; unique without regard to case.
    email: Mapped[str] = mapped_column(String(254))
    #: Shown to other staff, e.g. on the series' organiser list.
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set when an admin deactivates the account; a deactivated user cannot log in.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    login_sessions: Mapped[list[LoginSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    door_phone: Mapped[DoorPhone | None] = relationship(
        back_populates="user", foreign_keys="DoorPhone.user_id", uselist=False
    )

    #: The login session this object was loaded through (not stored; see get_id).
    current_session_id = None

    @property
    def is_active(self) -> bool:  # Flask-Login
        if self.deactivated_at is not None:
            return False
        if self.is_door_phone:  # until the end of its evening's door window
            return self.door_phone is not None and self.door_phone.until > utcnow()
        return True

    @property
    def is_door_phone(self) -> bool:
        """A phone paired to one evening's door (DoorPhone), not a person. Told by its
        address, so that people's requests cost no query."""
        return self.email.endswith(DOOR_PHONE_DOMAIN)

    def get_id(self) -> str | None:  # Flask-Login stores this in the session cookie
        return self.current_session_id

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def has_role(self, *roles: Role) -> bool:
        """The account's role (see Role): for a series, ask meetup.auth.access."""
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginSession(db.Model):
    """One login on one device. Logging out deletes it, so a copied cookie stops working."""

    __tablename__ = "login_sessions"

    #: Random, ≥128 bits; the only thing the session cookie carries about the login.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="login_sessions")


#: What a token may do. `signup`: create registrations for its series' evenings, read
#: nothing (publishable: it may sit in a web page); `read`: the API's lists and records;
#: `write`: create and change series, events and registrations; `door`: check people in.
#: A token also acts within its user's role in each series: a door volunteer's never writes
#: there.
SIGNUP_SCOPE = "signup"
STAFF_SCOPES = ("read", "write", "door")
SCOPES = (SIGNUP_SCOPE, *STAFF_SCOPES)


class ApiToken(db.Model):
    """A bearer token for the JSON API; it acts with its user's role in the series concerned
    (meetup.auth.access), within its scopes. Only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    #: SHA-256 of the token, hex.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: First characters of the token, to recognise it in lists.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Space-separated names from SCOPES; tokens made before scopes have the staff three.
    scopes: Mapped[str] = mapped_column(
        String(40), default=" ".join(STAFF_SCOPES), server_default=" ".join(STAFF_SCOPES)
    )

    user: Mapped[User] = relationship(back_populates="api_tokens")

    @property
    def scope_names(self) -> tuple[str, ...]:
        return tuple(name for name in SCOPES if name in self.scopes.split())

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes.split()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.user.is_active


class TeamRole(enum.StrEnum):
    """What someone does in one series (series_team.role). Administrator is an account role:
    an administrator does everything everywhere, on a team or not."""

    ORGANISER = "organiser"
    DOOR = "door"

    @classmethod
    def joining_as(cls, user: User) -> TeamRole:
        """The role an account joins a team with when nobody chose one (the series form's
        team list): door for door volunteers' accounts, organiser for the others."""
        return cls.DOOR if user.role is Role.DOOR else cls.ORGANISER


class TeamMember(db.Model):
    """One person on one series' team (Series.memberships), with their role in that series:
    an organiser of one club may be a door volunteer of another. Here, with the accounts, so
    that access checks (meetup.auth.access) need no feature above them."""

    __tablename__ = "series_team"

    series_id: Mapped[int] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    #: organiser: everything about this series; door: its door screens, in their window.
    role: Mapped[TeamRole] = mapped_column(enum_column(TeamRole, "team_role"))

    user: Mapped[User] = relationship(lazy="joined")


#: The table, for queries that join it (Series.team reads it; writes go through
#: Series.memberships or meetup.events.team).
series_team = TeamMember.__table__


class DoorPhone(db.Model):
    """A phone paired to one evening's door by scanning a QR code: no person's account, but
    an account of its own (role door, address @door-phone.invalid) that runs that evening's
    door and nothing else, until `until` or its revocation. Here, with the accounts, so that
    access checks (meetup.auth.access) need no feature above them."""

    __tablename__ = "door_phones"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: The phone's account (its name, "Door 2", is the account's; deactivated when revoked).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: Door 1, Door 2… within the evening.
    number: Mapped[int]
    #: SHA-256 of the pairing link's code, hex; None once a phone used it.
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The end of its evening's door window (12 hours after the evening).
    until: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="door_phone", foreign_keys=[user_id])
