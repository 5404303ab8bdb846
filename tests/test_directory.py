"""The directory's journeys: it opens (by hand, by the API, by itself) and everyone who came
gets their link with their neighbour count; neighbours nearest first; filters; introductions;
pins; organisers fixing addresses; new neighbours told to the community."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from meetup.auth.models import TeamMember, TeamRole
from meetup.directory import services
from meetup.directory.models import Introduction, IntroductionStatus
from meetup.extensions import db
from meetup.registrations.models import LocationStatus, Registration
from meetup.timeutil import utcnow
from tests.helpers import (
    as_email,
    came,
    csrf_from,
    find_event,
    log_in,
    plain_text,
    post_form,
    queued,
)


@pytest.fixture
def evening(make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    past = (utcnow() - timedelta(days=1)).replace(microsecond=0)
    event = make.event(series, starts_at=past)
    return organiser, series, event


# -- opening and the emails ------------------------------------------------------------------


def test_opening_emails_everyone_who_came_their_link_and_neighbour_count(app, make, evening):
    _organiser, _series, event = evening
    came(make, event, "Alice", 0, language="en")
    came(make, event, "Bruno", 120)
    came(make, event, "Chloe", 250, visibility="community")
    came(make, event, "Denis", 290, visibility="nobody")  # not counted: not shown
    came(make, event, "Emma", 2000)
    make.registration(event, first_name="Absent", email="absent@example.org")
    with app.app_context():
        announcement = services.open_directory(find_event(event))
        assert announcement.told == 5
        sent = {m.recipient: m for m in queued("directory_open")}
        assert set(sent) == {
            f"{n}@example.org" for n in ("alice", "bruno", "chloe", "denis", "emma")
        }
        subjects = {r: str(as_email(m)["Subject"]) for r, m in sent.items()}
        assert subjects["alice@example.org"] == "2 people who came tonight work within 300 m of you"
        # Denis counts Alice, Bruno and Chloe (in French, his language).
        assert subjects["denis@example.org"].startswith("3 personnes")
        assert subjects["emma@example.org"].startswith("Qui est venu")  # nobody near
        body = plain_text(sent["alice@example.org"])
        assert "http://localhost/d/" in body
        # Opening again sends nothing more.
        services.close_directory(find_event(event))
        assert services.open_directory(find_event(event)) is None
        assert len(queued("directory_open")) == 5


def test_the_directory_link_opens_the_directory_in_that_browser(app, client, make, evening):
    _organiser, _series, event = evening
    came(make, event, "Alice", 0, language="en")
    came(make, event, "Bruno", 100)
    with app.app_context():
        services.open_directory(find_event(event))
        (alice_message,) = [
            m for m in queued("directory_open") if m.recipient == "alice@example.org"
        ]
        body = plain_text(alice_message)
    link = next(word for word in body.split() if "/d/" in word).replace("http://localhost", "")
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/events/{event}/directory"
    assert response.headers["Referrer-Policy"] == "strict-origin"
    html = client.get(f"/events/{event}/directory").get_data(as_text=True)
    assert "Your neighbours" in html and "Bruno Test" in html
    assert client.get("/d/not-a-token").status_code == 404


def test_a_directory_with_nobody_else_says_so(app, client, make, evening):
    """Alone in it (nobody else came, or nobody else chose to be seen): no empty map, no
    filters, no 'nobody matches these filters' nor a button to save zero contacts."""
    _organiser, _series, event = evening
    came(make, event, "Alice", 0, language="en")
    came(make, event, "Hidden", 50, visibility="nobody")
    with app.app_context():
        services.open_directory(find_event(event))
        (message,) = [m for m in queued("directory_open") if m.recipient == "alice@example.org"]
        body = plain_text(message)
    client.get(next(word for word in body.split() if "/d/" in word).replace("http://localhost", ""))
    html = client.get(f"/events/{event}/directory").text
    assert "Nobody else is listed here yet" in html
    assert 'id="directory-map"' not in html and "Nobody matches these filters" not in html
    assert "vCard" not in html


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_only_a_published_evening_s_directory_opens(app, client, runner, make, status):
    """A draft's or a cancelled evening's directory never shows: opening it would email
    everyone who came a link to nothing. Refused everywhere, with a reason."""
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    event = make.event(series, status=status, starts_at=utcnow() - timedelta(days=1))
    came(make, event, "Alice", 0)
    log_in(client, organiser)
    page = f"/admin/events/{event}/directory"
    html = client.get(page).text
    assert "Publish the evening first" in html and "Open the directory now" not in html
    response = post_form(client, f"{page}/open", {}, page=page)
    assert response.status_code == 302
    assert "Publish the evening first" in client.get(page).text  # the flash
    result = runner.invoke(args=["directory", "open", event])
    assert result.exit_code != 0 and "not published" in result.output
    token = {"Authorization": f"Bearer {make.api_token(organiser)}"}
    answer = client.patch(f"/api/v1/events/{event}", json={"directory_open": True}, headers=token)
    assert answer.status_code == 422 and "directory_open" in answer.get_json()["error"]["fields"]
    with app.app_context():
        assert find_event(event).directory_announced_at is None
        assert queued("directory_open") == []


def test_the_api_opens_and_closes_the_directory(app, client, make, evening):
    organiser, _series, event = evening
    came(make, event, "Alice", 0)
    token = make.api_token(organiser)
    headers = {"Authorization": f"Bearer {token}"}
    response = client.patch(
        f"/api/v1/events/{event}", json={"directory_open": True}, headers=headers
    )
    assert response.status_code == 200 and response.get_json()["directory_open"] is True
    with app.app_context():
        assert len(queued("directory_open")) == 1
    response = client.patch(
        f"/api/v1/events/{event}", json={"directory_open": "yes"}, headers=headers
    )
    assert response.status_code == 422
    assert "directory_open" in response.get_json()["error"]["fields"]
    response = client.patch(
        f"/api/v1/events/{event}", json={"directory_open": False}, headers=headers
    )
    assert response.get_json()["directory_open"] is False


def test_a_door_token_cannot_open_a_directory(app, client, make, evening):
    _organiser, series, event = evening
    door = make.user("door")
    with app.app_context():
        from meetup.auth.models import User
        from meetup.events.models import Series

        s = db.session.scalar(select(Series).where(Series.slug == series))
        s.memberships.append(
            TeamMember(
                user=db.session.scalar(select(User).where(User.email == door)), role=TeamRole.DOOR
            )
        )
        db.session.commit()
    token = make.api_token(door)
    response = client.patch(
        f"/api/v1/events/{event}",
        json={"directory_open": True},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403
    with app.app_context():
        assert find_event(event).directory_opened_at is None


def test_the_directory_opens_by_itself_after_the_series_delay(app, make):
    series = make.series(directory_delay_hours=12)
    ends = (utcnow() - timedelta(hours=13)).replace(microsecond=0)
    due = make.event(series, starts_at=ends - timedelta(hours=2), ends_at=ends)
    later = make.event(
        series, starts_at=utcnow() - timedelta(hours=3), ends_at=utcnow() - timedelta(hours=1)
    )
    long_ago = make.event(series, starts_at=utcnow() - timedelta(days=60))
    by_hand = make.event(
        make.series(directory_delay_hours=None), starts_at=ends - timedelta(hours=2), ends_at=ends
    )
    with app.app_context():
        from meetup import jobs

        said = jobs.run_all()
        assert "directories: opened 1 evening directories" in said
        assert find_event(due).directory_opened_at is not None
        for slug in (later, long_ago, by_hand):
            assert find_event(slug).directory_opened_at is None
        assert jobs.run_all() == []  # idempotent


# -- the page ----------------------------------------------------------------------------------


def test_neighbours_nearest_first_next_door_walking_time(app, client, make, evening):
    _organiser, series, event = evening
    came(make, event, "Alice", 0)
    came(make, event, "Far", 310, share_address=True)
    came(make, event, "Near", 150, share_address=True)
    came(make, event, "Building", 10, share_address=True)
    came(make, event, "Rounded", 12)  # next door too, but keeps their exact place
    came(make, event, "Unplaced")
    with app.app_context():
        services.open_directory(find_event(event))
    client.get("/r/token-Alice-0123456789abcdef")
    html = client.get(f"/events/{event}/directory").get_data(as_text=True)
    section = html.split('id="neighbours-title"')[1].split('id="map-title"')[0]
    assert section.index("Building Test") < section.index("Near Test")
    assert "Far Test" not in section and "Unplaced Test" not in section
    assert "Next door" in section and "≈ 150 m away" in section
    assert "3 min walk" in section  # 150 m × 1.3 at 5 km/h, rounded up
    assert "3 people work within 300 m" in section
    # Someone who keeps their exact place: in the list by their real distance (exact lists),
    # shown to 50 m, never "next door" (what is shown must not tell more than the map).
    rounded = section.split("Rounded Test")[1].split("</article>")[0]
    assert "Next door" not in rounded
    metres = int(re.search(r"≈ (\d+) m away", rounded).group(1))
    assert metres % 50 == 0
    # The radius is the series'.
    with app.app_context():
        from meetup.events.models import Series

        db.session.scalar(select(Series).where(Series.slug == series)).neighbour_radius_m = 400
        db.session.commit()
    section = (
        client.get(f"/events/{event}/directory").get_data(as_text=True).split('id="map-title"')[0]
    )
    assert "Far Test" in section


def test_filters_by_sector_and_by_what_i_am_looking_for(app, client, make, evening):
    _organiser, _series, event = evening
    came(make, event, "Alice", 0, looking_for="Je cherche un expert-comptable")
    came(make, event, "Compta", sector="finance", help_with="Comptabilité, paie")
    came(make, event, "Avocat", sector="legal", help_with="Droit des sociétés")
    came(make, event, "Web", sector="digital", help_with="Sites internet")
    with app.app_context():
        services.open_directory(find_event(event))
    client.get("/r/token-Alice-0123456789abcdef")

    def everyone(query: str) -> str:
        html = client.get(f"/events/{event}/directory?{query}").get_data(as_text=True)
        return html.split('id="everyone-title"')[1]

    listed = everyone("")
    assert all(n in listed for n in ("Compta Test", "Avocat Test", "Web Test"))
    only = everyone("offers=y")
    assert "Compta Test" in only and "Avocat Test" not in only and "Web Test" not in only
    legal = everyone("sector=legal")
    assert "Avocat Test" in legal and "Compta Test" not in legal
    # Nonsense in the query string is ignored, not an error.
    assert (
        client.get(f"/events/{event}/directory?sector=nonsense&page=-4&offers=zz").status_code
        == 200
    )


def test_an_attendee_without_a_pin_is_told_how_to_add_one(app, client, make, evening):
    _organiser, _series, event = evening
    came(make, event, "Alice")
    with app.app_context():
        services.open_directory(find_event(event))
    client.get("/r/token-Alice-0123456789abcdef")
    html = client.get(f"/events/{event}/directory").get_data(as_text=True)
    assert "Your office is not on the map yet" in html


# -- introductions -----------------------------------------------------------------------------


def _alice_sees_bruno(app, client, make, event) -> int:
    """Alice and Bruno came, the directory is open, and this browser is Alice's. Bruno's id."""
    came(make, event, "Alice", 0)
    bruno, _ = came(make, event, "Bruno", 50, accept_introductions=True)
    with app.app_context():
        services.open_directory(find_event(event))
    client.get("/r/token-Alice-0123456789abcdef")
    return bruno


def _introduce(client, event, recipient_id):
    page = client.get(f"/events/{event}/directory").get_data(as_text=True)
    return client.post(
        f"/events/{event}/directory/{recipient_id}/introduce",
        data={"csrf_token": csrf_from(page)},
    )


def test_an_introduction_reveals_nothing_until_accepted(app, client, make, evening):
    _organiser, _series, event = evening
    _alice, _ = came(make, event, "Alice", 0, phone="+33 6 00 00 00 01", accept_introductions=True)
    bruno, _ = came(
        make,
        event,
        "Bruno",
        50,
        phone="+33 6 00 00 00 02",
        share_phone=True,
        accept_introductions=True,
        language="en",
    )
    with app.app_context():
        services.open_directory(find_event(event))
    client.get("/r/token-Alice-0123456789abcdef")
    assert _introduce(client, event, bruno).status_code == 302
    assert _introduce(client, event, bruno).status_code == 302  # twice: one request
    with app.app_context():
        (request,) = queued("introduction_request")
        assert request.recipient == "bruno@example.org"
        text = plain_text(request)
        assert "Alice Test would like to meet you" in text
        html_part = as_email(request).get_body(("html",)).get_content()
        assert "alice@example.org" not in text and "alice@example.org" not in html_part
        assert "+33 6 00 00 00 01" not in text
        link = next(w for w in text.split() if "/introductions/" in w).replace(
            "http://localhost", ""
        )
    html = client.get(f"/events/{event}/directory").get_data(as_text=True)
    assert "Introduction asked" in html
    # Bruno answers from his email, in another browser.
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = other.get(link)
    assert page.status_code == 200 and b"Alice Test" in page.data
    token = csrf_from(page.get_data(as_text=True))
    other.post(link, data={"csrf_token": token, "answer": "accept"})
    with app.app_context():
        made = {m.recipient: plain_text(m) for m in queued("introduction_made")}
        # A reply goes to the other person (both accepted), not to the organisers.
        reply_to = {m.recipient: as_email(m)["Reply-To"] for m in queued("introduction_made")}
        assert reply_to == {
            "alice@example.org": "Bruno Test <bruno@example.org>",
            "bruno@example.org": "Alice Test <alice@example.org>",
        }
        assert "bruno@example.org" in made["alice@example.org"]
        assert "+33 6 00 00 00 02" in made["alice@example.org"]  # Bruno shares his phone
        assert "alice@example.org" in made["bruno@example.org"]
        assert "+33 6 00 00 00 01" not in made["bruno@example.org"]  # Alice does not
        assert db.session.scalars(select(Introduction)).one().status is IntroductionStatus.ACCEPTED
    # Alice's card of Bruno now says they were introduced.
    html = client.get(f"/events/{event}/directory").get_data(as_text=True)
    assert "Introduced: their contact is in your emails" in _card(html, f"person-{bruno}")
    # Answering again changes nothing (the page no longer offers it).
    assert b"Accepted" in other.get(link).data
    other.post(link, data={"csrf_token": token, "answer": "decline"})
    with app.app_context():
        assert db.session.scalars(select(Introduction)).one().status is IntroductionStatus.ACCEPTED


def test_a_declined_introduction_tells_nobody(app, client, make, evening):
    _organiser, _series, event = evening
    bruno = _alice_sees_bruno(app, client, make, event)
    _introduce(client, event, bruno)
    with app.app_context():
        link = next(
            w
            for w in plain_text(queued("introduction_request")[0]).split()
            if "/introductions/" in w
        ).replace("http://localhost", "")
    other = app.test_client()
    page = other.get(link).get_data(as_text=True)
    other.post(link, data={"csrf_token": csrf_from(page), "answer": "decline"})
    with app.app_context():
        assert queued("introduction_made") == []
    assert "Introduction asked" in client.get(f"/events/{event}/directory").get_data(as_text=True)


def _card(html: str, card_id: str) -> str:
    start = html.index(f'id="{card_id}"')
    return html[start : html.index("</article>", start)]


def test_the_answer_to_introduce_us_is_said_in_the_card_the_page_opens_at(
    app, client, make, evening
):
    """The page comes back at the card's anchor: the answer is there (once), not in a flash
    at the top of a long page nobody sees."""
    _organiser, _series, event = evening
    bruno = _alice_sees_bruno(app, client, make, event)
    response = _introduce(client, event, bruno)
    assert response.headers["Location"].endswith(f"#person-{bruno}-answer")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    card = _card(html, f"person-{bruno}")
    assert "Asked. Bruno gets an email" in card and f'id="person-{bruno}-answer"' in card
    assert html.count("Asked. Bruno gets an email") == 1  # in that card only
    assert 'class="flash' not in html.split("<main", 1)[1].split(card, 1)[0]  # none above
    again = client.get(f"/events/{event}/directory").get_data(as_text=True)
    assert "Asked. Bruno" not in again and "Introduction asked" in _card(again, f"person-{bruno}")


def test_introduce_us_from_a_pins_card_page_comes_back_to_that_card(app, client, make, evening):
    """The map's popup leads to the card's own page and its "Introduce us"; the answer is
    said there."""
    _organiser, _series, event = evening
    bruno = _alice_sees_bruno(app, client, make, event)
    markers = client.get(f"/events/{event}/directory/map.json").get_json()["markers"]
    (marker,) = [m for m in markers if m["name"] == "Bruno Test"]
    assert marker["introduce"] == f"/events/{event}/directory/{bruno}#card-{bruno}-introduce"
    page = client.get(marker["card"]).get_data(as_text=True)
    assert f'id="card-{bruno}-introduce"' in page and "Bruno Test" in page
    assert "≈ 50 m away" in page  # as in the list
    response = client.post(
        f"/events/{event}/directory/{bruno}/introduce",
        data={"csrf_token": csrf_from(page), "back_to": "card"},
    )
    assert response.headers["Location"] == f"/events/{event}/directory/{bruno}#card-{bruno}-answer"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Asked. Bruno gets an email" in html and f'id="card-{bruno}-answer"' in html
    (me,) = [m for m in markers if m["me"]]
    assert "card" not in me and "introduce" not in me


def test_introduce_us_from_page_two_of_a_filtered_list_comes_back_there(app, client, make, evening):
    """The answer is on the page the card was on: the list's page and filters go along."""
    _organiser, _series, event = evening
    came(make, event, "Alice", 0)
    for n in range(30):  # sorted by name: the Z… are on page 2
        came(make, event, f"Zed{n:02d}", sector="craft", accept_introductions=True)
    with app.app_context():
        services.open_directory(find_event(event))
        zed = db.session.scalar(select(Registration.id).where(Registration.first_name == "Zed29"))
    client.get("/r/token-Alice-0123456789abcdef")
    listing = f"/events/{event}/directory?sector=craft&page=2"
    page = client.get(listing).get_data(as_text=True)
    assert f'id="person-{zed}"' in page
    response = client.post(
        f"/events/{event}/directory/{zed}/introduce",
        data={"csrf_token": csrf_from(page), "back_to": "person", "sector": "craft", "page": "2"},
    )
    assert response.headers["Location"] == f"{listing}#person-{zed}-answer"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Asked. Zed29 gets an email" in _card(html, f"person-{zed}")


