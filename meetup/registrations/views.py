"""Public side: the signup form and the thank-you page (the personal page, the ticket and a
badge's scan are meetup.attendee's)."""

from __future__ import annotations

from flask import abort, redirect, render_template, session, url_for

from meetup.events import queries
from meetup.events.services import SignupState, signup_state
from meetup.extensions import limiter
from meetup.registrations import bp, services
from meetup.registrations.forms import SignupForm
from meetup.registrations.models import RegistrationStatus
from meetup.writelock import own_lock


@bp.route("/events/<slug>/signup", methods=["GET", "POST"])
@own_lock  # the seat lock: services.signup
@limiter.limit(services.signup_rate_limit, methods=["POST"])
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
