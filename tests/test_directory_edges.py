"""The directory's edges, found in review: scans after a directory is closed, scans during
the evening, opening before the end, one link per person and announcement, newcomers who
signed up again, the personal page's map centre, the list cache and late commits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from meetup.directory import services
from meetup.directory.models import Introduction
from meetup.directory.queries import CommunityDirectory
from meetup.events.models import Event, Series
from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests.helpers import came, csrf_from, find_event, plain_text, queued


@pytest.fixture
def tonight(make):
    """An evening on now (started an hour ago), its directory not open."""
    series = make.series()
    starts = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    return series, make.event(series, starts_at=starts, ends_at=starts + timedelta(hours=3))


def _code(app, registration_id):
    with app.app_context():
        return db.session.get(Registration, registration_id).ticket_code


def test_during_the_evening_a_scanned_badge_saves_the_contact_and_asks_to_meet(
    app, client, make, tonight
):
    _series, event = tonight
    came(make, event, "Alice", 0)
    bruno, _ = came(make, event, "Bruno", 50, accept_introductions=True, share_email=True)
    client.get("/r/token-Alice-0123456789abcdef")
    code = _code(app, bruno)
    html = client.get(f"/b/{code}").get_data(as_text=True)
    assert "Bruno Test" in html and "bruno@example.org" in html
    assert "<h1>Badge scanned</h1>" in html
    vcard = client.get(f"/b/{code}/contact.vcf")
    assert vcard.status_code == 200 and b"FN:Bruno Test" in vcard.data
    response = client.post(f"/b/{code}/introduce", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and response.headers["Location"] == f"/b/{code}"
    with app.app_context():
        (introduction,) = db.session.scalars(select(Introduction)).all()
        assert introduction.recipient_id == bruno
    # Someone who is not at the evening gets nothing from those addresses.
    other = app.test_client()
    assert other.get(f"/b/{code}/contact.vcf").status_code == 404
    assert other.post(f"/b/{code}/introduce").status_code in (400, 404)


def test_scanning_one_s_own_badge_shows_what_others_see(app, client, make, tonight):
    _series, event = tonight
    alice, _ = came(make, event, "Alice", 0, accept_introductions=True, phone="04 74 00 00 01")
    came(make, event, "Bruno", 50, accept_introductions=True)
    client.get("/r/token-Alice-0123456789abcdef")
    html = client.get(f"/b/{_code(app, alice)}").text
    assert "Your badge, as others see it" in html and "Alice Test" in html
    assert "04 74 00 00 01" not in html  # as others see it: she did not share her phone
    assert "Introduce us" not in html and "Save contact" not in html  # not with oneself
    assert "say hello in person" not in html
    # Not let in yet (trying her badge at home), or showing her card to nobody: no card.
    for name, fields in (("Late", {"checked_in_at": None}), ("Hidden", {"visibility": "nobody"})):
        registration, _ = came(make, event, name, 10, **fields)
        client.get(f"/r/token-{name}-0123456789abcdef")
        html = client.get(f"/b/{_code(app, registration)}").text
        assert "Scanning your badge shows no card yet" in html and f"{name} Test" not in html


def test_a_closed_directory_stops_badge_scans_too(app, client, make, evening_over):
    event, _alice, bruno = evening_over
    client.get("/r/token-Alice-0123456789abcdef")
    code = _code(app, bruno)
    assert "Bruno Test" in client.get(f"/b/{code}").get_data(as_text=True)
    with app.app_context():
        services.close_directory(find_event(event))
    html = client.get(f"/b/{code}").get_data(as_text=True)
    assert "Bruno Test" not in html
    assert client.get(f"/b/{code}/contact.vcf").status_code == 404


@pytest.fixture
def evening_over(app, make):
    series = make.series()
    event = make.event(series, starts_at=(utcnow() - timedelta(days=1)).replace(microsecond=0))
    alice, _ = came(make, event, "Alice", 0)
    bruno, _ = came(make, event, "Bruno", 50)
    with app.app_context():
        services.open_directory(find_event(event))
    return event, alice, bruno


def test_opening_during_the_evening_tells_everyone_once_it_is_over(app, make, tonight):
    _series, event = tonight
    came(make, event, "Alice", 0)
    with app.app_context():
        assert services.open_directory(find_event(event)) is None  # nobody told yet
        assert queued("directory_open") == []
        later = utcnow() + timedelta(hours=3)
        assert services.open_due_directories(later) == 1
        assert len(queued("directory_open")) == 1
        assert services.open_due_directories(later + timedelta(hours=1)) == 0
        # Opening again, by hand or by the API, sends nothing more.
        assert services.open_directory(find_event(event), later) is None
        assert len(queued("directory_open")) == 1


def test_the_announcement_is_claimed_once(app, make, evening_over_unopened):
    event = evening_over_unopened
    with app.app_context():
        first = services.announce(find_event(event), utcnow())
        db.session.commit()
        second = services.announce(find_event(event), utcnow())
        db.session.commit()
        assert first is not None and second is None
        assert len(queued("directory_open")) == 2  # Alice and Bruno, once each


@pytest.fixture
def evening_over_unopened(make):
    event = make.event(
        make.series(), starts_at=(utcnow() - timedelta(days=1)).replace(microsecond=0)
    )
    came(make, event, "Alice", 0)
    came(make, event, "Bruno", 50)
    return event


def test_one_directory_link_per_person_and_announcement(app, client, make, evening_over_unopened):
    """A regular who came tonight and asked for new-neighbour news gets both emails; both
    links work, and the second opens the community."""
    event = evening_over_unopened
    with app.app_context():
        series = db.session.scalar(select(Event).where(Event.slug == event)).series.slug
    earlier = make.event(series, starts_at=utcnow() - timedelta(days=40))
    came(make, earlier, "Regular", 0, visibility="community", email="regular@example.org")
    came(
        make, event, "Regular2", 0, visibility="community", email="regular@example.org",
        notify_new_neighbours=True, language="en",
    )  # fmt: skip
    came(make, event, "Newbie", 80, visibility="community")
    with app.app_context():
        services.open_directory(find_event(event))
        links = {}
        for message in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == "regular@example.org")
        ):
            links[message.kind] = next(
                w for w in plain_text(message).split() if "/d/" in w
            ).replace("http://localhost", "")
    assert set(links) == {"directory_open", "new_neighbours"}
    assert client.get(links["directory_open"]).headers["Location"] == f"/events/{event}/directory"
    response = client.get(links["new_neighbours"])
    assert response.headers["Location"] == f"/series/{series}/community"


def test_a_newcomer_who_already_signed_up_again_is_announced(app, make, evening_over_unopened):
    event = evening_over_unopened
    with app.app_context():
        series = db.session.scalar(select(Event).where(Event.slug == event)).series.slug
    earlier = make.event(series, starts_at=utcnow() - timedelta(days=40))
    upcoming = make.event(series)
    came(
        make, earlier, "Member", 0, visibility="community", notify_new_neighbours=True,
    )  # fmt: skip
    came(make, event, "Newbie", 80, visibility="community")
    make.registration(
        upcoming, first_name="Newbie", last_name="Test", email="newbie@example.org",
        visibility="community", latitude=45.5262, longitude=4.8766,
    )  # fmt: skip
    with app.app_context():
        announcement = services.open_directory(find_event(event))
        assert announcement.new_neighbour_emails == 1


def test_the_introduce_form_cannot_send_anyone_elsewhere(app, client, make, evening_over):
    event, _alice, bruno = evening_over
    with app.app_context():
        db.session.get(Registration, bruno).accept_introductions = True
        db.session.commit()
    client.get("/r/token-Alice-0123456789abcdef")
    page = client.get(f"/events/{event}/directory").get_data(as_text=True)
    # Only the answer's anchor in the card it was asked from, whatever the form says.
    for target in ("//evil.example/", "/\t/evil.example/", "/\n/evil.example/", "https://e.x/"):
        response = client.post(
            f"/events/{event}/directory/{bruno}/introduce",
            data={"csrf_token": csrf_from(page), "next": target},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == f"/events/{event}/directory#person-{bruno}-answer"


def test_the_personal_page_map_never_centres_on_someone_else(app, client, make):
    event = make.event(make.series())
    make.registration(event, latitude=45.123456, longitude=4.654321, visibility="nobody")
    token = "token-lonely-0123456789abcdefghijk"
    make.registration(event, token=token, street="Lieu-dit inconnu", city="Vienne")
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert "45.123456" not in html and "4.654321" not in html
    assert 'data-lat="46.6"' in html  # France, until ten offices make a town


def test_the_community_list_follows_every_committed_change(app, client, make):
    """The cached community list sees a change that leaves the number of rows, the last id
    and the events as they were (a change of consent), through every path: the ORM and a
    Core UPDATE."""
    series = make.series()
    event = make.event(series, starts_at=(utcnow() - timedelta(days=1)).replace(microsecond=0))
    came(make, event, "Viewer", 0, visibility="community")
    xavier, _ = came(make, event, "Xavier", 50, visibility="community")
    yvonne, _ = came(make, event, "Yvonne", 80, visibility="community")
    with app.app_context():
        community = CommunityDirectory(
            db.session.scalar(select(Series).where(Series.slug == series))
        )
        names = lambda: {row.first_name for row in community.listing()}  # noqa: E731
        assert {"Xavier", "Yvonne"} <= names()
        db.session.get(Registration, xavier).visibility = "nobody"
        db.session.commit()
        assert "Xavier" not in names()
        db.session.execute(
            update(Registration)
            .where(Registration.id == yvonne)
            .values(visibility="nobody", revision=Registration.revision + 1)
        )
        db.session.commit()
        assert "Yvonne" not in names()
    client.get("/r/token-Viewer-0123456789abcdef")
    html = client.get(f"/series/{series}/community").get_data(as_text=True)
    assert "Xavier" not in html and "Yvonne" not in html


def test_two_workers_opening_at_once_tell_everyone_once(app, make, evening_over_unopened):
    """Real threads, real connections: several workers (and an organiser's click) may open
    the same directory at the same moment; the conditional UPDATE lets one announce."""
    import threading

    event = evening_over_unopened
    barrier = threading.Barrier(4)
    results = []

    def open_it() -> None:
        with app.app_context():
            barrier.wait()
            results.append(services.open_directory(find_event(event)))
            db.session.remove()

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for r in results if r is not None) == 1
    with app.app_context():
        assert len(queued("directory_open")) == 2  # Alice and Bruno, once each
