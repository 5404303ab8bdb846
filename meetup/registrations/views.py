"""Public side: the signup form and the thank-you page (the personal page, the ticket and a
badge's scan are meetup.attendee's)."""

from __future__ import annotations

import hmac

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

from meetup.auth.forms import ConfirmForm
from meetup.events import queries
from meetup.events.services import SignupState, signup_state
from meetup.extensions import csrf, limiter
from meetup.kept_pages import kept_page, rows
from meetup.registrations import bp, news, services
from meetup.registrations.forms import LinkAgainForm, SignupForm
from meetup.registrations.models import RegistrationStatus
from meetup.responses import private
from meetup.writelock import end_reads, own_lock


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
    if request.method == "GET":  # the empty form, the same for every visitor but its token
        full = services.public_status(event) is RegistrationStatus.WAITLISTED
        return kept_page(
            "signup form",
            (rows(event, event.series), full),
            lambda: render_template(
                "registrations/signup.html", event=event, form=SignupForm(), full=full
            ),
        )
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


# -- one tap from an announcement ----------------------------------------------------------


def _refused(error: news.LinkRefused):
    """A one-tap or unsubscribe link that does nothing: a page that says so, nothing changed."""
    page = render_template(
        "registrations/link_refused.html", reason=error.reason, event=error.event
    )
    return private(make_response(page, 404 if error.reason == "unknown" else 410))


@bp.route("/events/<slug>/join/<token>", methods=["GET", "POST"])
@own_lock  # the seat lock: services.register
def one_tap(slug: str, token: str):
    """An announcement's "Sign me up". The GET shows a page with the person's first name,
    the evening and one button to confirm (no script sends it: a link scanner that opens
    the page, scripts and all, signs nobody up); the POST signs up, and shows the same page
    as a signup."""
    event = queries.event_or_404(slug, with_speakers=False)
    try:
        card = news.check_signup_link(event, token)
    except news.LinkRefused as error:
        return _refused(error)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            result = news.sign_up_in_one_tap(event, token)
        except news.LinkRefused as error:
            return _refused(error)
        page = render_template(
            "registrations/signed_up.html",
            event=event,
            status=result.registration.status.value,
            email=result.registration.email,
            one_tap=True,
            already=result.already_registered,
        )
        return private(make_response(page))
    page = render_template("registrations/one_tap.html", event=event, card=card, form=form)
    return private(make_response(page))


@bp.route("/news/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click", with no session
def unsubscribe(token: str):
    """Stop the series' news: the GET asks (a link scanner unsubscribes nobody), the POST
    does it, from the page's button or a mail client's own (List-Unsubscribe-Post)."""
    try:
        if request.method == "POST":
            series = news.unsubscribe(token)
            done = True
        else:
            series = news.unsubscribe_target(token)
            done = False
    except news.LinkRefused as error:
        return _refused(error)
    page = render_template("registrations/unsubscribe.html", series=series, done=done)
    return private(make_response(page))


# -- "send me my link again" ---------------------------------------------------------------


def _link_again(event=None):
    form = LinkAgainForm()
    if form.validate_on_submit():
        # Read before the reads end: touching `event` after would read again, and on SQLite
        # a transaction that began by reading may not write (meetup.writelock).
        event_id, slug = (event.id, event.slug) if event is not None else (None, None)
        end_reads()
        services.request_link_again(form.email.data, event_id)  # the worker sends it
        flash(
            _(
                "If %(address)s is registered, its personal link is on its way: check your "
                "inbox (and spam folder) in a few minutes.",
                address=form.email.data,
            ),
            "success",
        )
        if slug is not None:
            return redirect(url_for("public.event_page", slug=slug) + "#link-again")
        return redirect(url_for("registrations.link_again"))
    status = 422 if form.is_submitted() else 200
    return render_template("registrations/link_again.html", form=form, event=event), status


def _link_again_email_limit() -> str:
    return current_app.config["LINK_AGAIN_EMAIL_RATE_LIMIT"]


def _address_asked_for() -> str:
    """The rate limit's key for the email typed: a keyed hash (no address in Redis)."""
    email = (request.form.get("email") or "").strip().lower()[:400]
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"link-again:" + email.encode(errors="replace"), "sha256").hexdigest()


#: One budget per client for both "send me my link again" forms, and one per address asked.
_per_client = limiter.shared_limit(services.signup_rate_limit, "link-again", methods=["POST"])
_per_email = limiter.shared_limit(
    _link_again_email_limit, "link-again-email", key_func=_address_asked_for, methods=["POST"]
)


@bp.route("/r/", methods=["GET", "POST"])
@own_lock  # one short write: services.request_link_again
@_per_client
@_per_email
def link_again():
    """ "Send me my link again", for every evening not over yet."""
    return _link_again()


@bp.route("/events/<slug>/link", methods=["GET", "POST"])
@own_lock  # one short write: services.request_link_again
@_per_client
@_per_email
def event_link_again(slug: str):
    """The event page's "send me my link again"."""
    event = queries.event_or_404(slug, with_speakers=False)
    if event.status.value == "draft":
        abort(404)
    return _link_again(event)
