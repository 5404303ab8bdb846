"""Registrations in the API: the public signup (club websites) and the organisers' list."""

from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select

from meetup import audit
from meetup.api import bp
from meetup.api import fields as f
from meetup.api.auth import api_user, bearer_token, missing_scope, request_token, token_required
from meetup.api.errors import ApiError
from meetup.api.keys import key_series
from meetup.api.views import STAFF, _event_or_error, _paginated, query_text
from meetup.auth.access import can_manage_series
from meetup.auth.models import SIGNUP_SCOPE, ApiToken
from meetup.events import queries
from meetup.events.services import SignupState, signup_state
from meetup.extensions import limiter
from meetup.i18n import requested_language
from meetup.registrations import services
from meetup.registrations.forms import SignupForm
from meetup.registrations.models import (
    CONSENT_FLAGS,
    Registration,
    RegistrationStatus,
    Source,
    Visibility,
)
from meetup.registrations.records import registration_record
from meetup.writelock import own_lock, writes

SIGNUP_FIELDS = (
    "first_name", "last_name", "email", "company", "job_title", "sector", "website", "phone",
    "street", "postcode", "city", "help_with", "looking_for", "visibility", "language", "nickname",
)  # fmt: skip


def _writer_token() -> ApiToken | None:
    """A token with the write scope whose user organises the series of the evening in the
    address (a club's back end, an import): its signups are the organisers' own, not
    rate-limited. A door volunteer of that series organising another is limited."""
    api_token = request_token()
    if api_token is None or not api_token.has_scope("write"):
        return None
    event = queries.event_by_slug((request.view_args or {}).get("slug", ""))
    if event is None or not can_manage_series(api_token.user, event.series):
        return None
    return api_token


def _signup_key() -> ApiToken | None:
    """A series' publishable signup key (its widget, its website's form)."""
    api_token = request_token()
    return api_token if api_token is not None and api_token.has_scope(SIGNUP_SCOPE) else None


def _signup_key_limit() -> str:
    """The series' own limit, all the key's visitors together."""
    api_token = _signup_key()
    series = key_series(api_token) if api_token is not None else None
    return f"{series.api_signups_per_hour if series is not None else 1} per hour"


def _signup_key_id() -> str:
    api_token = _signup_key()
    return f"signup-key:{api_token.id if api_token is not None else 0}"


def _signup_caller(event) -> ApiToken | None:
    """Who signs up: nobody in particular (None), a signup key of the event's series, or a
    staff token with the write scope on a series it manages; any other token is refused."""
    if bearer_token() is None:
        return None
    api_token = request_token()
    if api_token is None:
        raise ApiError(401, "A valid API token is required (Authorization: Bearer TOKEN).")
    if api_token.has_scope(SIGNUP_SCOPE):
        series = key_series(api_token)
        if series is None or series.id != event.series_id:
            raise ApiError(403, "This signup key is for another series' evenings.")
        return api_token
    if not api_token.has_scope("write"):
        raise missing_scope(api_token, "write")
    if not can_manage_series(api_token.user, event.series):
        raise ApiError(403, "This token may not manage that event's series.")
    return api_token


def _signup_form(data: dict, *, the_person: bool) -> SignupForm:
    """The public form's own validation, fed from JSON: text fields as strings, the
    consents as booleans (left out: not given). `the_person`: the person is filling in the
    form (no token, or a signup key on the club's page); otherwise (a write token) someone
    else is sending it, and their consents are not taken: the card stays visible to nobody
    and nothing is shared until the person chooses from their personal link, as when an
    organiser adds someone by hand."""
    unknown = set(data) - set(SIGNUP_FIELDS) - set(CONSENT_FLAGS)
    errors = {name: "is not one this request takes" for name in unknown}
    errors |= {
        name: "must be a string"
        for name in set(SIGNUP_FIELDS) & set(data)
        if not isinstance(data[name], str)
    }
    errors |= {
        name: "must be true or false"
        for name in set(CONSENT_FLAGS) & set(data)
        if not isinstance(data[name], bool)
    }
    if errors:
        raise ApiError(422, "Some fields are missing or invalid.", errors)
    values = {name: value for name, value in data.items() if name in SIGNUP_FIELDS}
    if the_person:
        values |= {name: "y" for name in CONSENT_FLAGS if data.get(name) is True}
    # As the web form: the emails' language defaults to the one the request asks for
    # (Accept-Language; the API's own answers stay in English, see i18n.select_locale).
    # Who may see the card: the person's choice, else nobody until they make it.
    values = {"language": requested_language(), "visibility": Visibility.NOBODY.value, **values}
    form = SignupForm.for_data(values)
    if not form.validate():
        errors = {
            name: " ".join(str(message) for message in messages)
            for name, messages in form.errors.items()
        }
        raise ApiError(422, "Some fields are missing or invalid.", errors)
    return form


@bp.post("/events/<slug>/registrations")
@own_lock  # the seat lock: services.signup
@limiter.limit(
    services.signup_rate_limit,
    methods=["POST"],  # not a browser's CORS preflight (OPTIONS)
    exempt_when=lambda: _writer_token() is not None,
)
@limiter.limit(
    _signup_key_limit,
    key_func=_signup_key_id,
    methods=["POST"],
    exempt_when=lambda: _signup_key() is None,
)
def registration_create(slug: str):
    """Public signup (no token, or the series' signup key) or an organiser's (a write
    token): answers the status a newcomer gets, and nothing personal."""
    # The API does not redirect an evening's earlier address (its document promises none):
    # clients read the current slug from /events.
    event = queries.event_or_404(slug, follow_moves=False)
    state = signup_state(event)
    if state == SignupState.DRAFT:
        raise ApiError(404, "No event with that slug.")
    caller = _signup_caller(event)
    if state != SignupState.OPEN:
        raise ApiError(409, f"Signups are not open for this event ({state}).")
    the_person = caller is None or caller.has_scope(SIGNUP_SCOPE)
    form = _signup_form(f.json_object(), the_person=the_person)
    if form.is_bot():
        status = services.public_status(event)
    else:
        profile = form.profile(form.normalised_email())
        if not the_person:  # checked as any value, then not taken (see _signup_form)
            profile.visibility = Visibility.NOBODY
        try:
            status = services.register(
                event,
                profile,
                Source.PUBLIC if the_person else Source.API,
                # The person's own consents, sent by the club's page; a write token's
                # signup gave none (all "nobody"/no, recorded as an organiser's).
                consent_how="api" if the_person else "organiser",
            ).public_status
        except services.SignupsClosed as closed:  # since the check above
            raise ApiError(
                409, f"Signups are not open for this event ({closed.status.value})."
            ) from None
    response = jsonify(status=status.value)
    response.status_code = 201
    return response


@bp.get("/events/<slug>/registrations")
@writes  # the audit of the export
@token_required(STAFF, scope="read")
def registration_index(slug: str):
    event = _event_or_error(slug)
    query = select(Registration).where(Registration.event_id == event.id).order_by(Registration.id)
    if (status := query_text("status")) is not None:
        if status not in {s.value for s in RegistrationStatus}:
            raise ApiError(400, "status must be confirmed, waitlisted or cancelled.")
        query = query.where(Registration.status == RegistrationStatus(status))
    page = _paginated(query, lambda rows: [registration_record(r) for r in rows])

    audit.record_now("api_list", event.slug, len(page["items"]), user=api_user())
    return jsonify(page)
