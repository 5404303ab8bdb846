"""Tables by neighbourhood through the app: the organiser seats the evening's people, moves
one by hand; the attendee's page says their table."""

from __future__ import annotations

import re
import subprocess
from collections import Counter

import pytest
from sqlalchemy import select

from meetup.badges import services as badge_services
from meetup.badges.layouts import LAYOUTS
from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations import services as registration_services
from meetup.registrations.models import Registration
from tests.helpers import log_in, post_form

#: Two neighbourhoods of Vienne about 1.5 km apart.
WEST, EAST = (45.5250, 4.8700), (45.5250, 4.8900)


@pytest.fixture
def evening(app, make, client):
    organiser, outsider = make.user("organiser"), make.user("organiser")
    series = make.series(team=(organiser,))
    make.series(team=(outsider,))
    event = make.event(series)
    ids = {"west": [], "east": [], "nowhere": []}
    for n in range(6):
        for side, (lat, lon) in (("west", WEST), ("east", EAST)):
            ids[side].append(
                make.registration(
                    event,
                    last_name=f"{side.title()} {n}",
                    street=f"{n + 1} rue {side}",
                    postcode="38200",
                    city="Vienne",
                    latitude=lat + n * 0.0003,
                    longitude=lon,
                )
            )
    for n in range(2):
        ids["nowhere"].append(make.registration(event, last_name=f"Nowhere {n}"))
    ids["cancelled"] = make.registration(event, status="cancelled", last_name="Gone")
    ids["waitlisted"] = make.registration(event, status="waitlisted", last_name="Waiting")
    log_in(client, organiser)
    return {"event": event, "organiser": organiser, "outsider": outsider, "ids": ids}


def _tables(app, ids) -> dict[int, int | None]:
    with app.app_context():
        return {i: db.session.get(Registration, i).table_number for i in ids}


def test_seating_through_the_route_is_stored_balanced_and_by_neighbourhood(app, client, evening):
    url = f"/admin/events/{evening['event']}/tables"
    ids = evening["ids"]
    with app.app_context():  # the offices are placed for neighbour lists (the seating's input)
        assert db.session.get(Registration, ids["west"][0]).is_near_located
    response = post_form(client, url, {"tables": "2"}, follow_redirects=True)
    assert response.status_code == 200
    assert "14 people seated at 2 tables by neighbourhood." in response.get_data(as_text=True)
    seated = _tables(app, ids["west"] + ids["east"] + ids["nowhere"])
    assert Counter(seated.values()) == {1: 7, 2: 7}
    # Each neighbourhood at one table (six located a side, one person without an office each).
    assert len({seated[i] for i in ids["west"]}) == 1
    assert len({seated[i] for i in ids["east"]}) == 1
    assert {seated[i] for i in ids["nowhere"]} == {1, 2}
    # Only people who are coming.
    assert _tables(app, [ids["cancelled"], ids["waitlisted"]]) == {
        ids["cancelled"]: None,
        ids["waitlisted"]: None,
    }
    # The page lists them by table, with names and streets.
    html = client.get(url).get_data(as_text=True)
    west_table = seated[ids["west"][0]]
    section = html.split(f'id="table-{west_table}"')[1].split("</section>")[0]
    assert "West 0" in section and "1 rue west" in section and "East 0" not in section
    # Re-running reassigns: four tables, sizes 4 4 3 3.
    post_form(client, url, {"tables": "4"})
    assert sorted(
        Counter(_tables(app, ids["west"] + ids["east"] + ids["nowhere"]).values()).values()
    ) == [3, 3, 4, 4]


