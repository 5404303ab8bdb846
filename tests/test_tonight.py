"""Tonight, in the room: a checked-in attendee's personal page lists who is here now among
those who chose to be seen by people who came, neighbours first, "offers what you look for"
next; "nobody" is never listed; leaving, or the evening ending, takes people off."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests.helpers import came, csrf_from, find_event


@pytest.fixture
def evening(make):
    series = make.series()
    now = utcnow().replace(microsecond=0)
    return make.event(series, starts_at=now - timedelta(minutes=40))


def _in(make, event, name, north=None, **fields):
    """Checked in ten minutes ago (helpers.came, tonight)."""
    fields.setdefault("checked_in_at", utcnow() - timedelta(minutes=10))
    return came(make, event, name, north, **fields)


def _names(html: str) -> list[str]:
    return re.findall(r"<strong>(\w+) Test</strong>", html)


@pytest.fixture
def room(make, evening):
    people = {
        "Alice": _in(make, evening, "Alice", 0, looking_for="un expert-comptable"),
        "Bruno": _in(make, evening, "Bruno", 120, company="Atelier Bruno"),
        "Zora": _in(make, evening, "Zora", 2000, help_with="Expertise comptable"),
        "Denis": _in(make, evening, "Denis", 3000, visibility="community"),
        "Chloe": _in(make, evening, "Chloe", 40),
        "Nadia": _in(make, evening, "Nadia", 20, visibility="nobody"),
        "Waiting": _in(make, evening, "Waiting", 30, checked_in_at=None),
        "Gone": _in(make, evening, "Gone", 35, left_at=utcnow() - timedelta(minutes=2)),
    }
    return {name: token for name, (_id, token) in people.items()}


def test_who_is_here_neighbours_first_offers_next_nobody_never(client, room):
    html = client.get(f"/r/{room['Alice']}").get_data(as_text=True)
    section = html.split('id="tonight"')[1].split("</section>")[0]
    assert _names(section) == ["Chloe", "Bruno", "Zora", "Denis"]
    assert "2 people who work near you are here" in section
    assert "Offers what you" in section.split("Zora")[1].split("</li>")[0]
    assert "Offers what you" not in section.split("Denis")[1].split("</li>")[0]
    assert "Nadia" not in html and "Waiting" not in html and "Gone" not in html
    # The script's own address gives the same list, alone.
    alone = client.get(f"/r/{room['Alice']}/tonight")
    assert alone.status_code == 200 and alone.headers["Cache-Control"] == "no-store"
    assert _names(alone.get_data(as_text=True)) == ["Chloe", "Bruno", "Zora", "Denis"]
    assert 'data-poll="/r/' in html and 'data-interval="20"' in html


def test_nobody_and_people_not_in_see_nobody(client, room):
    # "Nobody" may look (they came) but is never seen; someone not yet in waits. Nadia looks
    # for nothing: her neighbours, then everyone by name.
    assert _names(client.get(f"/r/{room['Nadia']}/tonight").get_data(as_text=True)) == [
        "Chloe",
        "Alice",
        "Bruno",
        "Denis",
        "Zora",
    ]
    waiting = client.get(f"/r/{room['Waiting']}/tonight").get_data(as_text=True)
    assert 'data-state="waiting"' in waiting and _names(waiting) == []
    assert client.get("/r/not-a-token-0123456789abcdefghijkl/tonight").status_code == 404


def test_leaving_takes_one_off_at_once_and_coming_back_on(app, client, room):
    page = client.get(f"/r/{room['Bruno']}").get_data(as_text=True)
    response = client.post(f"/r/{room['Bruno']}/leave", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith("#tonight")
    page = client.get(f"/r/{room['Bruno']}").get_data(as_text=True)
    assert "You said you were leaving" in page and "I’m back" in page
    assert "Bruno" not in _names(client.get(f"/r/{room['Alice']}/tonight").get_data(as_text=True))
    client.post(f"/r/{room['Bruno']}/back", data={"csrf_token": csrf_from(page)})
    assert "Bruno" in _names(client.get(f"/r/{room['Alice']}/tonight").get_data(as_text=True))
    # Without the form's token nothing changes.
    client.post(f"/r/{room['Bruno']}/leave", data={})
    assert "Bruno" in _names(client.get(f"/r/{room['Alice']}/tonight").get_data(as_text=True))


def test_the_evening_ending_takes_everyone_off(app, client, room, evening):
    with app.app_context():
        event = find_event(evening)
        event.ends_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    alone = client.get(f"/r/{room['Alice']}/tonight").get_data(as_text=True)
    assert 'data-state="off"' in alone and _names(alone) == []
    assert 'id="tonight"' not in client.get(f"/r/{room['Alice']}").get_data(as_text=True)
    page = client.get(f"/r/{room['Alice']}").get_data(as_text=True)
    client.post(f"/r/{room['Alice']}/leave", data={"csrf_token": csrf_from(page)})
    with app.app_context():
        alice = db.session.scalar(db.select(Registration).where(Registration.first_name == "Alice"))
        assert alice.left_at is None  # nothing to leave once it is over


def test_a_new_check_in_puts_someone_who_left_back_in_the_room(app, client, make):
    door = make.user("door")
    event = make.event(make.series(team=(door,)), starts_at=utcnow() - timedelta(minutes=40))
    rid, token = _in(make, event, "Bruno", 0, checked_in_at=None, left_at=utcnow())
    with app.app_context():
        code = db.session.get(Registration, rid).ticket_code
    response = client.post(
        "/api/v1/checkins",
        json={"code": code, "event": event},
        headers={"Authorization": f"Bearer {make.api_token(door)}"},
    )
    assert response.get_json()["status"] == "ok"
    with app.app_context():
        assert db.session.get(Registration, rid).left_at is None
    assert 'data-state="on"' in client.get(f"/r/{token}/tonight").get_data(as_text=True)
