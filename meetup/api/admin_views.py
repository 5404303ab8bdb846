"""A series' website and tools: its publishable signup keys and their hourly limit."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meetup.api import admin_bp as bp
from meetup.api import keys
from meetup.api.forms import OriginsForm, SignupKeyForm, SignupLimitForm
from meetup.auth import services as auth_services
from meetup.auth.access import require_series_access, staff_required
from meetup.auth.forms import ConfirmForm
from meetup.auth.models import ApiToken
from meetup.events import queries
from meetup.events import services as event_services
from meetup.events.models import Series
from meetup.extensions import db


def _series(slug: str) -> Series:
    series = queries.series_or_404(slug)
    require_series_access(current_user, series)
    return series


def _render(series: Series, key_form=None, limit_form=None, new_key=None, origins_form=None):
    return render_template(
        "api/website.html",
        series=series,
        keys=keys.series_keys(series),
        key_form=key_form or SignupKeyForm(formdata=None),
        limit_form=limit_form or SignupLimitForm(formdata=None, obj=series),
        new_key=new_key,
        origins_form=origins_form or OriginsForm(formdata=None, obj=series),
    )


@bp.get("/series/<slug>/website")
@staff_required
def website(slug: str):
    return _render(_series(slug))


@bp.post("/series/<slug>/website/keys")
@staff_required
def signup_key_new(slug: str):
    series = _series(slug)
    form = SignupKeyForm()
    if not form.validate_on_submit():
        return _render(series, key_form=form), 422
    new_key, _key = keys.create_signup_key(current_user, series, form.name.data)
    return _render(series, new_key=new_key)


@bp.post("/series/<slug>/website/keys/<id:token_id>/revoke")
@staff_required
def signup_key_revoke(slug: str, token_id: int):
    series = _series(slug)
    key = db.session.get(ApiToken, token_id)
    if key is None or (found := keys.key_series(key)) is None or found.id != series.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        auth_services.revoke_api_token(key)
        flash(_("Key revoked: it no longer works."), "success")
    return redirect(url_for("api_admin.website", slug=series.slug))


@bp.post("/series/<slug>/website/limit")
@staff_required
def signup_limit(slug: str):
    series = _series(slug)
    form = SignupLimitForm()
    if not form.validate_on_submit():
        return _render(series, limit_form=form), 422
    event_services.update_series(series, api_signups_per_hour=form.api_signups_per_hour.data)
    flash(_("Saved."), "success")
    return redirect(url_for("api_admin.website", slug=series.slug))


@bp.post("/series/<slug>/website/origins")
@staff_required
def allowed_origins(slug: str):
    series = _series(slug)
    form = OriginsForm()
    if not form.validate_on_submit():
        return _render(series, origins_form=form), 422
    event_services.update_series(series, allowed_origins=form.origins())
    flash(_("Saved."), "success")
    return redirect(url_for("api_admin.website", slug=series.slug))
