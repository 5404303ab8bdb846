"""Invitations to a series' team: the email, the link (new account or existing one), the
pending list (resend, withdraw), removing people, and what the inviter never learns."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

from sqlalchemy import select

from meetup.accounts import invitations
from meetup.accounts.models import Invitation
from meetup.auth.models import User
from meetup.events.models import Series
from meetup.extensions import db
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, log_in, outbox, post_form

LINK = re.compile(r"http://localhost/invitations/([A-Za-z0-9_-]{40,})")
PASSWORD = "a long enough passphrase"


def _browser(app):
    """Another browser, in English."""
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return browser


def _invite(client, series: str, email: str, role: str = "door"):
    return post_form(client, f"/admin/series/{series}/team", {"email": email, "role": role})


def _link(app, email: str) -> str:
    messages = [m for m in outbox(app, "invitation") if m["To"].addresses[0].addr_spec == email]
    assert messages, f"no invitation to {email}"
    return LINK.search(messages[-1].get_body(("plain",)).get_content()).group(1)


def _team(app, series: str) -> list[str]:
    with app.app_context():
        s = db.session.scalar(select(Series).where(Series.slug == series))
        return [m.email for m in s.team]


def _pending_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Invitation.id).order_by(Invitation.id.desc()))


def test_a_new_volunteer_sets_a_password_and_lands_at_the_door(app, client, make):
    organiser = make.user("organiser", name="Odile Org")
    series = make.series(team=(organiser,))
    log_in(client, organiser)
    response = _invite(client, series, "Vera.Door@Example.org")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitation sent to Vera.Door@Example.org." in page
    assert "vera.door@example.org" in page  # in the pending list
    message = outbox(app, "invitation")[0]
    assert "Odile Org invites you" in message.get_body(("plain",)).get_content()
    token = _link(app, "vera.door@example.org")
    with app.app_context():
        assert db.session.scalar(select(Invitation.token_hash)) != token  # only a hash

    volunteer = app.test_client()
    volunteer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = volunteer.get(f"/invitations/{token}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "Choose your password" in page.get_data(as_text=True)
    joined = post_form(
        volunteer,
        f"/invitations/{token}",
        {"name": "Vera", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert joined.status_code == 302
    assert joined.headers["Location"] == "/door/"
    assert volunteer.get("/door/").status_code == 200
    assert "vera.door@example.org" in _team(app, series)
    with app.app_context():
        vera = db.session.scalar(select(User).where(User.email == "vera.door@example.org"))
        assert (vera.role.value, vera.name) == ("door", "Vera")
    # Single use: a clear page.
    again = _browser(app).get(f"/invitations/{token}")
    assert again.status_code == 410
    assert "accepted already" in again.get_data(as_text=True)
    # Gone from the pending list.
    assert "vera.door@example.org</td>" not in client.get(f"/admin/series/{series}/team").get_data(
        as_text=True
    )


def test_an_existing_account_joins_after_logging_in(app, client, make):
    organiser = make.user("organiser")
    door = make.user("door", email="paul@example.org")
    series = make.series(team=(organiser,))
    log_in(client, organiser)
    _invite(client, series, "paul@example.org")
    token = _link(app, "paul@example.org")
    paul = app.test_client()
    paul.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = paul.get(f"/invitations/{token}").get_data(as_text=True)
    assert "log in with it" in page
    assert "Choose your password" not in page
    # No account can be made over the existing one.
    refused = post_form(
        paul,
        f"/invitations/{token}",
        {"name": "X", "password": PASSWORD, "confirm": PASSWORD},
        page="/login",
    )
    assert refused.status_code == 422
    assert _team(app, series) == [organiser]
    login = post_form(
        paul,
        f"/login?next=/invitations/{token}",
        {"email": door, "password": "correct horse battery"},
        page="/login",
    )
    assert login.headers["Location"] == f"/invitations/{token}"
    assert "Join the team" in paul.get(f"/invitations/{token}").get_data(as_text=True)
    assert post_form(paul, f"/invitations/{token}", {}).status_code == 302
    assert door in _team(app, series)


def _roles(app, series: str) -> dict[str, str]:
    with app.app_context():
        s = db.session.scalar(select(Series).where(Series.slug == series))
        return {m.user.email: m.role.value for m in s.memberships}


def test_an_organiser_elsewhere_joins_as_door_volunteer_with_door_rights_only(app, client, make):
    """Roles are per team: an organiser of club B invited to club A's door gets A's door,
    not A's management, and keeps organising B."""
    organiser = make.user("organiser")
    other_organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    theirs = make.series(team=(other_organiser,))
    event = make.event(series)
    log_in(client, organiser)
    _invite(client, series, "someone@example.org", role="door")
    token = _link(app, "someone@example.org")
    browser = _browser(app)
    log_in(browser, other_organiser)
    page = browser.get(f"/invitations/{token}").get_data(as_text=True)
    assert "with this role in this series only" in page
    assert post_form(browser, f"/invitations/{token}", {}).status_code == 302
    assert _roles(app, series)[other_organiser] == "door"
    assert browser.get(f"/door/{event}").status_code == 200
    assert browser.get(f"/admin/series/{series}").status_code == 403
    assert browser.get(f"/admin/events/{event}/registrations").status_code == 403
    assert browser.get(f"/admin/series/{theirs}").status_code == 200


