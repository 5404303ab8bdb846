"""Door check-in: answers, retries, undo, the door screen, the API, and badges read by zbar
checked in through the API."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from unittest import mock

import pytest
from sqlalchemy import event, select

from meetup.auth.models import User
from meetup.badges import services as badge_services
from meetup.badges.layouts import LAYOUTS
from meetup.checkin import services
from meetup.checkin.services import Answer, Undo, parse_code
from meetup.events.models import Event
from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.registrations.tickets import qr_text
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, log_in, outbox, text_of
from tests.scanning import decode_labels

CODE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.fixture
def door(app, make):
    """An evening on now, its door volunteer and API token, and people in every state."""
    volunteer = make.user("door")
    organiser = make.user("organiser")
    series = make.series(team=(volunteer, organiser), name="Café des entreprenants de Vienne")
    now = utcnow().replace(microsecond=0)
    tonight = make.event(series, starts_at=now - timedelta(minutes=30))
    earlier = make.event(series, starts_at=now - timedelta(days=30))
    later = make.event(series, starts_at=now + timedelta(days=30))
    ids = {
        "marie": make.registration(tonight, first_name="Marie", last_name="Dupont", company="Boulangerie Dupont", email="marie@example.org"),
        "élodie": make.registration(tonight, first_name="Élodie", last_name="Œuvray", company="Studio Pilat", email="elodie@example.org"),
        "waiting": make.registration(tonight, status="waitlisted", first_name="Wanda", last_name="Attente"),
        "cancelled": make.registration(tonight, status="cancelled", first_name="Charles", last_name="Annulé"),
        "next_month": make.registration(later, first_name="Nina", last_name="Plustard"),
        "came_before": make.registration(earlier, first_name="Élodie", last_name="Œuvray", email="ELODIE@example.org"),
    }  # fmt: skip
    with app.app_context():
        db.session.get(Registration, ids["came_before"]).checked_in_at = now - timedelta(days=30)
        db.session.commit()
        codes = {name: db.session.get(Registration, i).ticket_code for name, i in ids.items()}
    return {
        "volunteer": volunteer,
        "organiser": organiser,
        "token": make.api_token(volunteer),
        "series": series,
        "tonight": tonight,
        "later": later,
        "ids": ids,
        "codes": codes,
    }


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _event(slug: str) -> Event:
    return db.session.scalar(select(Event).where(Event.slug == slug))


# -- reading scans --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scanned", "code"),
    [
        (CODE, CODE),
        (f"  {CODE}\n", CODE),
        (f"HTTPS://MEETUP.EXAMPLE.ORG/B/{CODE}", CODE),
        (f"https://meetup.example.org/b/{CODE.lower()}", CODE.lower()),
        (f"http://127.0.0.1:5000/b/{CODE}/?utm_source=x", CODE),
        (f"https://meetup.example.org/b/{CODE}#top", CODE),
        ("", ""),
        ("https://evil.example.org/", ""),
        ("DROP TABLE registrations;", ""),
        ("A" * 400, ""),
    ],
)
def test_scans_are_read_as_a_code_or_the_qr_codes_url(scanned, code):
    assert parse_code(scanned) == code


# -- answers ----------------------------------------------------------------------------------


def test_a_first_check_in_then_already_then_undo(app, door):
    with app.app_context():
        user, tonight = _user(door["volunteer"]), _event(door["tonight"])
        first = services.check_in(door["codes"]["marie"], user, event=tonight, door="Porte 2")
        assert first.status is Answer.OK and first.first_time
        assert first.name == "Marie Dupont" and first.door == "Porte 2"
        arrived = first.checked_in_at
        again = services.check_in(door["codes"]["marie"], user, event=tonight, door="Porte 1")
        assert again.status is Answer.ALREADY
        assert (again.checked_in_at, again.door) == (arrived, "Porte 2")  # the first door's
        assert services.undo(door["codes"]["marie"], user, event=tonight)[0] is Undo.UNDONE
        assert services.undo(door["codes"]["marie"], user, event=tonight)[0] is Undo.NOT_CHECKED_IN
        assert services.check_in(door["codes"]["marie"], user, event=tonight).status is Answer.OK


def test_someone_who_came_to_an_earlier_evening_is_not_a_first_timer(app, door):
    with app.app_context():
        result = services.check_in(
            door["codes"]["élodie"], _user(door["volunteer"]), event=_event(door["tonight"])
        )
        assert result.status is Answer.OK and not result.first_time  # same email, other case


@pytest.mark.parametrize(
    ("who", "answer"),
    [
        ("waiting", Answer.WAITLISTED),
        ("cancelled", Answer.CANCELLED),
        ("next_month", Answer.WRONG_EVENT),
    ],
)
def test_answers_for_people_who_may_not_come_in(app, door, who, answer):
    with app.app_context():
        result = services.check_in(
            door["codes"][who], _user(door["volunteer"]), event=_event(door["tonight"])
        )
        assert result.status is answer and result.checked_in_at is None
        assert db.session.get(Registration, door["ids"][who]).checked_in_at is None


def test_unknown_and_other_series_codes_say_nothing_about_anyone(app, make, door):
    stranger = make.user("door")
    make.series(team=(stranger,))
    with app.app_context():
        assert (
            services.check_in("ZZZZZZZZZZZZZZZZZZZZZZZZZZ", _user(door["volunteer"])).status
            is Answer.UNKNOWN
        )
        other = services.check_in(door["codes"]["marie"], _user(stranger))
        assert other.status is Answer.UNKNOWN and other.name == ""
        assert services.undo(door["codes"]["marie"], _user(stranger))[0] is Undo.UNKNOWN
        assert db.session.get(Registration, door["ids"]["marie"]).checked_in_at is None


def test_without_an_event_a_code_checks_in_at_its_own_evening_only_if_it_is_on(app, door):
    with app.app_context():
        user = _user(door["volunteer"])
        assert services.check_in(door["codes"]["marie"], user).status is Answer.OK
        assert services.check_in(door["codes"]["next_month"], user).status is Answer.WRONG_EVENT


def test_a_retried_request_gets_its_first_answer_again(app, door):
    with app.app_context():
        user, tonight = _user(door["volunteer"]), _event(door["tonight"])
        code = door["codes"]["marie"]
        assert services.check_in(code, user, event=tonight, request_id="r-1").status is Answer.OK
        assert services.check_in(code, user, event=tonight, request_id="r-1").status is Answer.OK
        assert (
            services.check_in(code, user, event=tonight, request_id="r-2").status is Answer.ALREADY
        )
        unknown = "ZZZZZZZZZZZZZZZZZZZZZZZZZZ"
        assert services.check_in(unknown, user, request_id="r-3").status is Answer.UNKNOWN
        assert services.check_in(unknown, user, request_id="r-3").status is Answer.UNKNOWN


# -- the API -----------------------------------------------------------------------------------


def _api(client, door, method="post", url="/api/v1/checkins", body=None, token=None):
    headers = {"Authorization": f"Bearer {token or door['token']}"}
    if body is None:
        return getattr(client, method)(url, headers=headers)
    return getattr(client, method)(url, headers=headers, json=body)


def test_api_checks_in_with_the_whole_scanned_url_and_undoes(client, door):
    url = f"https://meetup.example.org/B/{door['codes']['marie']}"
    body = {"code": url, "event": door["tonight"], "door": "Porte 2", "request_id": "a1"}
    response = _api(client, door, body=body)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["status"] == "ok" and answer["name"] == "Marie Dupont"
    assert answer["door"] == "Porte 2" and answer["first_time"] is True
    assert answer["checked_in_at"].endswith(("+01:00", "+02:00"))  # the evening's zone
    assert _api(client, door, body=body).get_json()["status"] == "ok"  # same request id
    assert _api(client, door, body={"code": url}).get_json()["status"] == "already"
    undone = _api(client, door, "delete", f"/api/v1/checkins/{door['codes']['marie']}")
    assert undone.get_json() == {"status": "undone", "name": "Marie Dupont"}
    wrong = _api(client, door, body={"code": door["codes"]["next_month"], "event": door["tonight"]})
    assert wrong.get_json()["status"] == "wrong_event"
    assert wrong.get_json()["event"]["slug"] == door["later"]
    assert _api(client, door, body={"code": "nope-nope-nope"}).get_json() == {"status": "unknown"}


def test_a_scan_commits_once_on_postgresql_twice_on_sqlite(app, client, door):
    """SQLite cannot turn a transaction that read into a writer once another writer has
    committed, so a scan's reads end before its claim; PostgreSQL keeps them in the claim's
    transaction (a COMMIT and a BEGIN fewer: round trips are most of a scan's time there)."""
    _api(client, door, body={"code": door["codes"]["élodie"], "request_id": "warm-up"})
    commits = []
    with app.app_context():
        engine = db.engine
    listener = lambda connection: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        body = {"code": door["codes"]["marie"], "event": door["tonight"], "request_id": "r1"}
        assert _api(client, door, body=body).get_json()["status"] == "ok"
    finally:
        event.remove(engine, "commit", listener)
    assert len(commits) == (1 if engine.dialect.name == "postgresql" else 2)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"code"}),
        ({"code": 12}, {"code"}),
        ({"code": ""}, {"code"}),
        ({"code": "X", "door": "D" * 41}, {"door"}),
        ({"code": "X", "who": "me"}, {"who"}),
        ({"code": "X", "request_id": ["a"]}, {"request_id"}),
    ],
)
def test_api_refuses_bad_input_field_by_field(client, door, body, fields):
    response = _api(client, door, body=body)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == fields


