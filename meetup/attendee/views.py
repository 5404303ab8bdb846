"""The attendee's pages. Endpoints keep their blueprints' names (see meetup.attendee)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meetup.auth.access import can_run_door
from meetup.auth.forms import ConfirmForm
from meetup.badges import services as badge_services
from meetup.checkin import services as checkin_services
from meetup.directory import bp as directory_bp
from meetup.directory import distance, encounters, scans, tonight, viewer
from meetup.directory import links as directory_links
from meetup.directory import services as directory_services
from meetup.directory.cards import card_for
from meetup.directory.forms import PinForm
from meetup.directory.vcards import vcard, vcards
from meetup.directory.wording import asked_text, distance_note
from meetup.events.calendar import calendar_links
from meetup.events.models import EventStatus
from meetup.registrations import bp as registrations_bp
from meetup.registrations import services, tickets
from meetup.registrations.forms import CardForm
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.registrations.queries import registration_by_link
from meetup.registrations.tokens import hash_token
from meetup.responses import pdf_response, private, vcard_response
from meetup.timeutil import utcnow
from meetup.writelock import writes

# -- the personal page ------------------------------------------------------------------


@registrations_bp.route("/r/<token>", methods=["GET", "POST"])
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
    return _personal_page(registration, token, form=form)


def _personal_page(registration: Registration, token: str, *, form=None, pin_form=None):
    """The personal page as it stands, a form sent back with its errors and what was typed
    (422) when one is given. Opening it remembers the person in this browser (the directory
    and scanned badges know them)."""
    viewer.remember(registration, hash_token(token))
    card_form = form or CardForm(obj=registration)
    # Once the evening is over the ticket has done its job: the page leads with who came.
    now = utcnow()
    evening_over = registration.event.ends_at <= now
    # A cancelled evening has no ticket to show, nor a seat to give back.
    evening_cancelled = registration.event.status is EventStatus.CANCELLED
    response = current_app.make_response(
        render_template(
            "attendee/manage.html",
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
            # A seat or a waitlist place in an evening still ahead: worth a calendar entry.
            calendar_links=calendar_links(registration.event)
            if not evening_over
            and registration.event.status is EventStatus.PUBLISHED
            and registration.status is not RegistrationStatus.CANCELLED
            else None,
            **_tonight_context(registration, now),
            **_encounters_context(registration),
            **directory_links.for_personal_page(registration, pin_form),
        )
    )
    sent_back = card_form.is_submitted() or pin_form is not None
    response.status_code = 422 if sent_back else 200
    return private(response)  # the token is in this page's address


# -- my encounters ------------------------------------------------------------------------


def _encounters_context(registration: Registration) -> dict:
    met = encounters.of(registration)
    asked = {}
    for m in met:
        answers = directory_services.introductions_asked(m.requester)
        if m.target.id in answers:
            asked[m.target.id] = answers[m.target.id]
    return {"encounters": met, "encounter_asked": asked}


@registrations_bp.get("/r/<token>/encounters.vcf")
def encounters_vcards(token: str):
    """Everyone in "My encounters" as one vCard file (only the cards one may see)."""
    registration = registration_by_link(token)
    cards = [(m.card, _("Met at %(title)s", title=m.target.event.one_line_title))
             for m in encounters.of(registration)]  # fmt: skip
    return private(vcard_response(vcards(cards), "encounters.vcf"))


@registrations_bp.post("/r/<token>/encounters/<id:registration_id>/introduce")
def encounter_introduce(token: str, registration_id: int):
    """ "Introduce us" from "My encounters"."""
    registration = registration_by_link(token)
    met = encounters.one(registration, registration_id)
    if met is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        asked = directory_services.ask_introduction(met.requester, met.target)
        flash(asked_text(asked, met.target.first_name), "success" if asked else "error")
    return redirect(url_for("registrations.manage", token=token) + "#encounters")


# -- tonight, in the room ----------------------------------------------------------------


def _tonight_context(registration: Registration, now) -> dict:
    """What the personal page's "Here tonight" needs: shown while the evening is on to
    someone with a seat; the list once their ticket is scanned (the page, left open at the
    door, turns into it), "I'm back" once they said they were leaving."""
    shown = (
        tonight.is_on(registration.event, now)
        and registration.status is RegistrationStatus.CONFIRMED
    )
    here = tonight.tonight(registration, now) if shown else None
    return {
        "tonight_shown": shown,
        "tonight": here,
        "tonight_cards": [(card_for(p.registration), p) for p in here.people] if here else [],
        "tonight_poll": current_app.config["TONIGHT_POLL_SECONDS"],
        "note": distance_note,
        "walk": distance.walking_minutes,
    }


@registrations_bp.get("/r/<token>/tonight")
def tonight_now(token: str):
    """Who is in the room now: the personal page's section alone, which its script asks for
    every TONIGHT_POLL_SECONDS."""
    registration = registration_by_link(token)
    page = render_template(
        "attendee/_tonight.html",
        registration=registration,
        event=registration.event,
        token=token,
        **_tonight_context(registration, utcnow()),
    )
    return private(current_app.make_response(page))


@registrations_bp.post("/r/<token>/leave")
def leave(token: str):
    """ "I'm leaving": off tonight's list at once."""
    registration = registration_by_link(token)
    if ConfirmForm().validate_on_submit() and tonight.leave(registration, utcnow()):
        flash(_("Have a good evening! You are no longer listed as here."), "success")
    return redirect(url_for("registrations.manage", token=token) + "#tonight")


