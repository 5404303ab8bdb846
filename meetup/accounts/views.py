"""A forgotten password (and, below, invitations): pages anyone with the link may open."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from meetup.accounts import bp, invitations, reset
from meetup.accounts.forms import ForgotForm, InviteForm, JoinForm, NewPasswordForm, TeamRoleForm
from meetup.accounts.models import Invitation
from meetup.auth import services as auth_services
from meetup.auth.access import can_manage_series, require_series_access, staff_required
from meetup.auth.forms import ConfirmForm
from meetup.auth.models import Role, TeamRole, User
from meetup.auth.views import home_for
from meetup.events import queries
from meetup.events import team as team_changes
from meetup.events.models import Series
from meetup.extensions import db, limiter
from meetup.responses import private
from meetup.timeutil import utcnow
from meetup.writelock import end_reads, own_lock


def _reset_rate_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def log_in_fresh(user: User) -> None:
    """A new login session for this browser (nothing set before it survives)."""
    session.clear()
    session.permanent = True
    auth_services.start_session(user)
    login_user(user)


@bp.route("/login/forgot", methods=["GET", "POST"])
@own_lock  # one short write: reset.request_reset
@limiter.limit(_reset_rate_limit, methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        end_reads()  # (the current user, if any, was read)
        reset.request_reset(form.email.data)  # the worker looks it up and sends
        # The same words for every address: nobody learns which have an account.
        flash(
            _(
                "If %(address)s is a team member's address, a link to set a new password is on "
                "its way: check the inbox (and spam folder) in a few minutes. It works for an "
                "hour.",
                address=form.email.data,
            ),
            "success",
        )
        return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/forgot.html", form=form), status


def _refused(error: reset.ResetRefused):
    page = render_template("accounts/reset_refused.html", reason=error.reason)
    return private(make_response(page, 404 if error.reason == "unknown" else 410))


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """The email's link: the GET shows the form (a mail scanner opening it uses nothing),
    the POST sets the password, ends the account's other sessions and logs in here."""
    try:
        password_reset = reset.check_reset(token)
    except reset.ResetRefused as error:
        return _refused(error)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = reset.reset_password(token, form.password.data)
        except reset.ResetRefused as error:
            return _refused(error)
        log_in_fresh(user)
        flash(_("Your new password is set; you are logged in."), "success")
        return redirect(home_for(user))
    page = render_template("accounts/reset.html", form=form, email=password_reset.user.email)
    return private(make_response(page, 422 if form.is_submitted() else 200))


# -- the team of a series: invitations, members --------------------------------------------


def _managed_series(slug: str) -> Series:
    series = queries.series_or_404(slug)
    require_series_access(current_user, series)
    return series


def _team_page(series: Series, form: InviteForm, status: int = 200):
    page = render_template(
        "accounts/team.html",
        series=series,
        members=sorted(series.memberships, key=lambda m: m.user.email),
        form=form,
        invitations=invitations.pending(series),
        now=utcnow(),
    )
    return make_response(page, status)


@bp.route("/admin/series/<slug>/team", methods=["GET", "POST"])
@staff_required
def team(slug: str):
    series = _managed_series(slug)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitations.invite(series, form.email.data, Role(form.role.data), current_user)
        except invitations.InvitationRefused as error:
            form.email.errors.append(_REFUSALS[error.reason]())
            return _team_page(series, form, 422)
        # The same words whether the address has an account or not.
        flash(_("Invitation sent to %(address)s.", address=form.email.data.strip()), "success")
        return redirect(url_for("accounts.team", slug=slug))
    return _team_page(series, form, 422 if form.is_submitted() else 200)


_REFUSALS = {
    "member": lambda: _("This address is on the team already."),
    "limit": lambda: _("This series has sent many invitations today: try again tomorrow."),
    "used": lambda: _("This invitation has been accepted already."),
    "withdrawn": lambda: _("This invitation was withdrawn."),
}


def _invitation_of(series: Series, invitation_id: int) -> Invitation:
    invitation = db.get_or_404(Invitation, invitation_id)
    if invitation.series_id != series.id:
        abort(404)
    return invitation


@bp.post("/admin/series/<slug>/team/invitations/<id:invitation_id>/resend")
@staff_required
def invitation_resend(slug: str, invitation_id: int):
    series = _managed_series(slug)
    invitation = _invitation_of(series, invitation_id)
    if ConfirmForm().validate_on_submit():
        try:
            invitations.resend(invitation, current_user)
            flash(
                _(
                    "Invitation sent again to %(address)s, with a new link for a week; the "
                    "former link no longer works.",
                    address=invitation.email,
                ),
                "success",
            )
        except invitations.InvitationRefused as error:
            flash(_REFUSALS[error.reason](), "error")
    return redirect(url_for("accounts.team", slug=slug))


