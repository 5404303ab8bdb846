"""Test data, written through the real services and committed, so the app sees it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from flask import Flask

from meetup.api import keys as api_keys
from meetup.auth import services as auth_services
from meetup.auth.models import TeamMember, TeamRole, User
from meetup.events import services as event_services
from meetup.events.models import EventStatus, Series
from meetup.extensions import db
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.registrations.tokens import hash_token, new_manage_token, new_ticket_code
from meetup.timeutil import utcnow

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


class Factory:
    """Each method commits in its own app context and returns identifiers, not ORM objects."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def user(
        self,
        role: str = "organiser",
        email: str | None = None,
        password: str = PASSWORD,
        name: str | None = None,
    ) -> str:
        email = email or f"{role}{next(_counter)}@example.org"
        with self.app.app_context():
            auth_services.create_user(email, role, password, name=name or role.title())
        return email

    def series(self, *, team: tuple[str, ...] = (), name: str | None = None, **values) -> str:
        with self.app.app_context():
            members = [auth_services.find_user_by_email(email) for email in team]
            series = event_services.create_series(
                name=name or f"Café des entreprenants {next(_counter)}",
                city=values.pop("city", "Vienne"),
                timezone=values.pop("timezone", "Europe/Paris"),
                team=members,
                **values,
            )
            return series.slug

    def on_team(self, series_slug: str, email: str, role: str) -> None:
        """Put the account on the series' team as `role` (organiser, door), or change its
        role there."""
        with self.app.app_context():
            series = db.session.scalar(db.select(Series).where(Series.slug == series_slug))
            user = auth_services.find_user_by_email(email)
            member = next((m for m in series.memberships if m.user_id == user.id), None)
            if member is None:
                series.memberships.append(TeamMember(user=user, role=TeamRole(role)))
            else:
                member.role = TeamRole(role)
            db.session.commit()

    def event(
        self,
        series_slug: str,
        *,
        starts_at: datetime | None = None,
        status: str = "published",
        capacity: int = 40,
        **values,
    ) -> str:
        starts_at = starts_at or (utcnow() + timedelta(days=10)).replace(microsecond=0)
        with self.app.app_context():
            series = db.session.scalar(db.select(Series).where(Series.slug == series_slug))
            event = event_services.create_event(
                series,
                title=values.pop("title", "Café des entreprenants"),
                theme=values.pop("theme", "Travailler par et sur Internet"),
                starts_at=starts_at,
                ends_at=values.pop("ends_at", starts_at + timedelta(hours=2)),
                capacity=capacity,
                status=EventStatus(status),
                **values,
            )
            return event.slug

    def vienne_evening(self, series_slug: str) -> str:
        """The evening the calendar, sharing and picture tests show: a theme, a fixed date
        (12 December 2030, 19:00 in Paris) and a venue with its address."""
        return self.event(
            series_slug,
            theme="Travailler par et sur Internet",
            starts_at=datetime(2030, 12, 12, 18, tzinfo=UTC),
            venue_name="Café du Théâtre",
            venue_address="3 rue Chantelouve, 38200 Vienne",
        )

    def registrations(self, event_slug: str, count: int, status: str = "confirmed") -> None:
        with self.app.app_context():
            event = db.session.scalar(
                db.select(event_services.Event).where(event_services.Event.slug == event_slug)
            )
            for _ in range(count):
                n = next(_counter)
                db.session.add(
                    Registration(
                        event=event,
                        manage_token_hash=new_manage_token()[1],
                        ticket_code=new_ticket_code(),
                        first_name="Camille",
                        last_name=f"Martin {n}",
                        email=f"camille{n}@example.org",
                        status=RegistrationStatus(status),
                    )
                )
            db.session.commit()

    def registration(
        self, event_slug: str, status: str = "confirmed", token: str | None = None, **fields
    ) -> int:
        """One registration with the given card (and personal link `token`); returns its id."""
        n = next(_counter)
        values = {
            "first_name": "Camille",
            "last_name": f"Martin {n}",
            "email": f"camille{n}@example.org",
        } | fields
        with self.app.app_context():
            event = db.session.scalar(
                db.select(event_services.Event).where(event_services.Event.slug == event_slug)
            )
            registration = Registration(
                event=event,
                manage_token_hash=hash_token(token) if token else new_manage_token()[1],
                ticket_code=new_ticket_code(),
                status=RegistrationStatus(status),
                **values,
            )
            db.session.add(registration)
            db.session.commit()
            return registration.id

    def api_token(self, email: str, name: str = "test", scopes=("read", "write", "door")) -> str:
        with self.app.app_context():
            user = db.session.scalar(db.select(User).where(User.email == email))
            token, _ = auth_services.create_api_token(user, name, scopes)
            return token

    def signup_key(self, email: str, series_slug: str, name: str = "club website") -> str:
        """A series' publishable signup key, made by `email` (on its team)."""
        with self.app.app_context():
            user = db.session.scalar(db.select(User).where(User.email == email))
            series = db.session.scalar(db.select(Series).where(Series.slug == series_slug))
            token, _ = api_keys.create_signup_key(user, series, name)
            return token