def test_a_door_volunteer_invited_as_organiser_organises_that_series_only(app, client, make):
    organiser = make.user("organiser")
    volunteer = make.user("door", email="vera@example.org")
    series, elsewhere = make.series(team=(organiser,)), make.series(team=(organiser, volunteer))
    log_in(client, organiser)
    _invite(client, series, "vera@example.org", role="organiser")
    browser = _browser(app)
    log_in(browser, volunteer)
    assert post_form(browser, f"/invitations/{_link(app, volunteer)}", {}).status_code == 302
    assert _roles(app, series)[volunteer] == "organiser"
    assert _roles(app, elsewhere)[volunteer] == "door"
    assert browser.get(f"/admin/series/{series}/team").status_code == 200
    assert browser.get(f"/admin/series/{elsewhere}").status_code == 403
    # Her account stays a door volunteer's: she creates no series.
    assert browser.get("/admin/series/new").status_code == 403
    assert "New series" not in browser.get("/admin/series").get_data(as_text=True)


def test_a_paired_door_phone_cannot_join_a_team(app, client, make):
    from meetup.checkin import pairing
    from meetup.events.models import Event

    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    event = make.event(series)
    log_in(client, organiser)
    _invite(client, series, "someone@example.org")
    token = _link(app, "someone@example.org")
    with app.app_context():
        evening = db.session.scalar(select(Event).where(Event.slug == event))
        organiser_user = db.session.scalar(select(User).where(User.email == organiser))
        _phone, code = pairing.add_phone(evening, organiser_user)
    phone = _browser(app)
    assert post_form(phone, f"/p/{code}", {}).status_code == 302
    page = phone.get(f"/invitations/{token}").get_data(as_text=True)
    assert "paired to one evening" in page
    assert post_form(phone, f"/invitations/{token}", {}).status_code == 422
    assert _team(app, series) == [organiser]


def test_the_inviter_cannot_tell_whether_the_address_had_an_account(app, client, make):
    organiser = make.user("organiser")
    make.user("door", email="has.account@example.org")
    series = make.series(team=(organiser,))
    log_in(client, organiser)
    answers = []
    for email in ("has.account@example.org", "no.account@example.org"):
        response = _invite(client, series, email)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, page.replace(email, "ADDRESS")))
    assert answers[0][0] == answers[1][0] == 302
    flash = re.compile(r"Invitation sent to ADDRESS\.")
    assert flash.search(answers[0][1]) and flash.search(answers[1][1])
    texts = [m.get_body(("plain",)).get_content() for m in outbox(app, "invitation")]
    assert LINK.sub("", texts[0]) == LINK.sub("", texts[1])  # the same email too


