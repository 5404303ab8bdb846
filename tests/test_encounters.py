"""My encounters: badges an attendee scans with their phone are kept in a private list on
their personal page (only cards they may see), with save-all vCards and "Introduce us";
erased with the rest of either person's data."""

from __future__ import annotations

from datetime import timedelta

import pytest
import vobject
from sqlalchemy import func, select

from meetup.directory.models import Encounter, Introduction
from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests.helpers import came, csrf_from


@pytest.fixture
def room(make):
    event = make.event(make.series(), starts_at=utcnow() - timedelta(minutes=40))
    at = {"checked_in_at": utcnow() - timedelta(minutes=10)}
    people = {
        "Alice": came(make, event, "Alice", 0, **at),
        "Bruno": came(make, event, "Bruno", 100, accept_introductions=True, share_email=True,
                      company="Atelier Bruno", **at),
        "Nadia": came(make, event, "Nadia", 50, visibility="nobody", **at),
    }  # fmt: skip
    return event, people


def _code(app, rid):
    with app.app_context():
        return db.session.get(Registration, rid).ticket_code


def _encounters(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Encounter.id)))


def _section(html):
    return (
        html.split('id="encounters"')[1].split("</section>")[0] if 'id="encounters"' in html else ""
    )


def test_a_scanned_badge_joins_my_private_list_once(app, client, room):
    _event, people = room
    (_alice, alice_token), (bruno, bruno_token) = people["Alice"], people["Bruno"]
    client.get(f"/r/{alice_token}")  # this phone is Alice's
    for _ in range(2):  # scanned twice: kept once
        page = client.get(f"/b/{_code(app, bruno)}").get_data(as_text=True)
        assert "Bruno Test" in page
    assert _encounters(app) == 1
    section = _section(client.get(f"/r/{alice_token}").get_data(as_text=True))
    assert "Bruno Test" in section and "Atelier Bruno" in section
    assert "bruno@example.org" in section  # he shares his email
    # Nadia chose "nobody": her badge shows no card and is not kept.
    client.get(f"/b/{_code(app, people['Nadia'][0])}")
    assert _encounters(app) == 1
    # Save them all.
    vcf = client.get(f"/r/{alice_token}/encounters.vcf")
    assert vcf.status_code == 200 and vcf.mimetype == "text/vcard"
    cards = list(vobject.readComponents(vcf.get_data(as_text=True)))
    assert [c.fn.value for c in cards] == ["Bruno Test"]
    # Private: Bruno's page does not list Alice.
    assert "Alice" not in _section(client.get(f"/r/{bruno_token}").get_data(as_text=True))


def test_introduce_us_from_my_encounters(app, client, room):
    _event, people = room
    (alice, alice_token), (bruno, _t) = people["Alice"], people["Bruno"]
    client.get(f"/r/{alice_token}")
    client.get(f"/b/{_code(app, bruno)}")
    page = client.get(f"/r/{alice_token}").get_data(as_text=True)
    url = f"/r/{alice_token}/encounters/{bruno}/introduce"
    assert client.post(url, data={}).status_code == 400  # without the form's token: refused
    with app.app_context():
        assert db.session.scalar(select(func.count(Introduction.id))) == 0
    response = client.post(url, data={"csrf_token": csrf_from(page)})
    assert response.headers["Location"].endswith("#encounters")
    with app.app_context():
        (introduction,) = db.session.scalars(select(Introduction)).all()
        assert (introduction.requester_id, introduction.recipient_id) == (alice, bruno)
    assert "Introduction asked" in _section(client.get(f"/r/{alice_token}").get_data(as_text=True))
    # Someone not in one's encounters: not found.
    nadia = people["Nadia"][0]
    assert client.post(f"/r/{alice_token}/encounters/{nadia}/introduce", data={
        "csrf_token": csrf_from(page)}).status_code == 404  # fmt: skip


def test_only_cards_one_may_still_see_are_listed(app, client, room):
    _event, people = room
    (_alice, alice_token), (bruno, _t) = people["Alice"], people["Bruno"]
    client.get(f"/r/{alice_token}")
    client.get(f"/b/{_code(app, bruno)}")
    with app.app_context():
        db.session.get(Registration, bruno).visibility = "nobody"
        db.session.commit()
    assert _section(client.get(f"/r/{alice_token}").get_data(as_text=True)) == ""
    vcf = client.get(f"/r/{alice_token}/encounters.vcf").get_data(as_text=True)
    assert "Bruno" not in vcf


@pytest.mark.parametrize("who", ["Alice", "Bruno"])
def test_erasing_either_person_erases_the_encounter(app, client, room, who):
    _event, people = room
    (_alice, alice_token), (bruno, _t) = people["Alice"], people["Bruno"]
    client.get(f"/r/{alice_token}")
    client.get(f"/b/{_code(app, bruno)}")
    assert _encounters(app) == 1
    token = people[who][1]
    page = client.get(f"/r/{token}/erase").get_data(as_text=True)
    assert client.post(f"/r/{token}/erase", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert _encounters(app) == 0
