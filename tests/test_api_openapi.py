"""The OpenAPI document of API v1: valid 3.1, in step with the routes, true to the responses."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from meetup.api import views

API = "/api/v1"
OPERATIONS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
ERROR_REF = "#/components/schemas/Error"


# -- helpers ------------------------------------------------------------------------------


def routes(app) -> set[tuple[str, str]]:
    """(path, method) of every rule under /api/v1, spelt as OpenAPI does: ("/events/{slug}", "get")."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule != API and not rule.rule.startswith(API + "/"):
            continue
        path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule[len(API) :])
        found |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def documented(document: dict) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in OPERATIONS
    }


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in OPERATIONS:
                yield path, method, operation


def schema_validator(document: dict, schema: dict) -> Draft202012Validator:
    """A validator for `schema`, with the document's #/components in reach of its $refs."""
    return Draft202012Validator(
        {"components": document["components"], **schema},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def check_response(document: dict, path: str, method: str, response) -> None:
    """The response's status is documented for the operation and its body fits the schema."""
    responses = document["paths"][path][method]["responses"]
    status = str(response.status_code)
    assert status in responses, f"{method.upper()} {path} answered an undocumented {status}"
    schema = responses[status]["content"]["application/json"]["schema"]
    errors = [
        error.message
        for error in schema_validator(document, schema).iter_errors(response.get_json())
    ]
    assert errors == [], f"{method.upper()} {path} {status}: {errors}"


def check_request(document: dict, path: str, method: str, body: dict) -> list[str]:
    schema = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return [error.message for error in schema_validator(document, schema).iter_errors(body)]


def call(client, method: str, path: str, token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(API + path, method=method, headers=headers, **kwargs)


@pytest.fixture
def document(client) -> dict:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


# -- the document -------------------------------------------------------------------------


def test_the_document_is_public_json(client):
    response = client.get(f"{API}/openapi.json")  # no token
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json()["openapi"].startswith("3.1.")


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)


def test_the_validator_rejects_a_broken_document(document):
    """Guards the test above: a validator that accepted anything would prove nothing."""
    broken = copy.deepcopy(document)
    broken["paths"]["/events"]["get"]["parameters"][0]["in"] = "body"  # OpenAPI 2 only
    with pytest.raises(OpenAPIValidationError):
        validate(broken, cls=OpenAPIV31SpecValidator)


def test_the_server_is_this_apps_api(app, document):
    assert document["servers"] == [{"url": app.config["BASE_URL"] + API}]


def test_every_route_is_documented(app, document):
    assert routes(app) - documented(document) == set()


def test_every_documented_operation_is_a_route(app, document):
    assert documented(document) - routes(app) == set()


def test_the_route_comparison_notices_drift(app, document):
    """Guards the two tests above: remove or invent an operation and they see it."""
    assert ("/events/{slug}", "patch") in routes(app)
    assert ("/openapi.json", "get") in routes(app)
    drifted = copy.deepcopy(document)
    del drifted["paths"]["/events/{slug}"]["patch"]
    drifted["paths"]["/events/{slug}"]["delete"] = {"responses": {"204": {"description": "-"}}}
    assert routes(app) - documented(drifted) == {("/events/{slug}", "patch")}
    assert documented(drifted) - routes(app) == {("/events/{slug}", "delete")}


def test_path_parameters_are_declared(document):
    for path, method, operation in operations(document):
        in_path = set(re.findall(r"{([^}]+)}", path))
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert declared == in_path, f"{method.upper()} {path}"
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["required"] is True


def test_every_operation_documents_its_errors(document):
    for path, method, operation in operations(document):
        name = f"{method.upper()} {path}"
        responses = operation["responses"]
        public = operation.get("security", document["security"]) == []
        expected = set() if public else {"400", "401", "403"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"400", "413", "422"}
        if operation["operationId"] == "createSeries":
            expected.add("409")
        assert expected <= set(responses), f"{name} lacks {sorted(expected - set(responses))}"
        assert any(status.startswith("2") for status in responses), name
        for status, response in responses.items():
            if status[0] in "45":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR_REF}, f"{name} {status}"
                assert response["description"].strip(), f"{name} {status}"


def test_every_operation_has_a_unique_id(document):
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids)) == len(documented(document))


# -- the document matches what the code accepts and answers -------------------------------


def test_input_schemas_name_the_fields_the_api_parses(document):
    schemas = document["components"]["schemas"]
    assert set(schemas["SeriesInput"]["properties"]) == set(views.SERIES_FIELDS)
    assert set(schemas["EventInput"]["properties"]) == set(views.EVENT_FIELDS)
    assert set(schemas["SeriesInput"]["required"]) == {"name", "timezone"}
    assert schemas["SeriesInput"]["additionalProperties"] is False
    assert schemas["EventInput"]["additionalProperties"] is False
    read_only = {
        name for name, schema in schemas["Event"]["properties"].items() if schema.get("readOnly")
    }
    assert read_only == set(views.EVENT_READ_ONLY)


@pytest.fixture
def admin_token(make) -> str:
    return make.api_token(make.user("admin"))


