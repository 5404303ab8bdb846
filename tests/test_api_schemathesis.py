"""Schemathesis against /api/v1/openapi.json, in process (WSGI, no network): every operation
gets the document's examples, its boundary cases (coverage) and random valid and invalid
requests (fuzzing), and every answer is checked against the document: no server error, only
documented statuses, content types, headers and bodies, invalid requests refused and valid
ones accepted. Bounded: a fixed seed, deterministic generation and a few examples per
operation, so the run takes seconds and is the same each time.

The token is an organiser's, on a series with a published evening and a registration, and
the path parameters name them, so that the authenticated paths are reached, not only 404s.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import RejectedPositiveData

from meetup.timeutil import utcnow

#: Fuzzing examples per operation (the examples and coverage phases add their own cases):
#: about 1,600 requests in all, 20-30 s on two cores. More only makes it slower.
MAX_EXAMPLES = 25
SEED = 20261210

#: The event's rules between fields, which a JSON Schema cannot state (EventInput says them in
#: words): a valid request refused for one of these alone, with its message, is no failure.
RULES_BETWEEN_FIELDS = {
    "directory_open": {"Only a published event's directory opens."},
    "ends_at": {"The end must come after the start."},
    "registration_opens_at": {"Registration must open before the event starts."},
    "registration_closes_at": {
        "Registration must close after it opens.",
        "Registration must close before the event ends.",
    },
}


class Run:
    """What the fixture seeded, and what the run did."""

    series = ""
    requests = 0


@pytest.fixture
def api_schema(app, make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,), name="Café de Vienne")
    event = make.event(series, starts_at=(utcnow() + timedelta(days=20)).replace(microsecond=0))
    make.registration(event)
    token = make.api_token(organiser)
    Run.series, Run.requests = series, 0
    # Signups sent without the token (ignored_auth drops it, and the public signup needs
    # none) are limited per client: the run would turn into 429s.
    saved = app.config["SIGNUP_RATE_LIMIT"]
    app.config["SIGNUP_RATE_LIMIT"] = "100000 per minute"
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            # All 14: not_a_server_error, status_code_, content_type_, response_headers_ and
            # response_schema_conformance, negative_data_rejection, positive_data_acceptance,
            # missing_required_header, unsupported_method, allow_header_conformance,
            # ignored_auth, use_after_free, ensure_resource_availability and
            # object_level_authorization (those three need sequences: they find nothing here).
            "checks": {"enabled": True},
            "operations": [
                {"include-path": "/series/{slug}", "parameters": {"slug": series}},
                {"include-path-regex": r"^/events/\{slug\}", "parameters": {"slug": event}},
            ],
        }
    )
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    app.config["SIGNUP_RATE_LIMIT"] = saved
    print(f"schemathesis: {Run.requests} requests")
    assert Run.requests >= 500  # every operation was exercised, not skipped


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request) -> None:
    """Schemathesis 4.32 names each operation's subtest through `node._nodeid`, which pytest 9
    no longer has: give it one."""
    request.node._nodeid = request.node.nodeid


def _refused_for_a_rule_between_fields(failure, response) -> bool:
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 422:
        return False
    fields = response.json()["error"]["fields"]
    return all(message in RULES_BETWEEN_FIELDS.get(name, ()) for name, message in fields.items())


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_document(case):
    positive = case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE
    if positive and isinstance(case.body, dict) and "series" in case.body:
        # A valid event names a series that exists (the seeded one: an event cannot move).
        case.body["series"] = Run.series
    Run.requests += 1
    response = case.call()
    try:
        case.validate_response(response)
    except FailureGroup as group:
        if not all(
            _refused_for_a_rule_between_fields(failure, response) for failure in group.exceptions
        ):
            raise
