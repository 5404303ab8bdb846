"""Invitations to a series' team: an organiser invites an address as organiser or door
volunteer; the email's link (single use, a week) creates the account or adds an existing
one. Nothing here tells the inviter whether the address already had an account."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from meetup.accounts.emails import queue_account_email
from meetup.accounts.models import Invitation
from meetup.accounts.tokens import hash_token, new_token
from meetup.auth import services as auth_services
from meetup.auth.models import Role, TeamRole, User
from meetup.events import team
from meetup.events.models import Series
from meetup.extensions import db
from meetup.links import absolute_url
from meetup.timeutil import utcnow

LIFETIME = timedelta(days=7)
#: The roles one may be invited as (administrators are made by administrators).
TEAM_ROLES = (Role.ORGANISER, Role.DOOR)
#: Invitations one series may send in a day (first sends and resends): anyone on a team
#: could otherwise turn the site into a mailer.
EMAILS_PER_DAY = 50


class InvitationRefused(ValueError):
    """The link or the action does nothing; `reason` says why (unknown, used, withdrawn,
    expired, role, member, limit)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _sent_today(series: Series, now: datetime) -> int:
    return db.session.scalar(
        select(func.count(Invitation.id)).where(
            Invitation.series_id == series.id, Invitation.sent_at > now - timedelta(days=1)
        )
    )


def _send(invitation: Invitation, inviter: User, now: datetime) -> None:
    token = new_token()
    invitation.token_hash = hash_token(token)
    invitation.sent_at = now
    invitation.expires_at = now + LIFETIME
    role = _("organiser") if invitation.role is Role.ORGANISER else _("door volunteer")
    queue_account_email(
        invitation.email,
        _("Join the team of %(series)s", series=invitation.series.name),
        "invitation",
        inviter=inviter.display_name,
        series=invitation.series,
        role=role,
        door=invitation.role is Role.DOOR,
        url=absolute_url("accounts.invitation", token=token),
        days=LIFETIME.days,
    )


def pending(series: Series) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.series_id == series.id,
                Invitation.accepted_at.is_(None),
                Invitation.withdrawn_at.is_(None),
            )
            .order_by(Invitation.sent_at.desc())
        )
    )


def invite(
    series: Series, email: str, role: Role, inviter: User, now: datetime | None = None
) -> Invitation:
    """Send an invitation (or, to an address already invited, send it again with a fresh
    link). InvitationRefused("member") if an account with this address is on the team
    already (the inviter sees the team anyway), ("limit") past EMAILS_PER_DAY. Commits."""
    now = now or utcnow()
    inviter_id = inviter.id  # read before the new row is pending (an expired inviter reloads)
    email = auth_services.normalise_email(email)
    role = Role(role)
    if role not in TEAM_ROLES:
        raise ValueError(f"cannot invite as {role}")
    if any(member.email == email for member in series.team):
        raise InvitationRefused("member")
    if _sent_today(series, now) >= EMAILS_PER_DAY:
        raise InvitationRefused("limit")
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.series_id == series.id,
            func.lower(Invitation.email) == email,
            Invitation.accepted_at.is_(None),
            Invitation.withdrawn_at.is_(None),
        )
    )
    if invitation is None:
        invitation = Invitation(series=series, email=email, created_at=now)
        db.session.add(invitation)
    invitation.role = role
    invitation.invited_by_id = inviter_id
    _send(invitation, inviter, now)
    db.session.commit()
    return invitation


def resend(invitation: Invitation, inviter: User, now: datetime | None = None) -> None:
    """A fresh link for another week; the former link stops working. Commits."""
    now = now or utcnow()
    if not invitation.is_pending:
        raise InvitationRefused("used" if invitation.accepted_at else "withdrawn")
    if _sent_today(invitation.series, now) >= EMAILS_PER_DAY:
        raise InvitationRefused("limit")
    _send(invitation, inviter, now)
    db.session.commit()


def withdraw(invitation: Invitation, now: datetime | None = None) -> None:
    """The link stops working at once. Commits."""
    if invitation.is_pending:
        invitation.withdrawn_at = now or utcnow()
    db.session.commit()


def check(token: str, now: datetime | None = None) -> Invitation:
    """The live invitation behind `token`, or InvitationRefused."""
    now = now or utcnow()
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None:
        raise InvitationRefused("unknown")
    if invitation.accepted_at is not None:
        raise InvitationRefused("used")
    if invitation.withdrawn_at is not None:
        raise InvitationRefused("withdrawn")
    if invitation.expires_at <= now:
        raise InvitationRefused("expired")
    return invitation


def team_role(invitation: Invitation) -> TeamRole:
    """The role the invitation gives in its series."""
    return TeamRole(invitation.role.value)


def may_join(user: User) -> bool:
    """Any person's account joins with the invitation's role in that series, whatever it
    does elsewhere (roles are per team); not a paired door phone's."""
    return not user.is_door_phone


def _claim(invitation: Invitation, user: User, now: datetime) -> None:
    """Mark the invitation accepted by one conditional UPDATE (two tabs: one wins)."""
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.withdrawn_at.is_(None),
        )
        .values(accepted_at=now, accepted_by_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise InvitationRefused("used")


def accept(token: str, user: User, now: datetime | None = None) -> Invitation:
    """An existing account joins the team. Commits."""
    now = now or utcnow()
    invitation = check(token, now)
    if not may_join(user):
        raise InvitationRefused("role")
    _claim(invitation, user, now)
    # Idempotent: on the team already (another invitation accepted at the same moment),
    # no primary-key error; an organiser invitation makes a door volunteer an organiser.
    team.join(invitation.series, user, team_role(invitation))
    db.session.commit()
    return invitation


def accept_with_new_account(
    token: str, name: str, password: str, now: datetime | None = None
) -> User:
    """Create the account and join. The account's role is the invitation's: someone invited
    as an organiser may create series of their own, a door volunteer may not (meetup.auth.
    models.Role). Commits.
    InvitationRefused("account") if the address has an account meanwhile."""
    now = now or utcnow()
    invitation = check(token, now)
    if auth_services.find_user_by_email(invitation.email) is not None:
        raise InvitationRefused("account")
    user = User(email=invitation.email, name=name.strip(), role=invitation.role)
    user.password_hash = auth_services.hash_password(password)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same address made an account a moment ago
        db.session.rollback()
        raise InvitationRefused("account") from None
    _claim(invitation, user, now)
    team.join(invitation.series, user, team_role(invitation))
    db.session.commit()
    return user