def test_resend_gives_a_new_link_and_withdraw_ends_it(app, client, make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    log_in(client, organiser)
    _invite(client, series, "late@example.org")
    first = _link(app, "late@example.org")
    invitation_id = _pending_id(app)
    team_page = f"/admin/series/{series}/team"
    resent = post_form(
        client, f"{team_page}/invitations/{invitation_id}/resend", {}, page=team_page
    )
    assert resent.status_code == 302
    second = _link(app, "late@example.org")
    assert second != first
    assert _browser(app).get(f"/invitations/{first}").status_code == 404
    assert _browser(app).get(f"/invitations/{second}").status_code == 200
    post_form(client, f"{team_page}/invitations/{invitation_id}/withdraw", {}, page=team_page)
    withdrawn = _browser(app).get(f"/invitations/{second}")
    assert withdrawn.status_code == 410
    assert "withdrew it" in withdrawn.get_data(as_text=True)
    page = client.get(team_page).get_data(as_text=True)
    assert "withdrawn: its link no longer works" in page
    assert "late@example.org</td>" not in page


def test_an_expired_invitation_gets_a_clear_page(app, client, make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    log_in(client, organiser)
    _invite(client, series, "slow@example.org")
    token = _link(app, "slow@example.org")
    later = utcnow() + invitations.LIFETIME + timedelta(minutes=1)
    with mock.patch("meetup.accounts.invitations.utcnow", return_value=later):
        page = _browser(app).get(f"/invitations/{token}")
    assert page.status_code == 410
    assert "more than a week old" in page.get_data(as_text=True)
    assert _browser(app).get("/invitations/" + "f" * 43).status_code == 404


def test_removing_someone_closes_the_series_to_them(app, client, make):
    organiser = make.user("organiser")
    door = make.user("door")
    series = make.series(team=(organiser, door))
    event = make.event(series)
    volunteer = app.test_client()
    log_in(volunteer, door)
    assert volunteer.get(f"/door/{event}").status_code == 200
    log_in(client, organiser)
    with app.app_context():
        door_id = db.session.scalar(select(User.id).where(User.email == door))
        organiser_id = db.session.scalar(select(User.id).where(User.email == organiser))
    team_page = f"/admin/series/{series}/team"
    removed = post_form(client, f"{team_page}/members/{door_id}/remove", {}, page=team_page)
    assert removed.status_code == 302
    assert _team(app, series) == [organiser]
    assert volunteer.get(f"/door/{event}").status_code == 403
    # Not oneself.
    post_form(client, f"{team_page}/members/{organiser_id}/remove", {}, page=team_page)
    assert _team(app, series) == [organiser]


def test_bad_input_on_the_invitation_forms(app, client, make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    log_in(client, organiser)
    bad = _invite(client, series, "not-an-address")
    assert bad.status_code == 422
    assert 'value="not-an-address"' in bad.get_data(as_text=True)
    bad_role = _invite(client, series, "ok@example.org", role="admin")
    assert bad_role.status_code == 422
    member = _invite(client, series, organiser)
    assert member.status_code == 422
    assert "on the team already" in member.get_data(as_text=True)
    assert outbox(app) == []
    _invite(client, series, "ok@example.org")
    token = _link(app, "ok@example.org")
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    short = post_form(
        browser, f"/invitations/{token}", {"name": "Olga", "password": "x", "confirm": "x"}
    )
    assert short.status_code == 422
    assert 'value="Olga"' in short.get_data(as_text=True)
    no_name = post_form(
        browser, f"/invitations/{token}", {"name": "", "password": PASSWORD, "confirm": PASSWORD}
    )
    assert no_name.status_code == 422


def test_an_organiser_manages_only_their_own_series_invitations(app, client, make):
    organiser, outsider = make.user("organiser"), make.user("organiser")
    series = make.series(team=(organiser,))
    other = make.series(team=(outsider,))
    log_in(client, organiser)
    _invite(client, series, "mine@example.org")
    invitation_id = _pending_id(app)
    intruder = app.test_client()
    log_in(intruder, outsider)
    html = intruder.get(f"/admin/series/{other}/team").get_data(as_text=True)
    # Through the outsider's own series: the invitation is not theirs.
    response = intruder.post(
        f"/admin/series/{other}/team/invitations/{invitation_id}/withdraw",
        data={"csrf_token": csrf_from(html)},
    )
    assert response.status_code == 404
    assert intruder.get(f"/admin/series/{series}/team").status_code == 403
    assert _browser(app).get(f"/invitations/{_link(app, 'mine@example.org')}").status_code == 200


def test_a_series_sends_at_most_so_many_invitations_a_day(app, client, make, monkeypatch):
    monkeypatch.setattr(invitations, "EMAILS_PER_DAY", 2)
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    log_in(client, organiser)
    assert _invite(client, series, "a@example.org").status_code == 302
    assert _invite(client, series, "b@example.org").status_code == 302
    third = _invite(client, series, "c@example.org")
    assert third.status_code == 422
    assert "try again tomorrow" in third.get_data(as_text=True)
    assert len(outbox(app, "invitation")) == 2
