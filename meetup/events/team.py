"""A series' team: who is on it, with which role there (meetup.auth.models.TeamRole). A
series that has an organiser keeps at least one: nobody takes the last one's role away, or
the last one off the team, even two organisers at the same moment."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from meetup.auth.access import manages, team_role
from meetup.auth.models import TeamMember, TeamRole, User, series_team
from meetup.events.models import Series
from meetup.extensions import db


class LastOrganiser(ValueError):
    """The change would leave the series without an organiser."""


class NotOnTeam(LookupError):
    """The person is not (or no longer) on the series' team."""


class NotAllowed(PermissionError):
    """Who asks for the change no longer organises the series (demoted or removed while
    their request waited for the lock)."""


def _member(series: Series, user: User):
    return (series_team.c.series_id == series.id) & (series_team.c.user_id == user.id)


def join(series: Series, user: User, role: TeamRole) -> None:
    """On the team with `role`, whoever does the same at the same moment: someone on it
    already keeps their role unless `role` gives more (door → organiser). An INSERT … ON
    CONFLICT DO NOTHING, so that two acceptances at once (two invitations to the same
    series, the same link in two tabs) never collide on the primary key. Does not commit."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(series_team)
        .values(series_id=series.id, user_id=user.id, role=role)
        .on_conflict_do_nothing(index_elements=["series_id", "user_id"])
    )
    if role is TeamRole.ORGANISER:
        db.session.execute(
            update(series_team)
            .where(_member(series, user), series_team.c.role != role)
            .values(role=role)
        )
    db.session.expire(series, ["memberships", "team"])


def _lock(series: Series) -> None:
    """One change of the team at a time (PostgreSQL's row lock; on SQLite a POST holds the
    writer lock already), each seeing the team as the one before left it."""
    db.session.execute(select(Series.id).where(Series.id == series.id).with_for_update())


def _check_by(series: Series, by: User | None) -> None:
    """Under the lock: `by` still manages the series (their access was checked before it,
    and another organiser's change may have committed since). NotAllowed."""
    if by is not None and not manages(by, series.id):
        db.session.rollback()
        raise NotAllowed(by.id)


def _organisers(series: Series) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(series_team)
        .where(series_team.c.series_id == series.id, series_team.c.role == TeamRole.ORGANISER)
    )


def _guard_last_organiser(series: Series, user: User) -> TeamRole:
    """The user's role now; LastOrganiser if they are the series' only organiser."""
    role = team_role(series.id, user.id)
    if role is None:
        raise NotOnTeam(user.id)
    if role is TeamRole.ORGANISER and _organisers(series) == 1:
        raise LastOrganiser(user.id)
    return role


def set_role(series: Series, user: User, role: TeamRole, by: User | None = None) -> None:
    """Change someone's role in this series, asked by `by` (None: no one to check).
    LastOrganiser, NotOnTeam, NotAllowed. Commits."""
    role = TeamRole(role)
    _lock(series)
    _check_by(series, by)
    current = team_role(series.id, user.id)
    if current is None:
        db.session.rollback()
        raise NotOnTeam(user.id)
    if current is not role:
        if role is TeamRole.DOOR:
            try:
                _guard_last_organiser(series, user)
            except LastOrganiser:
                db.session.rollback()
                raise
        db.session.execute(update(series_team).where(_member(series, user)).values(role=role))
    db.session.commit()
    db.session.expire(series, ["memberships", "team"])


def remove(series: Series, user: User, by: User | None = None) -> None:
    """Off the team, asked by `by` (None: no one to check): the series' pages and door
    refuse them at their next request. Someone not on it (removed by another organiser a
    moment ago) is no error. LastOrganiser, NotAllowed. Commits."""
    _lock(series)
    _check_by(series, by)
    try:
        _guard_last_organiser(series, user)
    except NotOnTeam:
        pass
    except LastOrganiser:
        db.session.rollback()
        raise
    # A statement, not the relationship: two organisers removing someone at once is no error.
    db.session.execute(delete(series_team).where(_member(series, user)))
    db.session.commit()
    db.session.expire(series, ["memberships", "team"])


def choose(series: Series, people: Iterable[User]) -> None:
    """The team becomes `people` (the series form's list): who stays keeps their role, who
    comes joins as TeamRole.joining_as says; LastOrganiser if none of its organisers would
    stay. Does not commit; the caller locked the series
    (see events.services.update_series)."""
    wanted = {user.id: user for user in people}
    had_organiser = any(m.role is TeamRole.ORGANISER for m in series.memberships)
    for membership in list(series.memberships):
        if membership.user_id not in wanted:
            series.memberships.remove(membership)
    kept = {membership.user_id for membership in series.memberships}
    for user_id, user in wanted.items():
        if user_id not in kept:
            series.memberships.append(TeamMember(user=user, role=TeamRole.joining_as(user)))
    if had_organiser and not any(m.role is TeamRole.ORGANISER for m in series.memberships):
        raise LastOrganiser(series.id)
