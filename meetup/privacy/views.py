"""The privacy page, and from the personal link: my data (page and JSON), erase me."""

from __future__ import annotations

import json

from flask import Response, abort, current_app, redirect, render_template, url_for
from sqlalchemy import select

from meetup.auth.forms import ConfirmForm
from meetup.events.models import Series
from meetup.extensions import db
from meetup.privacy import audit, bp, erasure
from meetup.privacy.consents import WORDING_VERSION
from meetup.privacy.export import person_data
from meetup.registrations import services as registration_services
from meetup.registrations.models import Registration


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


def _registration_or_404(token: str) -> Registration:
    registration = registration_services.by_manage_token(token)
    if registration is None or registration.erased_at is not None:
        abort(404)
    return registration


@bp.get("/privacy")
def privacy_page():
    """What is kept, who sees what, for how long, and whom to write to: from the settings."""
    config = current_app.config
    return render_template(
        "privacy/page.html",
        series=db.session.scalars(select(Series).order_by(Series.name)).all(),
        contact=config["PRIVACY_CONTACT"] or config["MAIL_DEFAULT_SENDER"],
        mail_keep_days=config["MAIL_KEEP_DAYS"],
        wording=WORDING_VERSION,
        geocoder=config["GEOCODER"],
    )


@bp.get("/r/<token>/my-data")
def my_data(token: str):
    registration = _registration_or_404(token)
    response = current_app.make_response(
        render_template(
            "privacy/my_data.html",
            data=person_data(registration),
            token=token,
            event=registration.event,
        )
    )
    return _private(response)


@bp.get("/r/<token>/my-data.json")
def my_data_json(token: str):
    registration = _registration_or_404(token)
    body = json.dumps(person_data(registration), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return _private(response)


@bp.route("/r/<token>/erase", methods=["GET", "POST"])
def erase_me(token: str):
    """A confirmation listing what goes; then everything goes."""
    registration = _registration_or_404(token)
    people = erasure.the_person(registration)
    form = ConfirmForm()
    if form.validate_on_submit():
        done = erasure.erase(people)
        audit.record_now("erase_self", f"{len(done.registrations)} registrations", 1)
        return redirect(url_for("privacy.erased"))
    response = current_app.make_response(
        render_template(
            "privacy/erase.html",
            plan=erasure.plan(people),
            token=token,
            event=registration.event,
            form=form,
        )
    )
    return _private(response)


@bp.get("/erased")
def erased():
    return render_template("privacy/erased.html")