@registrations_bp.post("/r/<token>/back")
def come_back(token: str):
    """ "I'm back": on tonight's list again."""
    registration = registration_by_link(token)
    if ConfirmForm().validate_on_submit() and tonight.come_back(registration, utcnow()):
        flash(_("Welcome back: you are listed as here again."), "success")
    return redirect(url_for("registrations.manage", token=token) + "#tonight")


@registrations_bp.post("/r/<token>/cancel")
def cancel(token: str):
    registration = registration_by_link(token)
    if ConfirmForm().validate_on_submit():
        services.cancel(registration)
        flash(_("Your registration is cancelled. Thank you for freeing your seat."), "success")
    return redirect(url_for("registrations.manage", token=token))


@registrations_bp.route("/r/<token>/give-seat", methods=["GET", "POST"])
def give_seat(token: str):
    """The reminder's "I can't come: give my seat": a page that asks, then the seat goes to
    the first on the waitlist (who is told by email). Tapped again: already given."""
    registration = registration_by_link(token)
    event = registration.event
    form = ConfirmForm()
    state = "ask"
    if registration.status is RegistrationStatus.CANCELLED:
        state = "given"
    elif event.ends_at <= utcnow() or event.status is EventStatus.CANCELLED:
        state = "over"
    elif event.starts_at <= utcnow():
        state = "started"  # too late to offer the seat to anyone: nothing changes
    elif form.validate_on_submit():
        services.cancel(registration)
        state = "done"
    page = render_template(
        "attendee/give_seat.html",
        registration=registration,
        event=event,
        form=form,
        state=state,
        token=token,
    )
    return private(current_app.make_response(page))


@directory_bp.post("/r/<token>/pin")
def place_pin(token: str):
    """From the personal page's map: the office is here."""
    registration = registration_by_link(token)
    form = PinForm()
    if not form.validate_on_submit():
        return _personal_page(registration, token, pin_form=form)  # what was typed, and why
    directory_services.place_pin(registration, form.latitude.data, form.longitude.data)
    flash(_("Your office's pin is saved."), "success")
    return private(redirect(url_for("registrations.manage", token=token) + "#office-map"))


@directory_bp.post("/attendee/forget")
def forget():
    """Forget, in this browser, whose personal link was opened here."""
    if ConfirmForm().validate_on_submit():
        viewer.forget()
        flash(_("This browser no longer remembers you."), "success")
    return redirect(url_for("public.home"))


# -- the ticket -------------------------------------------------------------------------


@registrations_bp.get("/r/<token>/ticket.pdf")
@writes  # the QR matrix
def ticket_pdf(token: str):
    """A one-page ticket to print or keep: evening, name, QR code."""
    registration = registration_by_link(token)
    if (
        registration.status is not RegistrationStatus.CONFIRMED
        or registration.event.status is EventStatus.CANCELLED
    ):
        abort(404)
    pdf = badge_services.ticket_pdf(registration)  # commits: keeps a QR matrix encoded now
    return private(pdf_response(pdf, "ticket.pdf", attachment=True))  # a token in the address


