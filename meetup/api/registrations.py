"""Registrations in the API: the public signup (club websites) and the organisers' list."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from meetup import audit
from meetup.api import bp
from meetup.api import fields as f
from meetup.api.auth import api_user, request_token, token_required
from meetup.api.errors import ApiError
from meetup.api.views import STAFF, _event_or_error, _paginated, query_text
from meetup.auth.models import Role
from meetup.events import queries
from meetup.events.services import SignupState, signup_state
from meetup.extensions import limiter
from meetup.i18n import requested_language
from meetup.registrations import services
from meetup.registrations.forms import SignupForm
from meetup.registrations.models import Registration, RegistrationStatus, Source, Visibility
from meetup.registrations.records import registration_record
from meetup.writelock import own_lock, writes

SIGNUP_FIELDS = (
    "first_name", "last_name", "email", "company", "job_title", "sector", "website", "phone",
    "street", "postcode", "city", "help_with", "looking_for", "visibility", "language", "nickname",
)  # fmt: skip


def _organiser_token_present() -> bool:
    """Requests carrying a staff token (a club's back end, an import) are not rate-limited."""
    api_token = request_token()
    return api_token is not None and api_token.user.role in (Role.ADMIN, Role.ORGANISER)


def _signup_form(data: dict) -> SignupForm:
    """The public form's own validation, fed from JSON (every value must be a string)."""
    unknown = set(data) - set(SIGNUP_FIELDS)
    wrong_type = {name for name, value in data.items() if not isinstance(value, str)}
    if unknown or wrong_type:
        errors = {name: "is not a known field" for name in unknown}
        errors |= {name: "must be a string" for name in wrong_type - unknown}
        raise ApiError(422, "Some fields are missing or invalid.", errors)
    # As the web form: the emails' language defaults to the one the request asks for
    # (Accept-Language; the API's own answers stay in English, see i18n.select_locale).
    # Who may see the card: the person's choice, else nobody until they make it.
    data = {"language": requested_language(), "visibility": Visibility.NOBODY.value, **data}
    form = SignupForm.for_data(data)
    if not form.validate():
        errors = {
            name: " ".join(str(message) for message in messages)
            for name, messages in form.errors.items()
        }
        raise ApiError(422, "Some fields are missing or invalid.", errors)
    return form


@bp.post("/events/<slug>/registrations")
@own_lock  # the seat lock: services.signup
@limiter.limit(services.signup_rate_limit, exempt_when=_organiser_token_present)
def registration_create(slug: str):
    """Public signup: answers the status a newcomer gets, and nothing personal."""
    # The API does not redirect an evening's earlier address (its document promises none):
    # clients read the current slug from /events.
    event = queries.event_or_404(slug, follow_moves=False)
    state = signup_state(event)
    if state == SignupState.DRAFT:
        raise ApiError(404, "No event with that slug.")
    if state != SignupState.OPEN:
        raise ApiError(409, f"Signups are not open for this event ({state}).")
    form = _signup_form(f.json_object())
    if form.is_bot():
        status = services.public_status(event)
    else:
        source = Source.API if _organiser_token_present() else Source.PUBLIC
        profile = form.profile(form.normalised_email())
        if source is Source.API:
            # A consent is the person's own: with an organiser token someone else is
            # sending it (a club's back end), so it is not recorded and the card stays
            # visible to nobody until the person chooses, as "add a person" does.
            profile.visibility = Visibility.NOBODY
        try:
            status = services.register(event, profile, source).public_status
        except services.SignupsClosed as closed:  # since the check above
            raise ApiError(
                409, f"Signups are not open for this event ({closed.status.value})."
            ) from None
    response = jsonify(status=status.value)
    response.status_code = 201
    return response


@bp.get("/events/<slug>/registrations")
@writes  # the audit of the export
@token_required(*STAFF)
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