def test_a_past_evenings_ticket_tells_a_volunteer_nothing_of_its_holder(app, client, make, door):
    """Scanned at tonight's door, a ticket of an evening the volunteer may not open says
    which evening it is for, as its own page does: not who it was, nor when they came."""
    code = door["codes"]["came_before"]
    api = _api(client, door, body={"code": code, "event": door["tonight"]}).get_json()
    assert api["status"] == "wrong_event" and api["event"]["starts_at"]
    assert (api["name"], api["checked_in_at"], api["door"]) == ("", None, "")
    replayed = {"code": code, "event": door["tonight"], "request_id": "past-1"}
    assert _api(client, door, body=replayed).get_json()["name"] == ""
    assert _api(client, door, body=replayed).get_json()["name"] == ""  # the replayed answer
    undone = _api(client, door, "delete", f"/api/v1/checkins/{code}?event={door['tonight']}")
    assert undone.get_json() == {"status": "unknown"}
    log_in(client, door["volunteer"])
    token = csrf_from(client.get(f"/door/{door['tonight']}").get_data(as_text=True))
    for accept in ("application/json", "text/html"):
        response = client.post(
            f"/door/{door['tonight']}/scan",
            data={"csrf_token": token, "code": code},
            headers={"Accept": accept},
        )
        page = response.get_data(as_text=True)
        assert "Registered for another evening" in page
        assert "Élodie" not in page and "Œuvray" not in page
    # Next week's ticket, an evening the volunteer's door already shows: whose it is helps.
    next_week = make.event(door["series"], starts_at=utcnow() + timedelta(days=7))
    early = make.registration(next_week, first_name="Paul", last_name="Avance")
    with app.app_context():
        early_code = db.session.get(Registration, early).ticket_code
    answer = _api(client, door, body={"code": early_code, "event": door["tonight"]}).get_json()
    assert (answer["status"], answer["name"]) == ("wrong_event", "Paul Avance")