def test_successful_responses_fit_the_documented_schemas(client, make, document, admin_token):
    series_body = {
        "name": "Café des entreprenants de Grenoble",
        "city": "Grenoble",
        "timezone": "Europe/Paris",
        "slug": "grenoble",
        "description": "Le deuxième jeudi.",
        "default_venue_name": "La Turbine",
        "default_venue_address": "5 rue Ampère",
        "default_capacity": 30,
    }
    assert check_request(document, "/series", "post", series_body) == []
    response = call(client, "POST", "/series", admin_token, json=series_body)
    assert response.status_code == 201
    check_response(document, "/series", "post", response)
    assert set(response.get_json()) == set(
        document["components"]["schemas"]["Series"]["properties"]
    )

    event_body = {
        "series": "grenoble",
        "title": "Soirée export",
        "starts_at": "2026-12-10T18:00:00Z",
        "ends_at": "2026-12-10T20:00:00Z",
        "registration_opens_at": "2026-11-01T09:00:00+01:00",
        "registration_closes_at": None,
        "status": "published",
    }
    assert check_request(document, "/events", "post", event_body) == []
    response = call(client, "POST", "/events", admin_token, json=event_body)
    assert response.status_code == 201
    check_response(document, "/events", "post", response)
    assert set(response.get_json()) == set(document["components"]["schemas"]["Event"]["properties"])
    slug = response.get_json()["slug"]

    patch = {"capacity": 12, "status": "cancelled", "registration_opens_at": None}
    assert check_request(document, "/events/{slug}", "patch", patch) == []
    response = call(client, "PATCH", f"/events/{slug}", admin_token, json=patch)
    assert response.status_code == 200
    check_response(document, "/events/{slug}", "patch", response)

    make.event("grenoble", starts_at=datetime(2027, 1, 14, 18, tzinfo=UTC))
    for path, url in [
        ("/series", "/series"),
        ("/series/{slug}", "/series/grenoble"),
        ("/events", "/events?per_page=1&page=2&series=grenoble"),
        ("/events/{slug}", f"/events/{slug}"),
    ]:
        response = call(client, "GET", url, admin_token)
        assert response.status_code == 200, url
        check_response(document, path, "get", response)

    # A signup with only what the schema requires (the language comes from the request),
    # then the registrations as listed: every field they carry is documented.
    open_event = make.event("grenoble")
    body = {"first_name": "Zoé", "last_name": "Martin", "email": "zoe@example.org",
            "visibility": "attendees"}  # fmt: skip
    assert check_request(document, "/events/{slug}/registrations", "post", body) == []
    response = client.post(
        f"{API}/events/{open_event}/registrations", json=body, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 201, response.get_json()
    check_response(document, "/events/{slug}/registrations", "post", response)
    response = call(client, "GET", f"/events/{open_event}/registrations", admin_token)
    check_response(document, "/events/{slug}/registrations", "get", response)
    assert response.get_json()["items"][0]["language"] == "en"


def test_error_responses_fit_the_documented_schemas(client, make, document, admin_token):
    door_token = make.api_token(make.user("door"))
    series = make.series(slug="vienne")
    event = make.event(series)
    cases = [
        ("/series", "get", "GET", "/series", None, None),
        ("/series", "get", "GET", "/series?page=x", admin_token, None),
        ("/series", "post", "POST", "/series", door_token, {"name": "X", "timezone": "UTC"}),
        (
            "/series",
            "post",
            "POST",
            "/series",
            admin_token,
            {"name": "X", "timezone": "UTC", "slug": series},
        ),
        ("/series", "post", "POST", "/series", admin_token, {"name": 3}),
        ("/series/{slug}", "get", "GET", "/series/nowhere", admin_token, None),
        ("/events", "get", "GET", "/events?status=archived", admin_token, None),
        ("/events", "post", "POST", "/events", admin_token, ["not", "an", "object"]),
        ("/events", "post", "POST", "/events", admin_token, {"series": series, "slug": "mine"}),
        ("/events/{slug}", "get", "GET", "/events/nowhere", admin_token, None),
        ("/events/{slug}", "patch", "PATCH", f"/events/{event}", admin_token, {"capacity": "40"}),
    ]
    for path, method, http_method, url, token, body in cases:
        response = call(client, http_method, url, token, json=body)
        assert response.status_code >= 400, url
        check_response(document, path, method, response)


def test_the_documented_request_schemas_refuse_what_the_api_refuses(document):
    assert check_request(document, "/series", "post", {"name": "X"}) != []  # no timezone
    assert check_request(document, "/events", "post", {"series": "s", "title": "t"}) != []
    event = {
        "series": "s",
        "title": "t",
        "starts_at": "2026-12-10T18:00:00Z",
        "ends_at": "2026-12-10T20:00:00Z",
    }
    assert check_request(document, "/events", "post", event) == []
    for extra in ({"colour": "blue"}, {"capacity": "40"}, {"status": "archived"}):
        assert check_request(document, "/events", "post", {**event, **extra}) != [], extra
        assert check_request(document, "/events/{slug}", "patch", extra) != [], extra


def _limits(document: dict, schema_name: str):
    """(field, a value just past a documented limit) for every limit the schema states."""
    for name, schema in document["components"]["schemas"][schema_name]["properties"].items():
        if "maxLength" in schema:
            yield name, "a" * (schema["maxLength"] + 1)
        if "maximum" in schema:
            yield name, schema["maximum"] + 1
        if "minimum" in schema:
            yield name, schema["minimum"] - 1


def test_documented_limits_are_enforced(client, make, document, admin_token):
    series = make.series()
    valid = {
        "SeriesInput": ("/series", {"name": "Café", "timezone": "Europe/Paris"}),
        "EventInput": (
            "/events",
            {
                "series": series,
                "title": "Soirée",
                "starts_at": "2026-12-10T18:00:00Z",
                "ends_at": "2026-12-10T20:00:00Z",
            },
        ),
    }
    checked = 0
    for schema_name, (url, body) in valid.items():
        for field, value in _limits(document, schema_name):
            response = call(client, "POST", url, admin_token, json={**body, field: value})
            assert response.status_code == 422, (schema_name, field)
            assert set(response.get_json()["error"]["fields"]) == {field}, (schema_name, field)
            checked += 1
    assert checked >= 10  # the schemas do state limits
