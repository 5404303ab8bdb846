"""Who may do what. Administrators: everything. Everyone else: what their role on a series'
team allows in that series (TeamRole: organiser or door), and nothing in other series; the
account's own role only says who may create new series. A paired door phone: its evening's
door, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select

from meetup.auth.models import Role, TeamRole, User, series_team
from meetup.extensions import db


def requires(allowed: Callable[[User], bool]) -> Callable:
    """Log in first (redirect), then 403 unless `allowed(user)`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not allowed(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def roles_required(*roles: Role) -> Callable:
    """Log in first (redirect), then 403 unless the account has one of `roles`."""
    return requires(lambda user: user.has_role(*roles))


#: Built once (a scan at the door asks it; SQLAlchemy reuses its compiled form).
_TEAM_ROLE = select(series_team.c.role).where(
    series_team.c.series_id == bindparam("series_id"),
    series_team.c.user_id == bindparam("user_id"),
)
_ORGANISES_ANY = (
    select(series_team.c.series_id)
    .where(series_team.c.user_id == bindparam("user_id"), series_team.c.role == TeamRole.ORGANISER)
    .limit(1)
)


def team_role(series_id: int, user_id: int) -> TeamRole | None:
    """The user's role on the series' team (None: not on it), in one query."""
    values = {"series_id": series_id, "user_id": user_id}
    return db.session.scalar(_TEAM_ROLE, values)


def organises_any(user: User) -> bool:
    """An organiser on at least one team."""
    return db.session.scalar(_ORGANISES_ANY, {"user_id": user.id}) is not None


def is_staff(user: User) -> bool:
    """May open the organisers' pages (each series' own pages check its team): an admin, an
    account that may create series, or an organiser of some series. Not a door phone, nor a
    person who is only a door volunteer."""
    if not user.is_authenticated or user.is_door_phone:
        return False
    return user.role in (Role.ADMIN, Role.ORGANISER) or organises_any(user)


def may_create_series(user: User) -> bool:
    """Admins and organisers' accounts; not someone whose account is a door volunteer's (an
    organiser of one club's series who came in through an invitation asks an admin)."""
    return (
        user.is_authenticated
        and not user.is_door_phone
        and user.role in (Role.ADMIN, Role.ORGANISER)
    )


def any_account(user: User) -> bool:
    """Every account: door volunteers, organisers, admins, paired phones."""
    return user.is_authenticated


staff_required = requires(is_staff)
admin_required = roles_required(Role.ADMIN)
#: Any account (door volunteers, organisers, admins, paired phones); each door page then
#: asks can_run_door for its evening.
door_required = roles_required(Role.ADMIN, Role.ORGANISER, Role.DOOR)


def can_manage_series(user: User, series) -> bool:
    """Admins manage every series; others the series they are an organiser of."""
    return manages(user, series.id)


def manages(user: User, series_id: int) -> bool:
    """can_manage_series from the series' id."""
    if not user.is_authenticated or user.is_door_phone:
        return False
    if user.role is Role.ADMIN:
        return True
    return team_role(series_id, user.id) is TeamRole.ORGANISER


def can_run_door(
    user: User, series_id: int, event_id: int | None = None, *, team: bool | None = None
) -> bool:
    """Admins everywhere; organisers and door volunteers at their series' evenings; a paired
    door phone at its evening (`event_id`) only. One query (a scan at the door asks it),
    not the whole team; none when the caller read whether the user is on the series' team,
    in any role (`team`: meetup.checkin.services.door_event)."""
    if not user.is_authenticated:
        return False
    if user.is_door_phone:
        phone = user.door_phone
        return phone is not None and event_id is not None and phone.event_id == event_id
    if user.role is Role.ADMIN:
        return True
    return team if team is not None else team_role(series_id, user.id) is not None


def require_series_access(user: User, series) -> None:
    if not can_manage_series(user, series):
        abort(403)