def test_an_answer_whose_card_is_not_on_the_page_is_said_at_the_top(app, client, make, evening):
    _organiser, _series, event = evening
    came(make, event, "Alice", 0)
    for n in range(30):
        came(make, event, f"Zed{n:02d}", accept_introductions=True)
    with app.app_context():
        services.open_directory(find_event(event))
        zed = db.session.scalar(select(Registration.id).where(Registration.first_name == "Zed29"))
    client.get("/r/token-Alice-0123456789abcdef")
    page = client.get(f"/events/{event}/directory?page=2").get_data(as_text=True)
    response = client.post(  # an old page without the list's page number: back to page 1
        f"/events/{event}/directory/{zed}/introduce", data={"csrf_token": csrf_from(page)}
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'id="person-{zed}"' not in html
    top = html.split("<main", 1)[1]
    assert 'class="flash flash-success"' in top and "Asked. Zed29 gets an email" in top
    assert "Asked. Zed29" not in client.get(f"/events/{event}/directory?page=2").get_data(
        as_text=True
    )  # said once


def test_a_refused_introduction_is_said_in_its_card(app, client, make, evening):
    _organiser, _series, event = evening
    bruno = _alice_sees_bruno(app, client, make, event)
    page = client.get(f"/events/{event}/directory").get_data(as_text=True)
    with app.app_context():  # Bruno stops accepting while Alice reads the page
        db.session.get(Registration, bruno).accept_introductions = False
        db.session.commit()
    response = client.post(
        f"/events/{event}/directory/{bruno}/introduce",
        data={"csrf_token": csrf_from(page), "back_to": "person"},
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be asked for" in _card(html, f"person-{bruno}")
    assert 'role="alert"' in _card(html, f"person-{bruno}")


@pytest.mark.parametrize("case", ["not_accepting", "not_listed", "self", "anonymous"])
def test_introductions_that_cannot_be_asked(app, client, make, evening, case):
    _organiser, _series, event = evening
    alice, _ = came(make, event, "Alice", 0, accept_introductions=True)
    target = {
        "not_accepting": came(make, event, "Bruno", 50, accept_introductions=False)[0],
        "not_listed": came(
            make, event, "Chloe", 50, visibility="nobody", accept_introductions=True
        )[0],
        "self": alice,
        "anonymous": came(make, event, "Denis", 50, accept_introductions=True)[0],
    }[case]
    with app.app_context():
        services.open_directory(find_event(event))
    if case == "anonymous":
        page = client.get("/login").get_data(as_text=True)
        response = client.post(
            f"/events/{event}/directory/{target}/introduce", data={"csrf_token": csrf_from(page)}
        )
        assert response.status_code == 403
    else:
        client.get("/r/token-Alice-0123456789abcdef")
        response = _introduce(client, event, target)
        assert response.status_code in (302, 404)
    with app.app_context():
        assert queued("introduction_request") == []


# -- pins and addresses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read"), [(("45.52", "4.87"), (45.52, 4.87)), ((" 45,52 ", "4,87"), (45.52, 4.87))]
)  # French
def test_the_attendee_places_their_pin_from_the_personal_page(
    app, client, make, evening, typed, read
):
    _organiser, _series, event = evening
    rid, token = came(make, event, "Alice", street="Lieu-dit introuvable", city="Vienne")
    page = client.get(f"/r/{token}")
    html = page.get_data(as_text=True)
    assert 'id="office-map"' in html and "could not find" not in html  # pending: looking it up
    response = client.post(
        f"/r/{token}/pin",
        data={"csrf_token": csrf_from(html), "latitude": typed[0], "longitude": typed[1]},
    )
    assert response.status_code == 302
    with app.app_context():
        registration = db.session.get(Registration, rid)
        assert (registration.latitude, registration.longitude) == read
        assert registration.location_status is LocationStatus.PLACED


@pytest.mark.parametrize(
    "latitude,longitude", [("", ""), ("91", "4.8"), ("45", "181"), ("abc", "4"), ("nan", "4")]
)
def test_a_bad_pin_is_refused_with_a_message(app, client, make, evening, latitude, longitude):
    _organiser, _series, event = evening
    rid, token = came(make, event, "Alice", street="1 rue Marchande", city="Vienne")
    html = client.get(f"/r/{token}").get_data(as_text=True)
    response = client.post(
        f"/r/{token}/pin",
        data={"csrf_token": csrf_from(html), "latitude": latitude, "longitude": longitude},
    )
    # The personal page again, the message beside the field, what was typed still there.
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="field-error"' in page and 'id="office-map"' in page
    if latitude:
        assert f'value="{latitude}"' in page
    with app.app_context():
        assert db.session.get(Registration, rid).location_status is LocationStatus.PENDING


def test_pins_need_the_personal_link(client):
    assert client.post(
        "/r/not-a-token/pin", data={"latitude": "1", "longitude": "1"}
    ).status_code in (
        400,
        404,
    )


def test_organisers_see_unplaced_addresses_and_fix_them(app, client, make, evening):
    organiser, _series, event = evening
    rid, _ = came(make, event, "Alice", street="1 rue Inconnue", city="Vienne")
    other, _ = came(make, event, "Bruno", street="2 rue Inconnue", city="Vienne")
    with app.app_context():
        db.session.get(Registration, other).location_status = LocationStatus.NOT_FOUND
        db.session.commit()
    log_in(client, organiser)
    page = client.get(f"/admin/events/{event}/directory")
    html = page.get_data(as_text=True)
    assert "Alice Test" in html and "Bruno Test" in html and "not found" in html
    # Half a pin: refused, what was typed comes back.
    response = client.post(
        f"/admin/events/{event}/directory/addresses/{rid}",
        data={
            "csrf_token": csrf_from(html),
            f"r{rid}-street": "5 rue Corrigée",
            f"r{rid}-postcode": "38200",
            f"r{rid}-city": "Vienne",
            f"r{rid}-latitude": "45.5",
        },
    )
    assert response.status_code == 422
    assert (
        b"5 rue Corrig" in response.data and b"both the latitude and the longitude" in response.data
    )
    response = post_form(
        client,
        f"/admin/events/{event}/directory/addresses/{other}",
        {f"r{other}-latitude": "45.51", f"r{other}-longitude": "4.88"},
        page=f"/admin/events/{event}/directory",
    )
    assert response.status_code == 302
    response = post_form(
        client,
        f"/admin/events/{event}/directory/addresses/{rid}",
        {
            f"r{rid}-street": "12 rue Marchande",
            f"r{rid}-postcode": "38200",
            f"r{rid}-city": "Vienne",
        },
        page=f"/admin/events/{event}/directory",
    )
    with app.app_context():
        fixed = db.session.get(Registration, rid)
        assert (fixed.street, fixed.location_status) == ("12 rue Marchande", LocationStatus.PENDING)
        assert db.session.get(Registration, other).location_status is LocationStatus.PLACED


def test_organisers_open_the_directory_from_the_admin(app, client, make, evening):
    organiser, _series, event = evening
    came(make, event, "Alice", 0)
    log_in(client, organiser)
    response = post_form(
        client, f"/admin/events/{event}/directory/open", {}, page=f"/admin/events/{event}/directory"
    )
    assert response.status_code == 302
    html = client.get(f"/admin/events/{event}/directory").get_data(as_text=True)
    assert "The directory is open. 1 person who came gets their link by email." in html
    with app.app_context():
        assert len(queued("directory_open")) == 1
    page = f"/admin/events/{event}/directory"
    post_form(client, f"{page}/close", {}, page=page)
    post_form(client, f"{page}/open", {}, page=page)
    html = client.get(page).get_data(as_text=True)
    assert "open again; everyone who came has their link" in html
    with app.app_context():
        assert len(queued("directory_open")) == 1  # nobody told twice


def test_a_directory_opened_during_the_evening_says_when_the_links_go(app, client, make):
    organiser = make.user("organiser")
    started = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    event = make.event(make.series(team=(organiser,)), starts_at=started)
    came(make, event, "Alice", 0)
    log_in(client, organiser)
    page = f"/admin/events/{event}/directory"
    post_form(client, f"{page}/open", {}, page=page)
    html = client.get(page).get_data(as_text=True)
    assert "gets their link by email when the evening ends" in html and "again" not in html
    with app.app_context():
        assert queued("directory_open") == []


# -- the series remembers ----------------------------------------------------------------------


def test_community_members_who_asked_hear_about_new_neighbours(app, make, evening):
    _organiser, series, event = evening
    earlier = make.event(series, starts_at=utcnow() - timedelta(days=40))
    # Members from an earlier evening.
    came(
        make,
        earlier,
        "Member",
        0,
        visibility="community",
        notify_new_neighbours=True,
        language="en",
    )
    came(make, earlier, "Quiet", 20, visibility="community")  # did not ask
    came(make, earlier, "Faraway", 5000, visibility="community", notify_new_neighbours=True)
    # Tonight: a newcomer near them, a newcomer who keeps to the evening, a regular.
    came(make, event, "Newcomer", 100, visibility="community", company="Nouvelle SARL")
    came(make, event, "Private", 100, visibility="attendees")
    came(
        make,
        event,
        "Member2",
        0,
        visibility="community",
        email="member@example.org",
        notify_new_neighbours=True,  # their latest card is the one that counts
        language="en",
    )
    with app.app_context():
        announcement = services.open_directory(find_event(event))
        assert announcement.new_neighbour_emails == 1
        (message,) = queued("new_neighbours")
        assert message.recipient == "member@example.org"
        text = plain_text(message)
        assert "Newcomer Test, Nouvelle SARL" in text and "Private" not in text
        metres = int(re.search(r"≈ (\d+) m from you", text).group(1))
        assert metres % 50 == 0 and 50 <= metres <= 250  # 100 m, to the newcomer's cell


def test_the_organisers_see_what_the_evening_produced(app, client, make, evening):
    """Who came, for the first time or again, who found a neighbour among them, the
    introductions: counts on the evening's admin page, which no longer offers to unpublish
    or cancel an evening that is over."""
    organiser, series, event = evening
    earlier = make.event(series, starts_at=utcnow() - timedelta(days=40))
    make.registration(  # came last month too
        earlier, first_name="Regular", email="regular@example.org",
        checked_in_at=utcnow() - timedelta(days=40),
    )  # fmt: skip
    came(make, event, "Regular", 0)
    alice, _ = came(make, event, "Alice", 100)  # 100 m from Regular
    bruno, _ = came(make, event, "Bruno", 5000)  # far from everyone
    chloe, _ = came(make, event, "Chloe")  # no office on the map
    make.registration(event, first_name="Absent", email="absent@example.org")  # did not come
    with app.app_context():
        db.session.add_all(
            [
                Introduction(requester_id=alice, recipient_id=bruno, token_hash="a" * 64,
                             status=IntroductionStatus.ACCEPTED),
                Introduction(requester_id=bruno, recipient_id=alice, token_hash="b" * 64),
                # Asked the day before the evening: another evening's (the community's).
                Introduction(requester_id=chloe, recipient_id=alice, token_hash="c" * 64,
                             created_at=utcnow() - timedelta(days=2)),
            ]
        )  # fmt: skip
        db.session.commit()
    log_in(client, organiser)
    html = client.get(f"/admin/events/{event}").get_data(as_text=True)
    section = html.split('id="outcome-title"', 1)[1].split("</section>", 1)[0]
    assert "What the evening produced" in section
    assert "4 people came, 3 of them for the first time" in section
    assert "1 had a seat and did not come" in section
    assert "2 of the 3 people on the map who came work within 300 m of another who came" in section
    assert "2 introductions asked, 1 accepted" in section
    assert "Back to draft" not in html and "Cancel the event" not in html


def test_an_evening_not_begun_has_nothing_produced_yet(app, client, make):
    organiser = make.user("organiser")
    event = make.event(make.series(team=(organiser,)))
    log_in(client, organiser)
    html = client.get(f"/admin/events/{event}").get_data(as_text=True)
    assert 'id="outcome-title"' not in html and "Cancel the event" in html


def test_the_community_page_shows_an_introduction_asked_from_it(app, client, make, evening):
    """Introductions go out under the community card (the latest registration, here next
    month's, not yet attended): the page finds them there too."""
    _organiser, series, event = evening
    came(make, event, "Alice", 0, visibility="community")
    bruno, _ = came(make, event, "Bruno", 50, visibility="community", accept_introductions=True)
    make.registration(
        make.event(series), first_name="Alice", last_name="Test", email="alice@example.org",
        visibility="community",
    )  # fmt: skip
    client.get("/r/token-Alice-0123456789abcdef")
    page = client.get(f"/series/{series}/community").get_data(as_text=True)
    client.post(
        f"/series/{series}/community/{bruno}/introduce", data={"csrf_token": csrf_from(page)}
    )
    html = client.get(f"/series/{series}/community").get_data(as_text=True)
    assert "Introduction asked" in _card(html, f"person-{bruno}")


def test_words_everyone_uses_at_a_business_evening_make_no_match():
    from meetup.directory.matching import offers

    assert not offers("Flottes de vélos d'entreprise", "Jeunes entreprises")
    assert not offers("Conseil aux professionnels", "Clients professionnels")
    assert offers("Comptabilité des entreprises", "Un expert-comptable")  # the real word


def test_introduce_us_carries_an_optional_word_shown_in_the_request(app, client, make, evening):
    _organiser, _series, event = evening
    came(make, event, "Alice", 0, accept_introductions=True)
    bruno, _ = came(make, event, "Bruno", 50, accept_introductions=True, language="en")
    carla, _ = came(make, event, "Carla", 80, accept_introductions=True, language="en")
    with app.app_context():
        services.open_directory(find_event(event))
    client.get("/r/token-Alice-0123456789abcdef")
    html = client.get(f"/events/{event}/directory").get_data(as_text=True)
    assert "A word for them (optional)" in _card(html, f"person-{bruno}")
    url = f"/events/{event}/directory/{bruno}/introduce"

    # Too long: said beside it, the text as typed, nothing asked.
    long_word = "Voisins de palier <b>!</b> " + "x" * 280
    response = client.post(url, data={"csrf_token": csrf_from(html), "message": long_word,
                                      "back_to": "person"})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "At most 300 characters, please: this has 307." in page
    assert "Voisins de palier &lt;b&gt;!&lt;/b&gt; xxx" in page
    assert 'name="back_to" value="person"' in page
    with app.app_context():
        assert queued("introduction_request") == []

    word = "We share a landing, I think!\n<b>Coffee</b> on Monday?"
    response = client.post(url, data={"csrf_token": csrf_from(html), "message": word})
    assert response.status_code == 302
    client.post(
        f"/events/{event}/directory/{carla}/introduce", data={"csrf_token": csrf_from(html)}
    )  # no word: none shown
    with app.app_context():
        requests = {m.recipient: m for m in queued("introduction_request")}
        text = plain_text(requests["bruno@example.org"])
        assert "Their message:\r\nWe share a landing, I think!\r\n<b>Coffee</b> on Monday?" in text
        html_part = as_email(requests["bruno@example.org"]).get_body(("html",)).get_content()
        assert "&lt;b&gt;Coffee&lt;/b&gt;" in html_part and "<b>Coffee" not in html_part
        assert "Their message" not in plain_text(requests["carla@example.org"])
        link = next(w for w in text.split() if "/introductions/" in w).replace(
            "http://localhost", ""
        )
    answer_page = app.test_client().get(link).get_data(as_text=True)
    assert "&lt;b&gt;Coffee&lt;/b&gt; on Monday?" in answer_page
