"""A forgotten password (and, below, invitations): pages anyone with the link may open."""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import login_user

from meetup.accounts import bp, reset
from meetup.accounts.forms import ForgotForm, NewPasswordForm
from meetup.auth import services as auth_services
from meetup.auth.models import User
from meetup.auth.views import home_for
from meetup.extensions import limiter
from meetup.responses import private


def _reset_rate_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def log_in_fresh(user: User) -> None:
    """A new login session for this browser (nothing set before it survives)."""
    session.clear()
    session.permanent = True
    auth_services.start_session(user)
    login_user(user)


@bp.route("/login/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_rate_limit, methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        reset.request_reset(form.email.data)
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
