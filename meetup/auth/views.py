from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from meetup.auth import bp, services, throttle
from meetup.auth.access import admin_required, is_staff, staff_required
from meetup.auth.forms import ConfirmForm, LoginForm, TokenForm, UserForm
from meetup.auth.models import DOOR_PHONE_DOMAIN, ApiToken, Role, User
from meetup.auth.urls import safe_next_url
from meetup.extensions import db, limiter, login_manager


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    return services.load_session_user(session_id)


def _limit(setting: str):
    return lambda: current_app.config[setting]


def _login_failed(response) -> bool:
    return response.status_code != 302


def home_for(user: User) -> str:
    """The organisers' dashboard, or the door for someone who organises nothing."""
    if is_staff(user):
        return url_for("admin.dashboard")
    return url_for("door.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_RATE_LIMIT"), methods=["POST"], deduct_when=_login_failed)
@limiter.limit(
    _limit("LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT"),
    methods=["POST"],
    key_func=throttle.account_address_key,
    deduct_when=_login_failed,
)
@limiter.limit(
    _limit("LOGIN_ACCOUNT_RATE_LIMIT"),
    methods=["POST"],
    key_func=throttle.account_key,
    deduct_when=_login_failed,
    exempt_when=throttle.known_device,
)
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            # A fresh session at every login: nothing set before it survives (no fixation).
            session.clear()
            session.permanent = True  # the cookie expires with PERMANENT_SESSION_LIFETIME
            services.start_session(user)
            login_user(user)
            response = redirect(safe_next_url(request.args.get("next")) or home_for(user))
            throttle.remember_device(response, user.email)
            return response
        # Said of the pair, not of one field: which one is wrong stays unknown to anyone
        # trying addresses.
        return render_template("auth/login.html", form=form, failed=True), 422
    return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200


def throttled_login_page():
    """A 429 on the login form: the form again, the email kept, and what to do."""
    return render_template("auth/login.html", form=LoginForm(), throttled=True), 429


@bp.post("/logout")
@login_required
def logout():
    services.end_session(current_user.get_id())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("public.home"))


@bp.get("/admin/users")
@admin_required
def users():
    people = select(User).where(User.email.not_like("%" + DOOR_PHONE_DOMAIN))  # not phones
    all_users = db.session.scalars(people.order_by(User.role, User.email)).all()
    return render_template("auth/users.html", users=all_users)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    form = UserForm()
    if form.validate_on_submit():
        user = services.create_user(
            form.email.data, form.role.data, form.password.data, name=form.name.data or ""
        )
        flash(_("Account created for %(email)s.", email=user.email), "success")
        return redirect(url_for("auth.users"))
    return render_template("auth/user_new.html", form=form)


@bp.post("/admin/users/<id:user_id>/deactivate")
@admin_required
def user_deactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        if user.id == current_user.id:
            flash(_("You cannot deactivate your own account."), "error")
        else:
            services.deactivate_user(user)
            flash(
                _(
                    "%(email)s can no longer log in; their API tokens are revoked.",
                    email=user.email,
                ),
                "success",
            )
    return redirect(url_for("auth.users"))


@bp.post("/admin/users/<id:user_id>/reactivate")
@admin_required
def user_reactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        services.reactivate_user(user)
        flash(
            _(
                "%(email)s can log in again; their former API tokens stay revoked.",
                email=user.email,
            ),
            "success",
        )
    return redirect(url_for("auth.users"))


@bp.route("/admin/tokens", methods=["GET", "POST"])
@staff_required
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token, _api_token = services.create_api_token(
            current_user, form.name.data, scopes=form.scopes.data
        )
        form = TokenForm(formdata=None)
    my_tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template("auth/tokens.html", form=form, tokens=my_tokens, new_token=new_token)


@bp.post("/admin/tokens/<id:token_id>/revoke")
@staff_required
def token_revoke(token_id: int):
    api_token = db.get_or_404(ApiToken, token_id)
    if api_token.user_id != current_user.id and current_user.role is not Role.ADMIN:
        abort(403)
    if ConfirmForm().validate_on_submit():
        services.revoke_api_token(api_token)
        flash(_("Token revoked: it no longer works."), "success")
    return redirect(url_for("auth.tokens"))