def test_an_organiser_still_sees_whose_past_ticket_it_is(client, make, door):
    token = make.api_token(door["organiser"])
    body = {"code": door["codes"]["came_before"], "event": door["tonight"]}
    answer = _api(client, door, body=body, token=token).get_json()
    assert answer["status"] == "wrong_event" and answer["name"] == "Élodie Œuvray"
    assert answer["checked_in_at"] is not None


def test_door_tokens_can_check_in_and_nothing_else(client, make, door):
    assert _api(client, door, "get", "/api/v1/events").status_code == 403
    assert (
        _api(client, door, "get", f"/api/v1/events/{door['tonight']}/registrations").status_code
        == 403
    )
    assert client.post("/api/v1/checkins", json={"code": "X"}).status_code == 401
    assert _api(client, door, body={"code": "X", "event": "no-such-evening"}).status_code == 404
    stranger = make.user("door")
    other = make.event(make.series(team=(stranger,)))
    assert _api(client, door, body={"code": "X", "event": other}).status_code == 403
    organiser_token = make.api_token(door["organiser"])
    response = _api(client, door, body={"code": door["codes"]["marie"]}, token=organiser_token)
    assert response.get_json()["status"] == "ok"


def test_checkins_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"post"} <= set(document["paths"]["/checkins"])
    assert {"delete"} <= set(document["paths"]["/checkins/{code}"])
    statuses = document["components"]["schemas"]["CheckinAnswer"]["properties"]["status"]["enum"]
    assert set(statuses) == {a.value for a in Answer}


# -- the door screen ---------------------------------------------------------------------------


