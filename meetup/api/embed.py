"""The embeddable signup: a club's page holds one <script> tag (static/js/widget.js) that
puts this page in an <iframe>, in the page's language, resizing itself. The page is our own
signup form (the same fields, consents, errors and waitlist), for the series' next evening
or a given one; only the origins the series lists may frame it (CSP frame-ancestors)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, render_template, request

from meetup.api.origins import parse_list
from meetup.events import queries
from meetup.events.models import Event, EventStatus, Series
from meetup.events.services import SignupState, signup_state
from meetup.extensions import csrf, db, limiter
from meetup.registrations import services
from meetup.registrations.forms import SignupForm
from meetup.registrations.models import RegistrationStatus
from meetup.timeutil import utcnow
from meetup.writelock import own_lock

bp = Blueprint("embed", __name__, url_prefix="/embed")
# In another site's frame the browser sends no cookie of ours (SameSite), so no session and
# no CSRF token: the signup asks for nothing a forged request could misuse (as the public
# API's signup), and keeps its per-address rate limit.
csrf.exempt(bp)


def _framed(series: Series, body: str, status: int = 200):
    """The page, which only the series' listed origins may frame."""
    response = make_response(body, status)
    origins = " ".join(parse_list(series.allowed_origins)[0]) or "'none'"
    policy = current_app.config["CONTENT_SECURITY_POLICY"].replace(
        "frame-ancestors 'none'", f"frame-ancestors {origins}"
    )
    response.headers["Content-Security-Policy"] = policy
    response.headers["Cache-Control"] = "no-store"
    return response


def _next_evening(series: Series) -> Event | None:
    for event in queries.public_events(series, upcoming=True, now=utcnow()):
        if event.status is EventStatus.PUBLISHED:
            return event
    return None


def _language() -> str:
    return request.args.get("lang", "")


def _signup_form(**kwargs) -> SignupForm:
    """The signup form without its CSRF token (see the blueprint)."""
    return SignupForm(meta={"csrf": False}, **kwargs)


@bp.get("/series/<slug>")
def series_signup(slug: str):
    series = db.session.scalar(db.select(Series).where(Series.slug == slug))
    if series is None:
        abort(404)
    event = _next_evening(series)
    if event is None:
        return _framed(series, render_template("embed/none.html", series=series, lang=_language()))
    return _form(event, _signup_form(formdata=None))


@bp.route("/events/<slug>", methods=["GET", "POST"])
@own_lock  # the seat lock: services.register
@limiter.limit(services.signup_rate_limit, methods=["POST"])
def event_signup(slug: str):
    event = queries.event_or_404(slug, with_speakers=False)
    state = signup_state(event)
    if state == SignupState.DRAFT:
        abort(404)
    if state != SignupState.OPEN:
        return _framed(event.series, render_template("embed/closed.html", event=event, state=state))
    form = _signup_form()
    if request.method == "POST" and form.validate():
        email = form.normalised_email()
        if form.is_bot():
            status = services.public_status(event)
        else:
            try:
                status = services.register(event, form.profile(email)).public_status
            except services.SignupsClosed:
                return _framed(
                    event.series, render_template("embed/closed.html", event=event, state="closed")
                )
        page = render_template(
            "embed/signed_up.html", event=event, status=status.value, email=email
        )
        return _framed(event.series, page)
    return _form(event, form, 422 if request.method == "POST" else 200)


def _form(event: Event, form: SignupForm, status: int = 200):
    full = services.public_status(event) is RegistrationStatus.WAITLISTED
    page = render_template("embed/signup.html", event=event, form=form, full=full, lang=_language())
    return _framed(event.series, page, status)