@bp.post("/admin/series/<slug>/team/invitations/<id:invitation_id>/withdraw")
@staff_required
def invitation_withdraw(slug: str, invitation_id: int):
    series = _managed_series(slug)
    invitation = _invitation_of(series, invitation_id)
    if ConfirmForm().validate_on_submit():
        invitations.withdraw(invitation)
        flash(
            _(
                "Invitation to %(address)s withdrawn: its link no longer works.",
                address=invitation.email,
            ),
            "success",
        )
    return redirect(url_for("accounts.team", slug=slug))


def _member_of(series: Series, user_id: int) -> User:
    member = next((m for m in series.team if m.id == user_id), None)
    if member is None:
        abort(404)
    return member


def _last_organiser(member: User) -> str:
    return _(
        "%(name)s is this series' only organiser: make someone else an organiser first.",
        name=member.display_name,
    )


@bp.post("/admin/series/<slug>/team/members/<id:user_id>/role")
@staff_required
def member_role(slug: str, user_id: int):
    """Someone's role in this series (theirs elsewhere does not change)."""
    series = _managed_series(slug)
    member = _member_of(series, user_id)
    form = TeamRoleForm()
    if not form.validate_on_submit():
        flash(_("Choose organiser or door volunteer."), "error")
        return redirect(url_for("accounts.team", slug=slug))
    role = TeamRole(form.role.data)
    try:
        team_changes.set_role(series, member, role, by=current_user)
    except team_changes.NotAllowed:
        abort(403)
    except team_changes.LastOrganiser:
        flash(_last_organiser(member), "error")
    except team_changes.NotOnTeam:
        flash(_("%(name)s is no longer on the team.", name=member.display_name), "error")
    else:
        flash(_ROLE_SET[role](member.display_name), "success")
        if not can_manage_series(current_user, series):  # they made themselves door volunteer
            return redirect(home_for(current_user))
    return redirect(url_for("accounts.team", slug=slug))


_ROLE_SET = {
    TeamRole.ORGANISER: lambda name: _("%(name)s is now an organiser of this series.", name=name),
    TeamRole.DOOR: lambda name: _(
        "%(name)s is now a door volunteer of this series: its door screens only.", name=name
    ),
}


@bp.post("/admin/series/<slug>/team/members/<id:user_id>/remove")
@staff_required
def member_remove(slug: str, user_id: int):
    series = _managed_series(slug)
    member = _member_of(series, user_id)
    if ConfirmForm().validate_on_submit():
        if member.id == current_user.id:
            flash(_("You cannot take yourself off the team: ask another organiser."), "error")
            return redirect(url_for("accounts.team", slug=slug))
        try:
            team_changes.remove(series, member, by=current_user)
        except team_changes.NotAllowed:
            abort(403)
        except team_changes.LastOrganiser:
            flash(_last_organiser(member), "error")
        else:
            flash(
                _(
                    "%(name)s is no longer on the team: this series' pages and door are closed "
                    "to them from their next click.",
                    name=member.display_name,
                ),
                "success",
            )
    return redirect(url_for("accounts.team", slug=slug))


# -- the invitation's link -------------------------------------------------------------------


def _invitation_refused(reason: str, invitation: Invitation | None = None):
    page = render_template("accounts/invitation_refused.html", reason=reason, invitation=invitation)
    return private(make_response(page, 404 if reason == "unknown" else 410))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The email's link. Logged in: join with this account. Not logged in: log in first
    (an address with an account), or choose a name and password (a new account). The GET
    changes nothing, so a mail scanner opening the link accepts nothing."""
    try:
        invitation = invitations.check(token)
    except invitations.InvitationRefused as error:
        return _invitation_refused(error.reason)
    login_url = url_for("auth.login", next=request.path)
    if current_user.is_authenticated:
        form = ConfirmForm()
        fits = invitations.may_join(current_user)
        if fits and form.validate_on_submit():
            try:
                invitations.accept(token, current_user)
            except invitations.InvitationRefused as error:
                return _invitation_refused(error.reason, invitation)
            flash(_("You are on the team of %(series)s.", series=invitation.series.name), "success")
            return redirect(home_for(current_user))
        page = render_template(
            "accounts/invitation.html", invitation=invitation, form=form, fits=fits
        )
        return private(make_response(page, 422 if form.is_submitted() else 200))
    has_account = auth_services.find_user_by_email(invitation.email) is not None
    form = JoinForm()
    if not has_account and form.validate_on_submit():
        try:
            user = invitations.accept_with_new_account(token, form.name.data, form.password.data)
        except invitations.InvitationRefused as error:
            if error.reason == "account":
                return redirect(login_url)
            return _invitation_refused(error.reason, invitation)
        log_in_fresh(user)
        flash(_("Welcome to the team of %(series)s.", series=invitation.series.name), "success")
        return redirect(home_for(user))
    page = render_template(
        "accounts/invitation.html",
        invitation=invitation,
        form=form,
        has_account=has_account,
        login_url=login_url,
    )
    return private(make_response(page, 422 if form.is_submitted() else 200))