def test_the_door_screen_checks_in_with_and_without_javascript(client, door):
    log_in(client, door["volunteer"])
    page = client.get(f"/door/{door['tonight']}").get_data(as_text=True)
    assert 'id="code"' in page and "autofocus" in page
    token = csrf_from(page)
    response = client.post(
        f"/door/{door['tonight']}/scan",
        data={"csrf_token": token, "code": door["codes"]["marie"], "door": "Porte 1"},
    )
    assert "Welcome Marie — first time!" in response.get_data(as_text=True)
    response = client.post(
        f"/door/{door['tonight']}/scan",
        data={"csrf_token": token, "code": door["codes"]["marie"]},
        headers={"Accept": "application/json"},
    )
    data = response.get_json()
    assert data["answer"]["tone"] == "warn" and "Porte 1" in data["answer"]["title"]
    french = client.post(
        f"/door/{door['tonight']}/scan",
        data={"csrf_token": token, "code": door["codes"]["marie"]},
        headers={"Accept": "application/json", "Accept-Language": "fr"},
    ).get_json()
    assert french["answer"]["title"].startswith("Déjà entré·e à ")
    assert data["counts"] == {"checked_in": 1, "expected": 2, "walk_ins": 0}
    unknown = client.post(
        f"/door/{door['tonight']}/scan",
        data={"csrf_token": token, "code": "<script>alert(1)</script>"},
    )
    assert unknown.status_code == 200 and b"<script>alert" not in unknown.data


def test_name_search_ignores_accents_and_case_and_covers_companies(client, door):
    log_in(client, door["volunteer"])
    found = client.get(f"/door/{door['tonight']}/search?q=elodie oeuv").get_json()["people"]
    assert [p["name"] for p in found] == ["Élodie Œuvray"]
    assert found[0]["code"] == door["codes"]["élodie"]
    found = client.get(f"/door/{door['tonight']}/search?q=BOULANGERIE").get_json()["people"]
    assert [p["name"] for p in found] == ["Marie Dupont"]
    waiting = client.get(f"/door/{door['tonight']}/search?q=wanda").get_json()["people"]
    assert waiting[0]["code"] == "" and waiting[0]["note"]  # nothing to check in
    assert client.get(f"/door/{door['tonight']}/search?q=nina").get_json()["people"] == []
    page = client.get(f"/door/{door['tonight']}?q=dupont").get_data(as_text=True)
    assert "Marie Dupont" in page  # the same search without JavaScript


def test_a_staff_member_scanning_a_badge_with_a_camera_app_can_check_in_from_it(client, door):
    log_in(client, door["volunteer"])
    page = client.get(f"/b/{door['codes']['marie']}").get_data(as_text=True)
    assert f'action="/door/{door["tonight"]}/scan"' in page
    assert f'value="{door["codes"]["marie"]}"' in page


# -- badges printed, read by zbar, checked in through the API ------------------------------------


def test_every_printed_badge_checks_in_once_through_the_api(app, client, door, make, tmp_path):
    make.registrations(door["tonight"], 18)
    with app.app_context():
        event = _event(door["tonight"])
        chosen = badge_services.select_registrations(
            event, badge_services.Which.ALL, badge_services.Order.NAME
        )
        pdf = badge_services.badges_pdf(event, chosen, LAYOUTS["a4-2x5"], mark_printed=False)
        expected = {r.full_name for r in chosen}
    scanned = decode_labels(pdf, LAYOUTS["a4-2x5"], 150, tmp_path)
    assert len(scanned) == len(expected) == 20
    answers = [
        _api(
            client, door, body={"code": text, "event": door["tonight"], "request_id": f"s{n}"}
        ).get_json()
        for n, text in enumerate(scanned)
    ]
    assert {a["status"] for a in answers} == {"ok"}
    assert {a["name"] for a in answers} == expected
    again = [_api(client, door, body={"code": text}).get_json()["status"] for text in scanned]
    assert set(again) == {"already"}
    log_in(client, door["volunteer"])
    counts = client.get(f"/door/{door['tonight']}/counts").get_json()
    assert counts == {"checked_in": 20, "expected": 20, "walk_ins": 0}
    assert sum(a["first_time"] for a in answers) == 19  # Élodie came to an earlier evening


# -- walk-ins and badges at the door -------------------------------------------------------------


def _door_token(client, door) -> str:
    log_in(client, door["volunteer"])
    return csrf_from(client.get(f"/door/{door['tonight']}").get_data(as_text=True))


