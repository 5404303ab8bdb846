"""Input that used to crash the app (a 500) gets a clear answer instead, and nothing is
half-written: ids past the database's integers, CSV files in other encodings or with huge
cells, deeply nested JSON, lone surrogates in JSON strings."""

from __future__ import annotations

import codecs
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from meetup.directory.services import open_directory
from meetup.events.models import Event, Series
from meetup.extensions import db
from meetup.ops.guards import IdConverter
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests.helpers import csrf_from

API = "/api/v1"


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# -- ids in URLs ----------------------------------------------------------------------------


def _id_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]


def test_every_id_in_a_url_is_an_id_converter(app):
    """`<int:…>` takes any number, and a number past the column's type crashes the query
    (PostgreSQL past 2^31, SQLite past 2^63): every id in a route is an `<id:…>`."""
    rules = _id_rules(app)
    assert len(rules) >= 10
    plain = [
        rule.rule
        for rule in rules
        if any(type(c) is IntegerConverter for c in rule._converters.values())
    ]
    assert plain == []
    assert all(
        isinstance(c, IdConverter)
        for rule in rules
        for c in rule._converters.values()
        if isinstance(c, IntegerConverter)
    )


@pytest.mark.parametrize("huge", [2**31, 2**63, 10**30])
def test_ids_past_the_databases_integers_are_404(app, client, make, login, huge):
    """Every route with an id, as the admin (who may open every one of them), with a past
    evening whose directory is open so that the directory's routes reach their lookup."""
    email = login("admin")
    series = make.series(team=(email,))
    event = make.event(series, starts_at=(utcnow() - timedelta(days=2)).replace(microsecond=0))
    make.registration(event)
    with app.app_context():
        open_directory(db.session.scalar(select(Event).where(Event.slug == event)))
    token = csrf_from(client.get("/admin/tokens").get_data(as_text=True))
    tried = 0
    for rule in _id_rules(app):
        values = {}
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                values[name] = str(huge)
            elif name == "slug":
                values[name] = series if rule.rule.startswith("/series/") else event
            elif name == "action":
                values[name] = "cancel"
        path = rule.rule
        for name, value in values.items():
            path = path.replace(f"<{rule._converters[name].__class__.__name__}:{name}>", value)
            for spelt in (f"<int:{name}>", f"<id:{name}>", f"<{name}>"):
                path = path.replace(spelt, value)
        if "<any(" in path:
            path = path[: path.index("<any(")] + values.get("action", "cancel")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(path, method=method, data=data)
            assert response.status_code == 404, (method, path, response.status_code)
            tried += 1
    assert tried >= 15


# -- JSON bodies ----------------------------------------------------------------------------


@pytest.fixture
def organiser_token(make):
    email = make.user("organiser")
    series = make.series(team=(email,), slug="vienne")
    make.event(series)
    return make.api_token(email)


