"""Check-in for scanner apps and door screens: the only thing door tokens may do."""

from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import Row

from meetup.api import bp
from meetup.api import fields as f
from meetup.api.auth import api_user, token_required
from meetup.api.errors import ApiError
from meetup.auth.access import any_account, can_run_door
from meetup.checkin import services
from meetup.checkin.services import (
    MAX_DOOR,
    MAX_EVENT_SLUG,
    MAX_REQUEST_ID,
    MAX_SCAN,
    Answer,
    Result,
)
from meetup.timeutil import rfc3339, utcnow
from meetup.writelock import own_lock

#: Any account: each request then needs a place on the team of the evening's series.
DOOR = any_account
CHECKIN_FIELDS = {
    "code": f.text(MAX_SCAN, allow_empty=False),
    "event": f.text(MAX_EVENT_SLUG),
    "door": f.text(MAX_DOOR),
    "request_id": f.text(MAX_REQUEST_ID),
}


def _door_event(slug: str) -> Row | None:
    """The evening a scan names (services.door_event), if this token may run its door."""
    if not slug:
        return None
    user = api_user()
    event = services.door_event(slug, user)
    if event is None:
        raise ApiError(404, "No event with that slug.")
    if not can_run_door(user, event.series_id, event.id, team=event.team_role is not None):
        raise ApiError(403, "This token may not run the door of that event's series.")
    if not services.door_may_open(event, user, utcnow()):
        raise ApiError(404, "No event with that slug open at the door.")
    return event


def checkin_json(result: Result) -> dict:
    """What a door shows; nothing about the person for an unknown code."""
    answer: dict = {"status": result.status.value}
    if result.status is Answer.UNKNOWN:
        return answer
    answer["name"] = result.name
    answer["checked_in_at"] = (
        rfc3339(result.checked_in_at, result.event_zone)
        if result.checked_in_at is not None
        else None
    )
    answer["door"] = result.door
    answer["first_time"] = result.first_time
    if result.status is Answer.WRONG_EVENT:
        starts_at = rfc3339(result.event_starts_at, result.event_zone)
        answer["event"] = {"slug": result.event_slug, "starts_at": starts_at}
    return answer


@bp.post("/checkins")
@own_lock  # the claim: services.check_in
@token_required(DOOR, scope="door")
def checkin_create():
    values = f.parse_object(f.json_object(), CHECKIN_FIELDS, required=("code",))
    event = _door_event(values.get("event", ""))
    try:
        result = services.check_in(
            values["code"],
            api_user(),
            event=event,
            door=values.get("door", ""),
            request_id=values.get("request_id", ""),
        )
    except services.RequestIdReused:
        raise ApiError(
            409,
            "This request_id was used for another code.",
            {"request_id": "was used for another code"},
        ) from None
    return jsonify(checkin_json(result))


@bp.delete("/checkins/<path:code>")
@token_required(DOOR, scope="door")
def checkin_delete(code: str):
    event = _door_event(request.args.get("event", ""))
    status, registration = services.undo(code, api_user(), event=event)
    answer = {"status": status.value}
    if registration is not None:
        answer["name"] = registration.full_name
    return jsonify(answer)
