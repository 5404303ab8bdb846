"""Who may do what: roles and series membership."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select

from meetup.auth.models import Role, User, series_team
from meetup.extensions import db


def roles_required(*roles: Role) -> Callable:
    """Log in first (redirect), then 403 unless the user has one of `roles`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(Role.ADMIN, Role.ORGANISER)
admin_required = roles_required(Role.ADMIN)
door_required = roles_required(Role.ADMIN, Role.ORGANISER, Role.DOOR)


def can_manage_series(user: User, series) -> bool:
    """Admins manage every series; organisers the series they organise; door users none."""
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.ORGANISER:
        return is_on_team(user, series)
    return False


def can_run_door(
    user: User, series_id: int, event_id: int | None = None, *, team: bool | None = None
) -> bool:
    """Admins everywhere; organisers and door volunteers at their series' evenings; a paired
    door phone at its evening (`event_id`) only. One query (a scan at the door asks it),
    not the whole team; none when the caller read whether the user is on the series' team
    (`team`: meetup.checkin.services.door_event)."""
    if not user.is_authenticated:
        return False
    if user.is_door_phone:
        phone = user.door_phone
        return phone is not None and event_id is not None and phone.event_id == event_id
    if user.role is Role.ADMIN:
        return True
    return team if team is not None else on_team(series_id, user.id)


def is_on_team(user: User, series) -> bool:
    return any(member.id == user.id for member in series.team)


#: Built once: a scan at the door asks it (bench/checkin.py), and SQLAlchemy reuses its
#: compiled form.
_ON_TEAM = select(series_team.c.user_id).where(
    series_team.c.series_id == bindparam("series_id"),
    series_team.c.user_id == bindparam("user_id"),
)


def on_team(series_id: int, user_id: int) -> bool:
    """is_on_team in one query, without loading the team."""
    values = {"series_id": series_id, "user_id": user_id}
    return db.session.scalar(_ON_TEAM, values) is not None


def require_series_access(user: User, series) -> None:
    if not can_manage_series(user, series):
        abort(403)