@registrations_bp.get("/B/<code>", endpoint="ticket_scan")
@registrations_bp.get("/b/<code>")
@writes  # the QR matrix
def ticket(code: str):
    """What a ticket's QR code opens. The series' team sees whose ticket it is and where the
    registration stands; anyone else only which evening it is for, nothing about the person
    unless they are an attendee who may see the person's card (meetup.directory.scans)."""
    registration = tickets.by_code(code)
    if registration is None:
        abort(404)
    event = registration.event
    now = utcnow()
    # The team, while the evening is one the door may work (past evenings' people are the
    # organisers' only): the same rule as the door screen.
    if can_run_door(current_user, event.series_id, event.id) and checkin_services.door_may_open(
        event, current_user, now
    ):
        return _staff_ticket(registration, now)
    looking = viewer.current()
    if scans.same_person(registration, looking):
        return _own_badge(registration, now)
    found = scans.card_for_scan(registration, looking, now)
    if found is not None:
        return _scanned_card(registration, found, looking)
    image = tickets.ticket_image(registration) if tickets.shows_ticket(registration, now) else ""
    return render_template(
        "attendee/ticket.html",
        event=event,
        ticket_image=image,
        # An attendee this browser knows: the holder shows them no card (none chosen, or
        # not yet: cards show once both were let in); not "open your personal link".
        identified=looking is not None,
    )


def _staff_ticket(registration: Registration, now):
    event = registration.event
    response = current_app.make_response(
        render_template(
            "attendee/ticket_staff.html",
            registration=registration,
            event=event,
            on_now=checkin_services.on_now(event.starts_at, event.ends_at, now),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# -- a scanned badge --------------------------------------------------------------------


def _own_badge(registration: Registration, now):
    """Someone scanning their own badge (trying it out): the card that people who came see
    when they scan it now, without the actions meant for someone else; or that nobody sees
    one yet."""
    image = tickets.ticket_image(registration) if tickets.shows_ticket(registration, now) else ""
    response = current_app.make_response(
        render_template(
            "attendee/scan_card.html",
            own=True,
            ticket_image=image,
            card=scans.own_card(registration, now),
            event=registration.event,
            note=distance_note,
            walk=distance.walking_minutes,
            offers=None,
        )
    )
    return private(response)


def _scanned_card(registration: Registration, found: scans.ScanView, looking: Registration):
    """The card a scanned badge shows an attendee allowed to see it, kept in their list of
    encounters (their personal page)."""
    encounters.remember(looking, found.target, utcnow())
    code = registration.ticket_code
    endpoints = {"vcard": "directory.scan_vcard", "introduce": "directory.scan_introduce"}
    response = current_app.make_response(
        render_template(
            "attendee/scan_card.html",
            card=found.card,
            event=registration.event,
            own=False,
            me=found.requester,
            asked=directory_services.introductions_asked(found.requester),
            note=distance_note,
            walk=distance.walking_minutes,
            offers=None,
            url=lambda endpoint, **values: url_for(endpoints[endpoint], code=code),
        )
    )
    return private(response)


def _scanned_or_404(code: str) -> scans.ScanView:
    registration = tickets.by_code(code)
    found = (
        scans.card_for_scan(registration, viewer.current(), utcnow())
        if registration is not None
        else None
    )
    if found is None:
        abort(404)
    return found


@directory_bp.get("/b/<code>/contact.vcf")
def scan_vcard(code: str):
    """ "Save contact" from a scanned badge (the evening's directory may not be open yet)."""
    found = _scanned_or_404(code)
    note = _("Met at %(title)s", title=found.target.event.one_line_title)
    return vcard_response(vcard(found.card, note=note), "contact.vcf")


@directory_bp.post("/b/<code>/introduce")
def scan_introduce(code: str):
    found = _scanned_or_404(code)
    if ConfirmForm().validate_on_submit():
        asked = directory_services.ask_introduction(found.requester, found.target)
        # One card on that page, under the message: a message at the top is seen.
        flash(asked_text(asked, found.target.first_name), "success" if asked else "error")
    return redirect(url_for("registrations.ticket", code=code))