def test_a_walk_in_is_registered_let_in_and_emailed_at_once(app, client, door):
    token = _door_token(client, door)
    page = client.get(f"/door/{door['tonight']}/walk-in").get_data(as_text=True)
    assert 'name="email"' in page and 'name="visibility"' not in page  # four fields only
    # the volunteer fills it in: the help speaks of the person
    assert "Their ticket and personal link go to this address" in page
    assert "your personal link" not in page.lower()
    response = client.post(
        f"/door/{door['tonight']}/walk-in",
        data={"csrf_token": token, "first_name": "Yasmine", "last_name": "Haddad",
              "email": "Yasmine@Example.ORG", "company": "Atelier Haddad", "door": "Porte 1"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Welcome Yasmine!" in response.get_data(as_text=True)
    with app.app_context():
        walker = db.session.scalar(select(Registration).where(Registration.last_name == "Haddad"))
        assert walker.email == "Yasmine@example.org" and walker.source.value == "walk_in"
        assert walker.status.value == "confirmed" and walker.checked_in_door == "Porte 1"
        assert walker.checked_in_at is not None and walker.visibility.value == "nobody"
        kinds = db.session.scalars(
            select(OutboxMessage.kind).where(OutboxMessage.registration_id == walker.id)
        ).all()
        assert kinds == ["walk_in"]  # the personal link, to complete the card
    counts = client.get(f"/door/{door['tonight']}/counts").get_json()
    assert counts["walk_ins"] == 1 and counts["checked_in"] == 1
    screen = client.get(f"/door/{door['tonight']}").get_data(as_text=True)
    assert re.search(r'id="count-walk-ins">1</span> <span[^>]*>walk-in</span>', screen)
    assert 'data-one="walk-in" data-other="walk-ins"' in screen  # for door.js's updates


def test_a_walk_in_already_registered_is_let_in_on_their_registration(app, client, door):
    token = _door_token(client, door)
    client.post(
        f"/door/{door['tonight']}/walk-in",
        data={"csrf_token": token, "first_name": "Wanda", "last_name": "Attente",
              "email": "camille-wanda@example.org"},
    )  # fmt: skip
    with app.app_context():
        waiting = db.session.get(Registration, door["ids"]["waiting"])
        email = waiting.email
    client.post(
        f"/door/{door['tonight']}/walk-in",
        data={"csrf_token": token, "first_name": "Wanda", "last_name": "Attente", "email": email},
    )
    with app.app_context():
        waiting = db.session.get(Registration, door["ids"]["waiting"])
        assert waiting.status.value == "confirmed" and waiting.checked_in_at is not None
        same = db.session.scalars(select(Registration).where(Registration.email == email)).all()
        assert len(same) == 1


def test_walk_in_form_keeps_what_was_typed_and_says_what_is_wrong(client, door):
    token = _door_token(client, door)
    response = client.post(
        f"/door/{door['tonight']}/walk-in",
        data={"csrf_token": token, "first_name": "Noé", "last_name": "", "email": "noe@", "company": "Studio Noé"},
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Noé"' in html and 'value="Studio Noé"' in html and 'value="noe@"' in html
    assert html.count('class="field-error"') == 2


def test_the_door_prints_one_badge_for_a_scanned_code(app, client, door, tmp_path):
    token = _door_token(client, door)
    url = f"HTTPS://MEETUP.EXAMPLE.ORG/B/{door['codes']['marie']}"
    response = client.post(
        f"/door/{door['tonight']}/badge",
        data={"csrf_token": token, "code": url, "layout": "brother-62x100"},
    )
    assert (
        response.mimetype == "application/pdf" and "no-store" in response.headers["Cache-Control"]
    )
    with app.test_request_context():
        expected = [qr_text(door["codes"]["marie"])]
    assert decode_labels(response.data, LAYOUTS["brother-62x100"], 200, tmp_path) == expected
    with app.app_context():
        marie = db.session.get(Registration, door["ids"]["marie"])
        assert marie.checked_in_at is None  # printing is not checking in
        assert marie.badge_printed_at is not None
    for code, status in (
        (door["codes"]["next_month"], 404),
        ("nope-nope-nope", 404),
        (door["codes"]["waiting"], 409),
    ):
        answer = client.post(
            f"/door/{door['tonight']}/badge", data={"csrf_token": token, "code": code}
        )
        assert answer.status_code == status


def test_after_the_evening_organisers_see_who_came_when_and_who_did_not(app, client, door):
    token = _door_token(client, door)
    client.post(
        f"/door/{door['tonight']}/scan",
        data={"csrf_token": token, "code": door["codes"]["marie"], "door": "Porte 2"},
    )
    client.post(
        f"/door/{door['tonight']}/walk-in",
        data={"csrf_token": token, "first_name": "Yasmine", "last_name": "Haddad",
              "email": "yasmine@example.org"},
    )  # fmt: skip
    client = app.test_client()
    log_in(client, door["organiser"])
    base = f"/admin/events/{door['tonight']}/registrations"
    came = client.get(f"{base}?status=came").get_data(as_text=True)
    assert "Dupont" in came and "Haddad" in came and "Œuvray" not in came
    assert "Porte 2" in came
    no_shows = client.get(f"{base}?status=no_show").get_data(as_text=True)
    assert "Œuvray" in no_shows and "Dupont" not in no_shows and "Attente" not in no_shows
    walk_ins = client.get(f"{base}?status=walk_in").get_data(as_text=True)
    assert "Haddad" in walk_ins and "Dupont" not in walk_ins
    text = client.get(f"{base}.csv", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    header, *rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";")
    people = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    marie, yasmine = people["Dupont"], people["Haddad"]
    arrived = marie["Heure d’arrivée"]  # in the evening's time zone, as a spreadsheet reads it
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", arrived)
    assert (marie["Venu·e"], marie["Porte"], marie["Inscription par"]) == (
        "oui",
        "Porte 2",
        "formulaire d’inscription",
    )
    assert (yasmine["Venu·e"], yasmine["Inscription par"]) == ("oui", "sans inscription")
    no_show = people["Œuvray"]
    assert (no_show["Statut"], no_show["Venu·e"], no_show["Heure d’arrivée"]) == (
        "confirmée",
        "non",
        "",
    )


def test_request_ids_belong_to_one_account_and_one_code(app, make, door):
    """Two scanner apps may both count from 1: one's answer never reaches the other."""
    other_door = make.user("door")
    with app.app_context():
        tonight = _event(door["tonight"])
        tonight.series.team.append(_user(other_door))
        db.session.commit()
        first = services.check_in(
            door["codes"]["marie"], _user(door["volunteer"]), event=tonight, request_id="1"
        )
        second = services.check_in(
            door["codes"]["élodie"], _user(other_door), event=tonight, request_id="1"
        )
        assert (first.status, first.name) == (Answer.OK, "Marie Dupont")
        assert (second.status, second.name) == (Answer.OK, "Élodie Œuvray")  # checked in, hers
        with pytest.raises(services.RequestIdReused):
            services.check_in(
                door["codes"]["élodie"], _user(door["volunteer"]), event=tonight, request_id="1"
            )


def test_a_retry_after_an_undo_does_not_say_ok_for_someone_no_longer_in(app, door):
    with app.app_context():
        user, tonight = _user(door["volunteer"]), _event(door["tonight"])
        code = door["codes"]["marie"]
        assert services.check_in(code, user, event=tonight, request_id="r").status is Answer.OK
        services.undo(code, user, event=tonight)
        again = services.check_in(code, user, event=tonight, request_id="r")
        assert again.status is Answer.OK and again.checked_in_at is not None  # checked in anew


def test_api_refuses_a_request_id_reused_for_another_code(client, door):
    body = {"code": door["codes"]["marie"], "event": door["tonight"], "request_id": "same"}
    assert _api(client, door, body=body).get_json()["status"] == "ok"
    other = {**body, "code": door["codes"]["élodie"]}
    response = _api(client, door, body=other)
    assert response.status_code == 409 and "request_id" in response.get_json()["error"]["fields"]


def test_a_camera_app_scan_of_another_evenings_ticket_offers_no_check_in(app, client, make, door):
    with app.app_context():
        series = _event(door["tonight"]).series.slug
    soon = make.event(series, starts_at=utcnow() + timedelta(days=3))
    sam = make.registration(soon, first_name="Sam", last_name="Bientôt")
    with app.app_context():
        code = db.session.get(Registration, sam).ticket_code
    log_in(client, door["volunteer"])
    page = client.get(f"/b/{code}").get_data(as_text=True)
    assert "Sam Bientôt" in page  # an evening the door is getting ready for
    assert "/scan" not in page  # but no Check in button: it is not on now
    # Further ahead than the door sees (a month): nothing about the person.
    assert "Plustard" not in client.get(f"/b/{door['codes']['next_month']}").get_data(as_text=True)


def test_door_volunteers_do_not_open_past_evenings(app, client, make, door):
    with app.app_context():
        series = _event(door["tonight"]).series.slug
    past = make.event(series, starts_at=utcnow() - timedelta(days=300))
    make.registration(past, first_name="Ancien", last_name="Participant")
    log_in(client, door["volunteer"])
    page = client.get(f"/door/{past}")
    assert page.status_code == 404 and "This evening is over" in page.get_data(as_text=True)
    assert "Participant" not in page.get_data(as_text=True)
    assert client.get(f"/door/{past}/search?q=ancien").status_code == 404
    assert _api(client, door, body={"code": "X", "event": past}).status_code == 404
    organiser = app.test_client()
    log_in(organiser, door["organiser"])
    assert organiser.get(f"/door/{past}").status_code == 200  # organisers may


def test_sending_the_walk_in_form_twice_changes_nothing_more(app, client, door):
    token = _door_token(client, door)
    data = {"csrf_token": token, "first_name": "Yasmine", "last_name": "Haddad",
            "email": "yasmine@example.org", "door": "  Porte   de  la cour " + "x" * 60}  # fmt: skip
    for _ in range(2):
        assert client.post(f"/door/{door['tonight']}/walk-in", data=data).status_code == 200
    with app.app_context():
        (walker,) = db.session.scalars(
            select(Registration).where(Registration.last_name == "Haddad")
        ).all()
        assert len(walker.checked_in_door) == 40 and walker.checked_in_door.startswith(
            "Porte de la cour x"
        )
        kinds = db.session.scalars(
            select(OutboxMessage.kind).where(OutboxMessage.registration_id == walker.id)
        ).all()
        assert kinds == ["walk_in"]  # one email, and the link in it still works


def test_an_already_answer_offers_undo(client, door):
    token = _door_token(client, door)
    for _ in range(2):
        data = client.post(
            f"/door/{door['tonight']}/scan",
            data={"csrf_token": token, "code": door["codes"]["marie"]},
            headers={"Accept": "application/json"},
        ).get_json()
    assert data["answer"]["tone"] == "warn" and data["answer"]["code"] == door["codes"]["marie"]
    # what the volunteer must see first is the headline, then whose badge it is
    assert data["answer"]["title"].startswith("Already checked in at")
    assert data["answer"]["detail"] == "Marie Dupont"


def test_the_door_s_answers_read_out_once_punctuated():
    from meetup.checkin.views import Shown

    assert Shown("ok", "Welcome Marie — first time!", "Dupont SARL").spoken == (
        "Welcome Marie — first time! Dupont SARL"
    )
    assert Shown("warn", "Already checked in at 19:04", "Marie").spoken == (
        "Already checked in at 19:04. Marie"
    )
    assert Shown("stop", "Unknown code").spoken == "Unknown code"


def test_each_search_result_s_button_says_whom_it_lets_in(client, door):
    _door_token(client, door)
    page = client.get(f"/door/{door['tonight']}", query_string={"q": "marie"}).text
    assert 'aria-label="Check in Marie Dupont"' in page


def test_someone_waiting_or_cancelled_is_let_in_anyway_at_the_door(app, client, door):
    """At the door the waitlist is moot: the answer offers to let them in (a seat and a
    check-in, their ticket by email), from a scan or from the search."""
    token = _door_token(client, door)
    json = {"Accept": "application/json"}
    tonight = door["tonight"]
    scanned = client.post(
        f"/door/{tonight}/scan", data={"csrf_token": token, "code": door["codes"]["waiting"]},
        headers=json,
    ).get_json()  # fmt: skip
    assert scanned["answer"]["title"] == "On the waitlist"
    assert scanned["answer"]["admit"] == door["codes"]["waiting"]
    found = client.get(f"/door/{tonight}/search?q=annul").get_json()["people"]
    assert found[0]["admit"] == door["codes"]["cancelled"] and found[0]["code"] == ""
    for who in ("waiting", "cancelled"):
        answer = client.post(
            f"/door/{tonight}/admit",
            data={"csrf_token": token, "code": door["codes"][who], "door": "Porte 2"},
            headers=json,
        ).get_json()
        assert answer["answer"]["tone"] == "ok" and answer["answer"]["code"] == door["codes"][who]
        with app.app_context():
            let_in = db.session.get(Registration, door["ids"][who])
            assert let_in.status is RegistrationStatus.CONFIRMED
            assert (let_in.checked_in_door, let_in.checked_in_at is not None) == ("Porte 2", True)
    assert answer["counts"]["checked_in"] == 2
    with app.app_context():  # a fresh personal link by email, to complete their card
        kinds = db.session.scalars(
            select(OutboxMessage.kind).where(
                OutboxMessage.registration_id == door["ids"]["waiting"]
            )
        ).all()
        assert kinds == ["walk_in"]
    # A second tap (or another door): "already", nothing more.
    again = client.post(
        f"/door/{tonight}/admit", data={"csrf_token": token, "code": door["codes"]["waiting"]},
        headers=json,
    ).get_json()  # fmt: skip
    assert again["answer"]["tone"] == "warn" and "Already checked in" in again["answer"]["title"]


@pytest.mark.parametrize("who", ["next_month", "nobody"])
def test_letting_in_anyway_only_works_for_this_evening(app, client, door, who):
    token = _door_token(client, door)
    code = door["codes"].get(who, "ZZZZ-ZZZZ-ZZZZ")
    answer = client.post(
        f"/door/{door['tonight']}/admit", data={"csrf_token": token, "code": code},
        headers={"Accept": "application/json"},
    ).get_json()["answer"]  # fmt: skip
    assert (answer["tone"], answer["title"]) == ("stop", "Unknown code")
    with app.app_context():
        later = db.session.get(Registration, door["ids"]["next_month"])
        assert later.checked_in_at is None


def test_a_door_volunteer_early_is_told_when_the_door_opens(client, door):
    log_in(client, door["volunteer"])
    page = client.get(f"/door/{door['later']}")  # in 30 days
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and "Its door opens to volunteers on" in html
    assert "Plustard" not in html  # nobody of that evening shown


def test_nobody_is_let_in_anyway_once_the_evening_is_over(app, client, make, door):
    """Organisers open any evening's door; a seat is only given while the evening is on."""
    with app.app_context():
        series = _event(door["tonight"]).series.slug
    past = make.event(series, starts_at=utcnow() - timedelta(days=3))
    waiting = make.registration(past, status="waitlisted", first_name="Tardive")
    with app.app_context():
        code = db.session.get(Registration, waiting).ticket_code
    log_in(client, door["organiser"])
    token = csrf_from(client.get(f"/door/{past}").get_data(as_text=True))
    answer = client.post(
        f"/door/{past}/admit", data={"csrf_token": token, "code": code},
        headers={"Accept": "application/json"},
    ).get_json()["answer"]  # fmt: skip
    assert answer["tone"] == "stop" and "Only while the evening is on" in answer["title"]
    with app.app_context():
        assert db.session.get(Registration, waiting).status is RegistrationStatus.WAITLISTED


@pytest.mark.parametrize(
    ("language", "welcome", "booked"),
    [
        ("en", "Welcome to this evening: you are in.", "Your seat is booked"),
        ("fr", "Bienvenue à cette soirée\u00a0: vous êtes entré·e.", "Votre place est réservée"),
    ],
)
def test_a_walk_in_is_invited_to_complete_their_card(app, client, door, language, welcome, booked):
    """Already in the room: no "your seat is booked", no ticket to show; their personal link,
    to complete their card, in their language."""
    token = _door_token(client, door)
    client.post(
        f"/door/{door['tonight']}/walk-in",
        data={"csrf_token": token, "first_name": "Yasmine", "last_name": "Haddad",
              "email": "yasmine@example.org", "door": "Porte 1"},
        headers={"Accept-Language": language},
    )  # fmt: skip
    (message,) = outbox(app, "walk_in")
    text = text_of(message)
    assert message["Content-Language"] == language
    assert welcome in text and booked not in text
    assert re.search(r"http://localhost/r/[A-Za-z0-9_-]{40,}", text)
    assert not [p for p in message.walk() if p.get_content_type() in ("image/png", "text/calendar")]
    html = message.get_body(("html",)).get_content()
    assert ("Complete my card" if language == "en" else "Compléter ma fiche") in html


def test_a_rehearsal_check_in_days_ahead_can_be_undone(app, client, make):
    """The phone walk-through: a volunteer rehearsed 11 days before the evening (its door
    screen opens two weeks ahead), checked someone in, and Undo answered "unknown code".
    Undo now works for as long as the check-in itself is allowed."""
    volunteer = make.user("door")
    series = make.series(team=(volunteer,))
    ahead = make.event(series, starts_at=utcnow() + timedelta(days=11))
    person = make.registration(ahead, first_name="Rémi", last_name="Répétition")
    with app.app_context():
        code = db.session.get(Registration, person).ticket_code
    log_in(client, volunteer)
    token = csrf_from(client.get(f"/door/{ahead}").get_data(as_text=True))
    headers = {"Accept": "application/json"}
    scanned = client.post(
        f"/door/{ahead}/scan", data={"code": code, "csrf_token": token}, headers=headers
    )
    assert scanned.get_json()["answer"]["tone"] == "ok"
    undone = client.post(
        f"/door/{ahead}/undo", data={"code": code, "csrf_token": token}, headers=headers
    )
    assert undone.status_code == 200
    assert undone.get_json()["counts"]["checked_in"] == 0
    with app.app_context():
        assert db.session.get(Registration, person).checked_in_at is None
        # Past the door window (a volunteer's), the evening's attendance is not theirs.
        user, event = _user(volunteer), _event(ahead)
        services.check_in(code, user, event=event)
        later = utcnow() + timedelta(days=12, hours=13)
        with mock.patch("meetup.checkin.services.utcnow", return_value=later):
            assert services.undo(code, user, event=event)[0] is Undo.UNKNOWN
