"""Who sees whom in the directory, and which fields: the whole matrix of visibility × field
consent × kind of viewer, over the page, the map, the vCards and a scanned badge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import vobject

from meetup.directory import services
from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations.models import Registration, Visibility
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, log_in

VIENNE = (45.5255, 4.8766)  # rue Marchande

#: name -> (status, came, visibility, share_email, share_phone, share_address)
TARGETS = {
    "Seulementsoiree": ("confirmed", True, "attendees", False, False, False),
    "Toutpartage": ("confirmed", True, "community", True, True, True),
    "Personnejamais": ("confirmed", True, "nobody", True, True, True),
    "Absentcommunaute": ("confirmed", False, "community", True, False, False),
    "Enattente": ("waitlisted", False, "community", True, False, False),
}
#: Who the evening's directory lists.
LISTED = {"Seulementsoiree", "Toutpartage"}
#: Who the community directory lists (came once, chose the community).
COMMUNITY = {"Toutpartage", "Ancienne"}


@dataclass
class World:
    series: str
    event: str
    earlier: str
    other_series_event: str
    organiser: str
    outsider: str
    ids: dict[str, int]
    tokens: dict[str, str]


def _person(make, event, name, token, status, came, visibility, email, phone, address, n=0):
    now = utcnow()
    return make.registration(
        event,
        status=status,
        token=token,
        first_name="Prénom",
        last_name=name,
        email=f"{name.lower()}@example.org",
        company=f"{name} SARL",
        phone=f"+33 4 74 00 00 0{n}",
        street=f"{n + 1} rue Marchande",
        postcode="38200",
        city="Vienne",
        latitude=VIENNE[0] + n * 0.0002,
        longitude=VIENNE[1],
        help_with="Comptabilité des petites entreprises",
        visibility=visibility,
        share_email=email,
        share_phone=phone,
        share_address=address,
        accept_introductions=True,
        checked_in_at=now - timedelta(hours=20) if came else None,
    )


@pytest.fixture
def world(app, make) -> World:
    organiser, outsider = make.user("organiser"), make.user("organiser")
    series = make.series(team=(organiser,))
    other_series = make.series(team=(outsider,))
    past = (utcnow() - timedelta(days=1)).replace(microsecond=0)
    earlier = make.event(series, starts_at=past - timedelta(days=30))
    event = make.event(series, starts_at=past)
    other_event = make.event(other_series, starts_at=past)
    ids, tokens = {}, {}
    for n, (name, spec) in enumerate(TARGETS.items()):
        tokens[name] = f"token-{name}-0123456789abcdef"
        ids[name] = _person(make, event, name, tokens[name], *spec, n=n)
    viewers = {
        # name: (event, status, came, visibility)
        "Venue": (event, "confirmed", True, "nobody"),
        "Pasvenu": (event, "confirmed", False, "community"),
        "Attendant": (event, "waitlisted", False, "community"),
        "Ailleurs": (other_event, "confirmed", True, "community"),
        "Ancienne": (earlier, "confirmed", True, "community"),
    }
    for n, (name, (where, status, came, visibility)) in enumerate(viewers.items(), start=10):
        tokens[name] = f"token-{name}-0123456789abcdef"
        ids[name] = _person(
            make, where, name, tokens[name], status, came, visibility, False, False, False, n=n
        )
    with app.app_context():
        services.open_directory(db.session.scalar(db.select(Event).where(Event.slug == event)))
    return World(series, event, earlier, other_event, organiser, outsider, ids, tokens)


def _as_attendee(client, world, name):
    assert client.get(f"/r/{world.tokens[name]}").status_code == 200


def _names(text: str) -> set[str]:
    return {name for name in [*TARGETS, "Ancienne", "Venue"] if name in text}


# -- the evening's directory -----------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["anonymous", "Pasvenu", "Attendant", "Ailleurs", "outsider"])
def test_people_who_did_not_come_see_nothing(client, world, viewer):
    if viewer == "outsider":
        log_in(client, world.outsider)
    elif viewer != "anonymous":
        _as_attendee(client, world, viewer)
    for url in (
        f"/events/{world.event}/directory",
        f"/events/{world.event}/directory/map.json",
        f"/events/{world.event}/directory/contacts.vcf",
        f"/events/{world.event}/directory/{world.ids['Toutpartage']}.vcf",
        f"/events/{world.event}/directory/{world.ids['Toutpartage']}",
        f"/series/{world.series}/community",
        f"/series/{world.series}/community/map.json",
        f"/series/{world.series}/community/contacts.vcf",
        f"/series/{world.series}/community/{world.ids['Toutpartage']}.vcf",
        f"/series/{world.series}/community/{world.ids['Toutpartage']}",
    ):
        response = client.get(url)
        assert response.status_code == 403, (url, response.status_code)
        assert not _names(response.get_data(as_text=True))


def test_someone_who_came_sees_those_who_agreed_with_their_consented_fields(client, world):
    _as_attendee(client, world, "Venue")
    page = client.get(f"/events/{world.event}/directory")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _names(html) == LISTED
    # Everything agreed by Toutpartage; only the basics of Seulementsoiree.
    assert "toutpartage@example.org" in html and "+33 4 74 00 00 01" in html
    assert "2 rue Marchande, 38200 Vienne" in html
    assert "seulementsoiree@example.org" not in html and "+33 4 74 00 00 00" not in html
    assert "1 rue Marchande" not in html and "rue Marchande" in html  # the street's name only
    assert "Seulementsoiree SARL" in html and "Comptabilité des petites entreprises" in html
    assert "personnejamais" not in html.lower()
    assert page.headers["Cache-Control"] == "no-store"


def test_the_map_rounds_pins_unless_the_exact_place_was_agreed(client, world, app):
    _as_attendee(client, world, "Venue")
    markers = client.get(f"/events/{world.event}/directory/map.json").get_json()["markers"]
    assert {m["name"] for m in markers} == {"Prénom Seulementsoiree", "Prénom Toutpartage"}
    by_name = {m["name"]: m for m in markers}
    with app.app_context():
        exact = db.session.get(Registration, world.ids["Toutpartage"])
        rounded = db.session.get(Registration, world.ids["Seulementsoiree"])
        assert by_name["Prénom Toutpartage"]["lat"] == exact.latitude
        assert by_name["Prénom Toutpartage"]["exact"] is True
        shown = by_name["Prénom Seulementsoiree"]
        assert shown["exact"] is False
        assert (shown["lat"], shown["lon"]) != (rounded.latitude, rounded.longitude)
        # Rounded, but not far: inside the ~200 m cell.
        assert abs(shown["lat"] - rounded.latitude) < 0.0011
        assert abs(shown["lon"] - rounded.longitude) < 0.0016


def test_vcards_carry_only_consented_fields(client, world):
    _as_attendee(client, world, "Venue")
    response = client.get(f"/events/{world.event}/directory/contacts.vcf")
    assert response.status_code == 200
    assert response.mimetype == "text/vcard"
    cards = {c.fn.value: c for c in vobject.readComponents(response.get_data(as_text=True))}
    assert set(cards) == {"Prénom Seulementsoiree", "Prénom Toutpartage"}
    full = cards["Prénom Toutpartage"]
    assert full.email.value == "toutpartage@example.org"
    assert full.tel.value == "+33 4 74 00 00 01"
    assert full.org.value == ["Toutpartage SARL"]
    basic = cards["Prénom Seulementsoiree"]
    assert not hasattr(basic, "email") and not hasattr(basic, "tel") and not hasattr(basic, "adr")
    # One person's card; someone not listed is not found.
    one = client.get(f"/events/{world.event}/directory/{world.ids['Toutpartage']}.vcf")
    assert vobject.readOne(one.get_data(as_text=True)).fn.value == "Prénom Toutpartage"
    for hidden in ("Personnejamais", "Absentcommunaute", "Enattente", "Ailleurs"):
        assert (
            client.get(f"/events/{world.event}/directory/{world.ids[hidden]}.vcf").status_code
            == 404
        )


def test_a_pins_card_page_shows_only_those_listed_with_their_consented_fields(client, world):
    """The map's pins lead to each person's card page: the same rules as the list."""
    _as_attendee(client, world, "Venue")
    markers = client.get(f"/events/{world.event}/directory/map.json").get_json()["markers"]
    by_name = {m["name"]: m for m in markers}
    card = by_name["Prénom Toutpartage"]["card"]
    assert card == f"/events/{world.event}/directory/{world.ids['Toutpartage']}"
    html = client.get(card).get_data(as_text=True)
    assert "toutpartage@example.org" in html and "Save contact" in html
    assert _names(html) == {"Toutpartage"}
    basic = client.get(by_name["Prénom Seulementsoiree"]["card"]).get_data(as_text=True)
    assert "seulementsoiree@example.org" not in basic and "Seulementsoiree SARL" in basic
    for hidden in ("Personnejamais", "Absentcommunaute", "Enattente", "Ailleurs"):
        url = f"/events/{world.event}/directory/{world.ids[hidden]}"
        assert client.get(url).status_code == 404, hidden


def test_a_change_of_consent_takes_effect_at_once(client, world, app):
    _as_attendee(client, world, "Venue")
    with app.app_context():
        person = db.session.get(Registration, world.ids["Toutpartage"])
        person.share_email = False
        person.visibility = "attendees"
        db.session.commit()
    html = client.get(f"/events/{world.event}/directory").get_data(as_text=True)
    assert "toutpartage@example.org" not in html
    with app.app_context():
        db.session.get(Registration, world.ids["Toutpartage"]).visibility = "nobody"
        db.session.commit()
    html = client.get(f"/events/{world.event}/directory").get_data(as_text=True)
    assert _names(html) == {"Seulementsoiree"}
    markers = client.get(f"/events/{world.event}/directory/map.json").get_json()["markers"]
    assert [m["name"] for m in markers] == ["Prénom Seulementsoiree"]


def test_organisers_of_the_series_see_the_directory_others_do_not(client, world):
    log_in(client, world.organiser)
    html = client.get(f"/events/{world.event}/directory").get_data(as_text=True)
    assert _names(html) == LISTED


def test_a_closed_directory_shows_nobody(client, world, app):
    with app.app_context():
        services.close_directory(
            db.session.scalar(db.select(Event).where(Event.slug == world.event))
        )
    _as_attendee(client, world, "Venue")
    assert client.get(f"/events/{world.event}/directory").status_code == 403


def test_a_new_personal_link_ends_what_the_old_session_could_see(client, world, app):
    _as_attendee(client, world, "Venue")
    assert client.get(f"/events/{world.event}/directory").status_code == 200
    with app.app_context():
        from meetup.registrations import services as registration_services

        registration_services.resend_link(db.session.get(Registration, world.ids["Venue"]))
    assert client.get(f"/events/{world.event}/directory").status_code == 403


def test_forget_me_on_this_device(client, world):
    _as_attendee(client, world, "Venue")
    html = client.get(f"/events/{world.event}/directory").get_data(as_text=True)
    client.post("/attendee/forget", data={"csrf_token": csrf_from(html)})
    assert client.get(f"/events/{world.event}/directory").status_code == 403


# -- the community ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "viewer,expected",
    [
        ("anonymous", None),
        ("Pasvenu", None),  # registered, never came
        ("Attendant", None),
        ("Ailleurs", None),  # another series
        ("Venue", None),  # came, chose "nobody": the community is for those in it
        ("Ancienne", COMMUNITY - {"Ancienne"}),
        ("Seulementsoiree", None),  # came, but keeps their card out of the community
    ],
)
def test_the_community_directory(client, world, viewer, expected):
    if viewer != "anonymous":
        _as_attendee(client, world, viewer)
    response = client.get(f"/series/{world.series}/community")
    if expected is None:
        assert response.status_code == 403
        assert not _names(response.get_data(as_text=True))
        return
    assert response.status_code == 200
    assert _names(response.get_data(as_text=True)) - {viewer} == expected


@pytest.mark.parametrize("viewer", ["Venue", "Seulementsoiree"])
def test_someone_who_came_but_keeps_out_of_the_community_is_told_how_to_join(
    client, world, app, viewer
):
    """As the choice says ("everyone who came to one of its evenings and chose this too"):
    seen only by those who share their card too. The page says so, and how to join."""
    _as_attendee(client, world, viewer)
    response = client.get(f"/series/{world.series}/community")
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and not _names(html) - {viewer}
    assert "shared among those who share their own card" in html
    assert client.get(f"/series/{world.series}/community/map.json").status_code == 403
    with app.app_context():  # they choose the community on their personal page
        db.session.get(Registration, world.ids[viewer]).visibility = Visibility.COMMUNITY
        db.session.commit()
    html = client.get(f"/series/{world.series}/community").get_data(as_text=True)
    assert _names(html) - {viewer} == COMMUNITY


def test_a_directory_link_for_someone_out_of_the_community_says_how_to_join(client, world, app):
    """The emailed link, once the evening's own directory is closed, leads to the community:
    for someone who keeps out of it, the page that says how to join, not "not found"."""
    from meetup.directory import services as directory_services

    with app.app_context():
        token = directory_services.new_directory_token(
            db.session.get(Registration, world.ids["Seulementsoiree"])
        )
        db.session.commit()
    page = client.get(f"/d/{token}?to=community")
    assert page.status_code == 403
    assert "shared among those who share their own card" in page.get_data(as_text=True)


def test_the_latest_registration_is_the_card_the_community_sees(client, world, app, make):
    """Ancienne came in the past choosing the community, then registered for tonight saying
    nobody: her latest choice wins everywhere."""
    make.registration(
        world.event,
        status="confirmed",
        first_name="Prénom",
        last_name="Ancienne",
        email="ancienne@example.org",
        visibility="nobody",
    )
    _as_attendee(client, world, "Toutpartage")  # in the community: sees it
    page = client.get(f"/series/{world.series}/community")
    html = page.get_data(as_text=True)
    assert page.status_code == 200  # so "not in" below can fail: she was listed before
    assert "Ancienne" not in html
    # ... and she, out of it now, no longer sees it either.
    _as_attendee(client, world, "Ancienne")
    page = client.get(f"/series/{world.series}/community")
    assert page.status_code == 403 and "Toutpartage" not in page.get_data(as_text=True)
    assert client.get(f"/series/{world.series}/community/map.json").status_code == 403


# -- a scanned badge -------------------------------------------------------------------------


def _scan(client, app, world, name):
    with app.app_context():
        code = db.session.get(Registration, world.ids[name]).ticket_code
    return client.get(f"/b/{code}").get_data(as_text=True)


@pytest.mark.parametrize(
    "viewer,scanned,sees",
    [
        ("anonymous", "Toutpartage", False),
        ("Venue", "Toutpartage", True),
        ("Venue", "Seulementsoiree", True),
        ("Venue", "Personnejamais", False),
        ("Venue", "Absentcommunaute", False),  # did not come
        ("Pasvenu", "Seulementsoiree", False),
        ("Ailleurs", "Toutpartage", False),
        ("Ancienne", "Toutpartage", True),  # the community
        ("Ancienne", "Seulementsoiree", False),  # only for those who came that evening
    ],
)
def test_scanning_a_badge_shows_the_card_to_those_allowed(
    client, app, world, viewer, scanned, sees
):
    if viewer != "anonymous":
        _as_attendee(client, world, viewer)
    html = _scan(client, app, world, scanned)
    assert (scanned in html) is sees
    assert ("Save contact" in html) is sees
    if not sees:  # what is said instead: how to be known, or that there is no card for them
        told = "shows you no card" if viewer != "anonymous" else "Open your personal link"
        assert told in html
    if sees and scanned == "Toutpartage":
        assert "toutpartage@example.org" in html and "Introduce us" in html


def test_someone_without_their_link_is_told_what_opens_the_directory(client, world):
    """Attendees have no account: not "your account may not open this page"."""
    for path in (f"/events/{world.event}/directory", f"/series/{world.series}/community"):
        page = client.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 403 and "open your personal link" in html
        assert "Your account may not" not in html and not _names(html)
