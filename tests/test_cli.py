"""Command line: accounts, API tokens, the demo."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from meetup.auth.models import Role, User
from meetup.auth.services import authenticate, find_user_by_email
from meetup.events.models import Event, EventStatus, Series
from meetup.extensions import db
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.timeutil import utcnow


def test_users_create_with_password(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Claire@Club.fr",
            "--role",
            "organiser",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.role) == ("claire@club.fr", Role.ORGANISER)


def test_users_create_prompts_for_the_password(app, runner):
    result = runner.invoke(
        args=["users", "create", "door@club.fr", "--role", "door"],
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "a long password" not in result.output
    assert "created door door@club.fr" in result.output


def test_users_create_refuses_bad_input(runner):
    result = runner.invoke(
        args=["users", "create", "x@club.fr", "--role", "boss", "--password", "p" * 12]
    )
    assert result.exit_code != 0 and "boss" in result.output
    result = runner.invoke(
        args=["users", "create", "x@club.fr", "--role", "admin", "--password", "short"]
    )
    assert result.exit_code != 0 and "at least" in result.output
    runner.invoke(args=["users", "create", "x@club.fr", "--role", "admin", "--password", "p" * 12])
    result = runner.invoke(
        args=["users", "create", "X@club.fr", "--role", "admin", "--password", "p" * 12]
    )
    assert result.exit_code != 0 and "already exists" in result.output


def test_tokens_create_prints_the_token_last_and_it_works(client, runner, make):
    email = make.user("organiser")
    result = runner.invoke(args=["tokens", "create", email, "--name", "club website"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    response = client.get("/api/v1/events", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200

    listed = runner.invoke(args=["tokens", "list"]).output
    assert "club website" in listed and token not in listed
    token_id = listed.split("\t", 1)[0]
    assert runner.invoke(args=["tokens", "revoke", token_id]).exit_code == 0
    response = client.get("/api/v1/events", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_tokens_create_for_an_unknown_user_fails(runner):
    result = runner.invoke(args=["tokens", "create", "nobody@club.fr"])
    assert result.exit_code != 0 and "no user" in result.output


def test_users_deactivate_stops_their_tokens(client, runner, make):
    email = make.user("organiser")
    token = make.api_token(email)
    assert runner.invoke(args=["users", "deactivate", email]).exit_code == 0
    response = client.get("/api/v1/events", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "deactivated" in runner.invoke(args=["users", "list"]).output


def _metres(a: Registration, b: Registration) -> float:
    lat = math.radians((a.latitude + b.latitude) / 2)
    dx = math.radians(b.longitude - a.longitude) * math.cos(lat) * 6_371_000
    dy = math.radians(b.latitude - a.latitude) * 6_371_000
    return math.hypot(dx, dy)


def test_demo_load_is_complete_and_idempotent(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "demo organiser login: organisatrice@demo.example.org / " in result.output
    login_line = next(line for line in result.output.splitlines() if "organiser login" in line)
    assert len(login_line.rsplit(" / ", 1)[1]) >= 12  # a random password
    admin_line = next(line for line in result.output.splitlines() if "administrator" in line)
    assert "admin@demo.example.org / " in admin_line
    admin_password = admin_line.rsplit(" / ", 1)[1]
    assert len(admin_password) >= 12 and admin_password not in login_line

    again = runner.invoke(args=["demo", "load"])
    assert "nothing changed" in again.output
    assert login_line in again.output  # the same logins, printed again
    assert admin_line in again.output
    with app.app_context():
        admin = find_user_by_email("admin@demo.example.org")
        assert admin.role.value == "admin"
        assert authenticate("admin@demo.example.org", admin_password) is not None

    with app.app_context():
        series = db.session.scalar(select(Series))
        assert series.name == "Café des entreprenants de Vienne"
        assert series.timezone == "Europe/Paris"
        assert db.session.scalar(select(func.count()).select_from(Series)) == 1
        past, upcoming = db.session.scalars(select(Event).order_by(Event.starts_at)).all()
        assert past.ends_at < utcnow() < upcoming.starts_at
        assert upcoming.starts_at - utcnow() < timedelta(days=40)
        assert {past.status, upcoming.status} == {EventStatus.PUBLISHED}
        assert upcoming.capacity == 40
        confirmed = db.session.scalar(
            select(func.count()).where(
                Registration.event_id == upcoming.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        assert 30 <= confirmed < 40  # some seats left
        people = db.session.scalars(select(Registration)).all()
        emails = {person.email.lower() for person in people}
        assert len(emails) == 60
        assert all(person.latitude and person.longitude for person in people)
        assert all(45.4 < p.latitude < 45.65 and 4.75 < p.longitude < 5.0 for p in people)
        assert any(p.checked_in_at for p in people if p.event_id == past.id)
        unique_people = {p.email: p for p in people}.values()
        neighbours = [
            (a, b)
            for a in unique_people
            for b in unique_people
            if a.email < b.email and (a.street, a.city) != (b.street, b.city) and _metres(a, b) < 50
        ]
        assert neighbours, "some attendees should work in neighbouring buildings"
        organiser = db.session.scalar(select(User))
        assert organiser in series.team


def test_demo_load_if_empty_leaves_a_real_database_alone(app, runner, make):
    make.series(name="Le club de Lyon")
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0
    assert "demo not loaded" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Series)) == 1


def test_make_run_demo_serves_the_series_page(app, runner, client):
    runner.invoke(args=["demo", "load", "--if-empty"])
    html = client.get("/series/cafe-des-entreprenants-de-vienne").get_data(as_text=True)
    assert "Travailler par et sur Internet" in html
    assert "seats left" in html


def test_the_demo_shows_the_directory_from_an_attendee_s_link(app, runner, client):
    result = runner.invoke(args=["demo", "load"])
    link = next(line.rsplit(" ", 1)[1] for line in result.output.splitlines() if "attendee" in line)
    assert link.startswith("http://localhost/r/")
    page = client.get(link.removeprefix("http://localhost"))
    assert page.status_code == 200 and b"Who came" in page.data
    # The evening is over: the page leads with who came, not with a ticket for the door.
    html = page.get_data(as_text=True)
    assert "The evening is over: see who was there" in html
    assert "Your ticket" not in html and "ticket-qr" not in html
    assert html.index("Who came") < html.index("My card")
    with app.app_context():
        past = db.session.scalars(select(Event).order_by(Event.starts_at)).first()
        slug, series = past.slug, past.series.slug
    html = client.get(f"/events/{slug}/directory").get_data(as_text=True)
    assert "Your neighbours" in html and ("Next door" in html or "m away" in html)
    assert client.get(f"/series/{series}/community").status_code == 200
    markers = client.get(f"/events/{slug}/directory/map.json").get_json()["markers"]
    assert len(markers) >= 10


def test_a_demo_loaded_before_the_administrator_gets_one_and_a_club_never(app, runner, make):
    """`make run` on a database that already has series: an older demo gets its
    administrator; a club's own database (no demo series) gets no account at all."""
    for name in ("demo-login.txt", "demo-admin-login.txt"):  # another test's demo
        Path(app.instance_path, name).unlink(missing_ok=True)
    make.series(team=(make.user("organiser"),))
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "demo not loaded" in result.output
    assert "administrator" not in result.output
    with app.app_context():
        assert find_user_by_email("admin@demo.example.org") is None

    runner.invoke(args=["demo", "load"])
    with app.app_context():
        admin = find_user_by_email("admin@demo.example.org")
        db.session.delete(admin)  # as before the demo had one
        db.session.commit()
    Path(app.instance_path, "demo-admin-login.txt").unlink()
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "demo administrator login" in result.output
    with app.app_context():
        assert find_user_by_email("admin@demo.example.org").role is Role.ADMIN
