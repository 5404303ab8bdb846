"""Door phones: the organisers' list (add, show a new QR code, revoke) and the pairing link
a phone opens."""

from __future__ import annotations

import base64

from flask import abort, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from meetup.auth import cookie
from meetup.auth import services as auth_services
from meetup.auth.access import staff_required
from meetup.auth.forms import ConfirmForm
from meetup.auth.models import DoorPhone
from meetup.checkin import admin_bp, pairing, pairing_bp
from meetup.events import queries
from meetup.events.models import Event
from meetup.extensions import db
from meetup.links import absolute_url
from meetup.registrations import qr
from meetup.responses import private
from meetup.timeutil import utcnow

_REFUSALS = {
    "closed": lambda: _("This evening's door window is over: no more phones can be paired."),
    "full": lambda: _("This evening has as many door phones as it may have: revoke one first."),
    "used": lambda: _("This phone is paired already."),
    "revoked": lambda: _("This phone was revoked."),
}


def _phones_page(event: Event, shown: DoorPhone | None = None, code: str = ""):
    """The list; with `code`, the QR code and short link pairing `shown`."""
    link = absolute_url("pairing.pair", code=code) if code else ""
    image = ""
    if link:
        png = qr.encode(link).png(box_size=8)
        image = "data:image/png;base64," + base64.b64encode(png).decode()
    page = render_template(
        "checkin/phones.html",
        event=event,
        phones=pairing.phones(event),
        shown=shown,
        link=link,
        image=image,
        minutes=int(pairing.PAIRING_LINK_LIFETIME.total_seconds() // 60),
        now=utcnow(),
    )
    # The page may hold a pairing code: never cached, never sent on as a referrer.
    return private(make_response(page))


def _phone_of(event: Event, phone_id: int) -> DoorPhone:
    phone = db.get_or_404(DoorPhone, phone_id)
    if phone.event_id != event.id:
        abort(404)
    return phone


@admin_bp.route("/events/<slug>/door-phones", methods=["GET", "POST"])
@staff_required
def phones(slug: str):
    """GET: the evening's door phones. POST: "Add a door phone", then its QR code."""
    event = queries.managed_event_or_404(slug, current_user)
    if ConfirmForm().validate_on_submit():
        try:
            phone, code = pairing.add_phone(event, current_user)
        except pairing.PairingRefused as error:
            flash(_REFUSALS[error.reason](), "error")
            return redirect(url_for("door_admin.phones", slug=slug))
        return _phones_page(event, phone, code)
    return _phones_page(event)


@admin_bp.post("/events/<slug>/door-phones/<id:phone_id>/code")
@staff_required
def phone_code(slug: str, phone_id: int):
    """A new QR code for a phone not paired yet (the former one stops working)."""
    event = queries.managed_event_or_404(slug, current_user)
    phone = _phone_of(event, phone_id)
    if ConfirmForm().validate_on_submit():
        try:
            return _phones_page(event, phone, pairing.new_code(phone))
        except pairing.PairingRefused as error:
            flash(_REFUSALS[error.reason](), "error")
    return redirect(url_for("door_admin.phones", slug=slug))


@admin_bp.post("/events/<slug>/door-phones/<id:phone_id>/revoke")
@staff_required
def phone_revoke(slug: str, phone_id: int):
    event = queries.managed_event_or_404(slug, current_user)
    phone = _phone_of(event, phone_id)
    if ConfirmForm().validate_on_submit():
        name = phone.user.name
        pairing.revoke(phone)
        flash(
            _("%(name)s is revoked: it gets nothing more from its next tap.", name=name), "success"
        )
    return redirect(url_for("door_admin.phones", slug=slug))


# -- the phone's side -------------------------------------------------------------------------


def _refused(reason: str):
    page = render_template("checkin/pair_refused.html", reason=reason)
    return private(make_response(page, 404 if reason == "unknown" else 410))


@pairing_bp.route("/p/<code>", methods=["GET", "POST"])
def pair(code: str):
    """The QR code's link. The GET asks (a link checker opening it pairs nothing); the POST
    pairs this phone and opens the door screen."""
    try:
        phone = pairing.check_code(code)
    except pairing.PairingRefused as error:
        return _refused(error.reason)
    event = db.session.get(Event, phone.event_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            account = pairing.pair(code)
        except pairing.PairingRefused as error:
            return _refused(error.reason)
        # Whoever was logged in on this browser is logged out: it is the door's phone now.
        if current_user.is_authenticated:
            auth_services.end_session(current_user.get_id())
        session.clear()
        session.permanent = True
        cookie.last_until(account.door_phone.until)  # idle or not (meetup.auth.cookie)
        auth_services.start_session(account)
        login_user(account)
        return redirect(url_for("door.screen", slug=event.slug))
    page = render_template("checkin/pair.html", phone=phone, event=event, form=form)
    return private(make_response(page))
