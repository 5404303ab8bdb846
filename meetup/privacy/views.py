"""The privacy page, and from the personal link: my data (page and JSON), erase me."""

from __future__ import annotations

from flask import Response, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from meetup import audit
from meetup.auth.forms import ConfirmForm
from meetup.events.models import Series
from meetup.extensions import db
from meetup.privacy import bp, erasure
from meetup.privacy.consents import CONSENTS, WORDING_VERSION
from meetup.privacy.erasure import PERSONAL_FIELDS
from meetup.privacy.export import as_json, person_data
from meetup.registrations import positions, spreadsheet
from meetup.registrations.forms import VISIBILITY_CHOICES, CardForm
from meetup.registrations.queries import registration_by_link
from meetup.responses import private


@bp.get("/privacy")
def privacy_page():
    """What is kept, who sees what, for how long, and whom to write to: from the settings."""
    config = current_app.config
    series = db.session.scalars(select(Series).order_by(Series.name)).all()
    # Someone who reads replies: the setting, else the clubs' own contact addresses (the
    # ones their emails give), and only then the sender address.
    clubs = list(dict.fromkeys(s.contact_email for s in series if s.contact_email))
    return render_template(
        "privacy/page.html",
        series=series,
        contact=config["PRIVACY_CONTACT"] or ", ".join(clubs) or config["MAIL_DEFAULT_SENDER"],
        mail_keep_days=config["MAIL_KEEP_DAYS"],
        wording=WORDING_VERSION,
        geocoder=config["GEOCODER"],
        delay_hours=int(positions.DELAY.total_seconds() // 3600),
        max_changes=positions.MAX_CHANGES,
        window_days=positions.WINDOW.days,
    )


@bp.get("/r/<token>/my-data")
def my_data(token: str):
    registration = registration_by_link(token)
    response = current_app.make_response(
        render_template(
            "privacy/my_data.html",
            data=person_data(registration),
            labels=_labels(),
            zone=registration.event.zone,
            token=token,
            event=registration.event,
        )
    )
    return private(response)


@bp.get("/r/<token>/my-data.json")
def my_data_json(token: str):
    registration = registration_by_link(token)
    response = Response(as_json(person_data(registration)), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return private(response)


def _labels() -> dict[str, str]:
    """The page's words for the export's keys and values: the card form's own labels."""

    labels = {name: getattr(CardForm, name).args[0] for name in (*PERSONAL_FIELDS, *CONSENTS)}
    labels |= {choice.value: choice.label for choice in VISIBILITY_CHOICES}
    labels |= {status.value: str(label) for status, label in spreadsheet.STATUS.items()}
    return labels | {"yes": _("yes"), "no": _("no"), "changed": _("changed")}


@bp.route("/r/<token>/erase", methods=["GET", "POST"])
def erase_me(token: str):
    """A confirmation listing what goes; then everything goes."""
    registration = registration_by_link(token)
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
    return private(response)


@bp.get("/erased")
def erased():
    return render_template("privacy/erased.html")