@pytest.mark.parametrize("depth", [1_000, 100_000])
@pytest.mark.parametrize(("method", "path"), [("POST", "/series"), ("POST", "/checkins")])
def test_deeply_nested_json_is_400(app, client, organiser_token, depth, method, path):
    body = "[" * depth + "]" * depth
    response = client.open(
        API + path,
        method=method,
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {organiser_token}"},
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert response.get_json()["error"]["code"] == "bad_request"


def test_deeply_nested_json_in_a_signup_is_400_and_nothing_is_written(app, client, make):
    event = make.event(make.series())
    body = '{"first_name": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = client.post(
        f"{API}/events/{event}/registrations", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert count(app, Registration) == 0


LONE = "Caf\ud800"  # "\ud800" in JSON: a string Python holds but no encoding can write


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/series", {"name": LONE, "timezone": "Europe/Paris"}, "name"),
        ("/series", {"name": "Café", "timezone": "Europe/Paris", "city": LONE}, "city"),
        ("/series", {"name": "Café", "timezone": LONE}, "timezone"),
        ("/checkins", {"code": LONE}, "code"),
        ("/checkins", {"code": "abc", "door": LONE}, "door"),
    ],
)
def test_lone_surrogates_in_api_strings_are_422(app, client, organiser_token, path, body, field):
    series_before = count(app, Series)
    response = client.post(
        API + path, json=body, headers={"Authorization": f"Bearer {organiser_token}"}
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert set(error["fields"]) == {field}
    assert "Unicode" in error["fields"][field]
    assert count(app, Series) == series_before


def test_lone_surrogates_in_event_fields_are_422(app, client, organiser_token):
    body = {
        "series": "vienne",
        "title": "Soirée",
        "theme": LONE,
        "starts_at": "2026-12-10T18:00:00Z",
        "ends_at": "2026-12-10T20:00:00Z",
    }
    before = count(app, Event)
    response = client.post(
        f"{API}/events", json=body, headers={"Authorization": f"Bearer {organiser_token}"}
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"theme"}
    assert count(app, Event) == before


def test_a_lone_surrogate_in_a_key_is_400(client, organiser_token):
    response = client.post(
        f"{API}/series",
        json={LONE: "x", "name": "Café", "timezone": "UTC"},
        headers={"Authorization": f"Bearer {organiser_token}"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize("field", ["first_name", "company", "website", "email", "help_with"])
def test_lone_surrogates_in_a_signup_are_422_and_nothing_is_written(app, client, make, field):
    event = make.event(make.series())
    body = {
        "first_name": "Zoé",
        "last_name": "Martin",
        "email": "zoe@example.org",
        "visibility": "nobody",
        field: LONE if field != "email" else "zo\ud800e@example.org",
    }
    response = client.post(f"{API}/events/{event}/registrations", json=body)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert set(response.get_json()["error"]["fields"]) == {field}
    assert count(app, Registration) == 0


def test_a_surrogate_pair_is_an_ordinary_character(app, client, make):
    """ "\\ud83d\\ude00" in JSON is one character (😀), written like any other."""
    event = make.event(make.series())
    body = (
        '{"first_name": "Zo\\ud83d\\ude00", "last_name": "Martin", "email": "zoe@example.org",'
        ' "visibility": "nobody"}'
    )
    response = client.post(
        f"{API}/events/{event}/registrations", data=body, content_type="application/json"
    )
    assert response.status_code == 201
    with app.app_context():
        assert db.session.scalar(select(Registration.first_name)) == "Zo😀"


# -- CSV imports ----------------------------------------------------------------------------

ROWS = "prénom\tnom\temail\tentreprise\r\nÉlodie\tMartin\telodie@example.org\tBoulangerie\r\n"


def _upload(client, slug, data: bytes):
    url = f"/admin/events/{slug}/registrations/import"
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(data), "list.csv"), "send_emails": "y"},
        content_type="multipart/form-data",
    )


