"""Public side: the signup form, the thank-you page, the personal page, the ticket link."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meetup.auth.access import can_run_door
from meetup.auth.forms import ConfirmForm
from meetup.badges import services as badge_services
from meetup.events import queries
from meetup.events.models import EventStatus
from meetup.events.services import SignupState, signup_state
from meetup.extensions import db, limiter
from meetup.registrations import bp, services, tickets
from meetup.registrations.forms import CardForm, SignupForm
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.registrations.queries import registration_by_link
from meetup.registrations.tokens import hash_token
from meetup.responses import pdf_response, private
from meetup.timeutil import utcnow
from meetup.writelock import own_lock, writes


def signup_rate_limit() -> str:
    """Public signups per client address (the form here and the API)."""
    return current_app.config["SIGNUP_RATE_LIMIT"]


@bp.route("/events/<slug>/signup", methods=["GET", "POST"])
@own_lock  # the seat lock: services.signup
@limiter.limit(signup_rate_limit, methods=["POST"])
def signup(slug: str):
    event = queries.event_or_404(slug, with_speakers=False)
    state = signup_state(event)
    if state == SignupState.DRAFT:
        abort(404)
    if state != SignupState.OPEN:
        return redirect(url_for("public.event_page", slug=slug))
    form = SignupForm()
    if form.validate_on_submit():
        email = form.normalised_email()
        if form.is_bot():
            # Answer as if it worked: a bot learns nothing, nothing is stored or sent.
            status = services.public_status(event)
        else:
            try:
                status = services.register(event, form.profile(email)).public_status
            except services.SignupsClosed:  # cancelled a moment ago: the page says so
                return redirect(url_for("public.event_page", slug=slug))
        # For the next page only: the address, shown back so that a typo can be seen.
        session["signed_up"] = {"status": status.value, "email": email}
        return redirect(url_for("registrations.signed_up", slug=slug))
    status = 422 if form.is_submitted() else 200
    # Said before the form: someone arriving by a direct link learns it is the waitlist.
    full = services.public_status(event) is RegistrationStatus.WAITLISTED
    return render_template("registrations/signup.html", event=event, form=form, full=full), status


@bp.get("/events/<slug>/signed-up")
def signed_up(slug: str):
    event = queries.event_or_404(slug)
    signed_up = session.pop("signed_up", None)
    if not isinstance(signed_up, dict):
        return redirect(url_for("public.event_page", slug=slug))
    return render_template(
        "registrations/signed_up.html",
        event=event,
        status=signed_up.get("status"),
        email=signed_up.get("email", ""),
    )


@bp.route("/r/<token>", methods=["GET", "POST"])
@writes  # the ticket's QR matrix, kept the first time it is shown
def manage(token: str):
    """The attendee's personal page: ticket, card, visibility, cancel."""
    registration = registration_by_link(token)
    form = CardForm(obj=registration)
    if form.validate_on_submit():
        language_before = registration.language
        services.update_profile(registration, form.profile(registration.email))
        flash(_("Saved. Your card now shows what you chose."), "success")
        if registration.language != language_before:
            flash(
                _("Our emails to you are now in English.")
                if registration.language == "en"
                else _("Our emails to you are now in French."),
                "success",
            )
        return redirect(url_for("registrations.manage", token=token))
    return personal_page(registration, token, form=form)


def personal_page(registration: Registration, token: str, *, form=None, pin_form=None):
    """The personal page as it stands, a form sent back with its errors and what was typed
    (422) when one is given. Opening it remembers the person in this browser (the directory
    and scanned badges know them)."""
    from meetup.directory import links as directory_links  # the directory builds on this
    from meetup.directory import viewer

    viewer.remember(registration, hash_token(token))
    card_form = form or CardForm(obj=registration)
    # Once the evening is over the ticket has done its job: the page leads with who came.
    now = utcnow()
    evening_over = registration.event.ends_at <= now
    # A cancelled evening has no ticket to show, nor a seat to give back.
    evening_cancelled = registration.event.status is EventStatus.CANCELLED
    response = current_app.make_response(
        render_template(
            "registrations/manage.html",
            registration=registration,
            event=registration.event,
            form=card_form,
            evening_over=evening_over,
            evening_cancelled=evening_cancelled,
            ticket_image=tickets.ticket_image(registration)
            if registration.status is RegistrationStatus.CONFIRMED
            and tickets.shows_ticket(registration, now)
            else None,
            token=token,
            **directory_links.for_personal_page(registration, pin_form),
        )
    )
    sent_back = card_form.is_submitted() or pin_form is not None
    response.status_code = 422 if sent_back else 200
    return private(response)  # the token is in this page's address


@bp.post("/r/<token>/cancel")
def cancel(token: str):
    registration = registration_by_link(token)
    if ConfirmForm().validate_on_submit():
        services.cancel(registration)
        flash(_("Your registration is cancelled. Thank you for freeing your seat."), "success")
    return redirect(url_for("registrations.manage", token=token))


@bp.get("/r/<token>/ticket.pdf")
@writes  # the QR matrix
def ticket_pdf(token: str):
    """A one-page ticket to print or keep: evening, name, QR code."""
    registration = registration_by_link(token)
    if (
        registration.status is not RegistrationStatus.CONFIRMED
        or registration.event.status is EventStatus.CANCELLED
    ):
        abort(404)
    pdf = badge_services.ticket_pdf(registration)
    db.session.commit()  # keeps the QR matrix if it was encoded just now
    return private(pdf_response(pdf, "ticket.pdf", attachment=True))  # a token in the address


@bp.get("/B/<code>", endpoint="ticket_scan")
@bp.get("/b/<code>")
@writes  # the QR matrix
def ticket(code: str):
    """What a ticket's QR code opens. The series' team sees whose ticket it is and where the
    registration stands; anyone else only which evening it is for, nothing about the person
    unless they are an attendee who may see the person's card (meetup.directory)."""
    registration = tickets.by_code(code)
    if registration is None:
        abort(404)
    from meetup.checkin import services as checkin_services  # checkin builds on registrations

    event = registration.event
    now = utcnow()
    # The team, while the evening is one the door may work (past evenings' people are the
    # organisers' only): the same rule as the door screen.
    if can_run_door(current_user, event.series_id) and checkin_services.door_may_open(
        event, current_user, now
    ):
        response = current_app.make_response(
            render_template(
                "registrations/ticket_staff.html",
                registration=registration,
                event=event,
                on_now=checkin_services.on_now(event.starts_at, event.ends_at, now),
            )
        )
        response.headers["Cache-Control"] = "no-store"
        return response
    # An attendee scanning another's badge: the card that person agreed to show them.
    from meetup.directory.views import scan_page

    shown = scan_page(registration)
    if shown is not None:
        return shown
    from meetup.directory import viewer

    image = tickets.ticket_image(registration) if tickets.shows_ticket(registration, now) else ""
    return render_template(
        "registrations/ticket.html",
        event=event,
        ticket_image=image,
        # An attendee this browser knows: the holder shows them no card (none chosen, or
        # not yet: cards show once both were let in); not "open your personal link".
        identified=viewer.current() is not None,
    )