def test_an_organiser_moves_someone_by_hand(app, client, evening):
    url = f"/admin/events/{evening['event']}/tables"
    post_form(client, url, {"tables": "3"})
    person = evening["ids"]["west"][0]
    before = _tables(app, [person])[person]
    target = 3 if before != 3 else 1
    response = post_form(client, f"{url}/{person}", {f"r{person}-table": str(target)}, page=url)
    assert response.status_code == 302
    assert _tables(app, [person])[person] == target
    # A table the evening does not have: a clear message, nothing changed, no 500.
    response = post_form(client, f"{url}/{person}", {f"r{person}-table": "9"}, page=url)
    assert response.status_code == 422
    assert "Choose one of the evening" in response.get_data(as_text=True)
    response = post_form(client, f"{url}/{person}", {f"r{person}-table": "x"}, page=url)
    assert response.status_code == 422
    assert _tables(app, [person])[person] == target
    # Someone cancelled has no seat to move.
    gone = evening["ids"]["cancelled"]
    response = post_form(client, f"{url}/{gone}", {f"r{gone}-table": "1"}, page=url)
    assert response.status_code == 422
    assert _tables(app, [gone])[gone] is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [("0", "Between 1 and 200 tables."), ("1000", "Between 1 and 200 tables."),
     ("", "Say how many tables the room has."), ("three", "Not a valid integer value")],
)  # fmt: skip
def test_a_wrong_number_of_tables_is_refused_clearly(app, client, evening, typed, message):
    url = f"/admin/events/{evening['event']}/tables"
    response = post_form(client, url, {"tables": typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert re.search(r'name="tables"[^>]*value="' + re.escape(typed) + '"', html) or not typed
    assert set(_tables(app, evening["ids"]["west"]).values()) == {None}


def test_a_registration_of_another_evening_is_not_found(app, client, make, evening):
    other_event = make.event(make.series(team=(evening["organiser"],)))
    foreign = make.registration(other_event)
    url = f"/admin/events/{evening['event']}/tables"
    post_form(client, url, {"tables": "2"})
    response = post_form(client, f"{url}/{foreign}", {f"r{foreign}-table": "1"}, page=url)
    assert response.status_code == 404
    assert _tables(app, [foreign])[foreign] is None


def test_an_organiser_of_another_series_can_neither_see_nor_seat(app, evening):
    other = app.test_client()
    log_in(other, evening["outsider"])
    url = f"/admin/events/{evening['event']}/tables"
    assert other.get(url).status_code == 403
    assert post_form(other, url, {"tables": "2"}, page="/admin/").status_code == 403
    assert set(_tables(app, evening["ids"]["west"]).values()) == {None}


def test_the_personal_page_says_the_table_in_french_and_english(app, client, make):
    organiser = make.user("organiser")
    event = make.event(make.series(team=(organiser,)))
    french = make.registration(event, token="seated-token-0123456789abcdefghijkl")
    english = make.registration(event, token="seated-token-english-0123456789abc")
    log_in(client, organiser)
    visitor = app.test_client()
    page = visitor.get("/r/seated-token-0123456789abcdefghijkl").get_data(as_text=True)
    assert "Votre table" not in page
    post_form(client, f"/admin/events/{event}/tables", {"tables": "2"})
    numbers = _tables(app, [french, english])
    assert sorted(numbers.values()) == [1, 2]
    page = visitor.get("/r/seated-token-0123456789abcdefghijkl").get_data(as_text=True)
    assert f"Votre table\u00a0: {numbers[french]}" in page
    english_phone = app.test_client()
    english_phone.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = english_phone.get("/r/seated-token-english-0123456789abc").get_data(as_text=True)
    assert f"Your table: {numbers[english]}" in page
    # Once cancelled, no table any more.
    with app.app_context():
        registration_services.cancel(db.session.get(Registration, english))
    page = english_phone.get("/r/seated-token-english-0123456789abc").get_data(as_text=True)
    assert "Your table" not in page


def test_the_table_is_printed_and_only_changed_badges_are_to_reprint(app, client, evening):
    url = f"/admin/events/{evening['event']}/tables"
    everyone = evening["ids"]["west"] + evening["ids"]["east"] + evening["ids"]["nowhere"]
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == evening["event"]))
        rows = [db.session.get(Registration, i) for i in everyone]
        badge_services.badges_pdf(event, rows, LAYOUTS["single-a6"], mark_printed=True)
        assert badge_services.out_of_date(event, rows) == set()
    post_form(client, url, {"tables": "2"})
    with app.app_context():  # seated: every badge now says a table, so all are to print
        event = db.session.scalar(select(Event).where(Event.slug == evening["event"]))
        rows = [db.session.get(Registration, i) for i in everyone]
        assert badge_services.out_of_date(event, rows) == set(everyone)
        mover = rows[0]
        pdf = badge_services.badges_pdf(event, [mover], LAYOUTS["single-a6"], mark_printed=True)
        assert f"Table {mover.table_number}" in _pdf_text(pdf)
        badge_services.badges_pdf(event, rows, LAYOUTS["single-a6"], mark_printed=True)
        before = mover.table_number
    target = 2 if before == 1 else 1
    post_form(client, f"{url}/{mover.id}", {f"r{mover.id}-table": str(target)}, page=url)
    with app.app_context():  # moved by hand: that one badge only
        event = db.session.scalar(select(Event).where(Event.slug == evening["event"]))
        rows = [db.session.get(Registration, i) for i in everyone]
        assert badge_services.out_of_date(event, rows) == {mover.id}
    post_form(client, url, {"tables": "2"})  # seated again: back to the printed table
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == evening["event"]))
        rows = [db.session.get(Registration, i) for i in everyone]
        assert db.session.get(Registration, mover.id).table_number == before
        assert badge_services.out_of_date(event, rows) == set()


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