@pytest.fixture
def importing(make, login):
    organiser = login("organiser")
    return make.event(make.series(team=(organiser,)), capacity=10)


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF16_LE + ROWS.encode("utf-16-le"),  # Excel's "Unicode text"
        codecs.BOM_UTF16_BE + ROWS.encode("utf-16-be"),
        codecs.BOM_UTF8 + ROWS.encode("utf-8"),  # Excel's "CSV UTF-8"
        ROWS.encode("utf-8"),
        ROWS.replace("\t", ";").encode("cp1252"),  # Excel's "CSV (separator: semicolon)"
    ],
    ids=["utf-16-le", "utf-16-be", "utf-8-bom", "utf-8", "windows-1252"],
)
def test_imports_read_the_encodings_spreadsheets_write(app, client, importing, data):
    response = _upload(client, importing, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[-2000:]
    assert "1 row read." in html or "1 rows read." in html
    assert "Élodie" in html and "Boulangerie" in html
    assert count(app, Registration) == 0  # nothing before the confirmation


@pytest.mark.parametrize(
    ("data", "english", "french"),
    [
        (
            b"email;nom\r\nzoe@example.org;Mart\x81n\r\n",
            "not text in an encoding we can read",
            "n’est pas du texte dans un encodage que nous savons lire",
        ),
        (
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00email",
            "not a CSV text file",
            "n’est pas un fichier texte CSV",
        ),
        (
            b"email;nom\r\nzoe@example.org;" + b"a" * (200 * 1024) + b"\r\n",
            "longer than 131,072 characters",
            "plus de 131 072 caractères",
        ),
        (
            codecs.BOM_UTF16_LE + b"e\x00m\x00\x00\xd8",  # a lone surrogate in UTF-16
            "not text in an encoding we can read",
            "n’est pas du texte dans un encodage que nous savons lire",
        ),
    ],
    ids=["stray-0x81", "xlsx", "huge-cell", "utf-16-lone-surrogate"],
)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_unreadable_imports_say_why_in_the_page_s_language(
    app, client, importing, data, english, french, language
):
    client.set_cookie("lang", language)
    response = _upload(client, importing, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (english if language == "en" else french) in html
    assert 'type="file"' in html  # chosen again right there
    assert count(app, Registration) == 0


def test_a_confirmed_utf16_import_imports_everyone(app, client, importing):
    response = _upload(client, importing, codecs.BOM_UTF16_LE + ROWS.encode("utf-16-le"))
    html = response.get_data(as_text=True)
    csv_text = unescape(re.search(r'name="csv_text" type="hidden" value="([^"]*)"', html).group(1))
    response = client.post(
        f"/admin/events/{importing}/registrations/import/confirm",
        data={"csrf_token": csrf_from(html), "csv_text": csv_text, "send_emails": ""},
    )
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.execute(select(Registration.first_name, Registration.company)).all()
    assert [tuple(r) for r in rows] == [("Élodie", "Boulangerie")]


def test_a_huge_cell_sent_back_at_confirmation_is_said_not_a_crash(app, client, importing):
    html = client.get(f"/admin/events/{importing}/registrations/import").get_data(as_text=True)
    response = client.post(
        f"/admin/events/{importing}/registrations/import/confirm",
        data={
            "csrf_token": csrf_from(html),
            "csv_text": "email;nom\r\nzoe@example.org;" + "a" * (200 * 1024) + "\r\n",
            "send_emails": "",
        },
    )
    assert response.status_code == 302  # back to the upload, with a message
    assert count(app, Registration) == 0


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (
            "application/x-www-form-urlencoded",
            b"first_name=Zo%ED%A0%80&last_name=Martin&email=zoe%40example.org&visibility=nobody",
        ),
        (
            "multipart/form-data; boundary=XX",
            b'--XX\r\nContent-Disposition: form-data; name="first_name"\r\n\r\nZo\xed\xa0\x80'
            b'\r\n--XX\r\nContent-Disposition: form-data; name="last_name"\r\n\r\nMartin'
            b'\r\n--XX\r\nContent-Disposition: form-data; name="email"\r\n\r\nzoe@example.org'
            b'\r\n--XX\r\nContent-Disposition: form-data; name="visibility"\r\n\r\nnobody'
            b"\r\n--XX--\r\n",
        ),
    ],
    ids=["urlencoded", "multipart"],
)
def test_a_surrogate_s_bytes_in_a_browser_form_never_reach_the_database(
    app, client, make, content_type, body
):
    """A browser cannot encode a lone surrogate; bytes that would mean one are not UTF-8,
    and Werkzeug reads them as U+FFFD (or leaves the escape as typed): the form answers as
    for any other text, and what is stored can be written anywhere."""
    event = make.event(make.series())
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        response = client.post(f"/events/{event}/signup", data=body, content_type=content_type)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code in (200, 302, 422)
    with app.app_context():
        for name in db.session.scalars(select(Registration.first_name)):
            name.encode("utf-8")  # no lone surrogate
