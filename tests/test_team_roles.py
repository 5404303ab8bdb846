"""Roles per team (issue 20): the migration, the team page that shows and changes them, a
series that keeps an organiser, the series form that keeps them, and acceptances of
invitations at the same moment. Who may open what with which role: tests/test_access.py."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from meetup.accounts import invitations
from meetup.accounts.tokens import hash_token
from meetup.auth.models import Role, TeamMember, TeamRole, User, series_team
from meetup.auth.services import find_user_by_email
from meetup.events import team
from meetup.events.models import Event, Series
from meetup.extensions import db
from tests.helpers import log_in, post_form


def _roles(app, series: str) -> dict[str, str]:
    with app.app_context():
        s = db.session.scalar(select(Series).where(Series.slug == series))
        return {m.user.email: m.role.value for m in s.memberships}


def _id(app, email: str) -> int:
    with app.app_context():
        return find_user_by_email(email).id


def test_the_migration_keeps_the_rights_each_member_had(app, make):
    door, organiser, admin = make.user("door"), make.user("organiser"), make.user("admin")
    series = make.series(team=(door, organiser, admin))
    with app.app_context():
        db.session.remove()
        downgrade(revision="0035_tables")
        columns = db.session.execute(text("SELECT * FROM series_team")).keys()
        assert "role" not in columns
        db.session.remove()
        upgrade()
    assert _roles(app, series) == {door: "door", organiser: "organiser", admin: "organiser"}


def test_the_team_page_shows_each_role_here_and_changes_it(app, client, make):
    organiser, volunteer = make.user("organiser"), make.user("door", name="Vera")
    series = make.series(team=(organiser, volunteer))
    elsewhere = make.series(team=(organiser, volunteer))
    log_in(client, organiser)
    page_url = f"/admin/series/{series}/team"
    page = client.get(page_url).get_data(as_text=True)
    vera = _id(app, volunteer)
    assert f'id="member-{vera}-role">door volunteer<' in page
    role_url = f"{page_url}/members/{vera}/role"
    changed = post_form(client, role_url, {"role": "organiser"}, page=page_url)
    assert changed.status_code == 302
    page = client.get(page_url).get_data(as_text=True)
    assert "Vera is now an organiser of this series." in page
    assert f'id="member-{vera}-role">organiser<' in page
    assert _roles(app, series)[volunteer] == "organiser"
    assert _roles(app, elsewhere)[volunteer] == "door"  # her role elsewhere stays
    # A role that is none: said, nothing changed.
    post_form(client, role_url, {"role": "admin"}, page=page_url)
    assert "Choose organiser or door volunteer." in client.get(page_url).get_data(as_text=True)
    assert _roles(app, series)[volunteer] == "organiser"


def test_a_series_keeps_at_least_one_organiser(app, client, make):
    organiser, volunteer, admin = make.user("organiser"), make.user("door"), make.user("admin")
    series = make.series(team=(organiser, volunteer))
    page_url = f"/admin/series/{series}/team"
    own_role = f"{page_url}/members/{_id(app, organiser)}/role"
    log_in(client, organiser)
    post_form(client, own_role, {"role": "door"}, page=page_url)
    page = client.get(page_url).get_data(as_text=True)
    assert "is this series&#39; only organiser: make someone else an organiser first." in page
    assert _roles(app, series)[organiser] == "organiser"
    # An administrator cannot take the last organiser off either.
    admin_browser = app.test_client()
    log_in(admin_browser, admin)
    remove = f"{page_url}/members/{_id(app, organiser)}/remove"
    post_form(admin_browser, remove, {}, page=page_url)
    assert organiser in _roles(app, series)
    # With a second organiser, one may step down to the door: the series' pages close.
    post_form(
        client,
        f"{page_url}/members/{_id(app, volunteer)}/role",
        {"role": "organiser"},
        page=page_url,
    )
    stepped_down = post_form(client, own_role, {"role": "door"}, page=page_url)
    assert stepped_down.status_code == 302
    assert stepped_down.headers["Location"] == "/admin/"  # an organiser's account: the dashboard
    assert _roles(app, series) == {organiser: "door", volunteer: "organiser"}
    assert client.get(page_url).status_code == 403


def test_two_organisers_stepping_down_at_once_leave_one(app, make):
    """Each change sees the team as the one before left it (the series' row lock)."""
    first, second = make.user("organiser"), make.user("organiser")
    series = make.series(team=(first, second))
    barrier = threading.Barrier(2)

    def step_down(email: str) -> str:
        with app.app_context():
            s = db.session.scalar(select(Series).where(Series.slug == series))
            user = find_user_by_email(email)
            db.session.commit()
            barrier.wait(timeout=30)
            try:
                team.set_role(s, user, TeamRole.DOOR)
                return "door"
            except team.LastOrganiser:
                return "refused"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = sorted(pool.map(step_down, (first, second)))
    assert answers == ["door", "refused"]
    assert sorted(_roles(app, series).values()) == ["door", "organiser"]


def test_the_series_form_keeps_each_role_and_adds_newcomers_with_theirs(app, client, make):
    organiser = make.user("organiser")
    door_here = make.user("organiser")  # an organiser elsewhere
    newcomer = make.user("door")
    series = make.series(team=(organiser,))
    make.on_team(series, door_here, "door")
    make.series(team=(organiser, newcomer))  # a colleague of the organiser's
    log_in(client, organiser)
    edit = f"/admin/series/{series}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert "Organiser (door)" in page  # door_here, named by her role in this series
    with app.app_context():
        s = db.session.scalar(select(Series).where(Series.slug == series))
        values = {
            "name": s.name,
            "city": s.city,
            "timezone": s.timezone,
            "default_capacity": s.default_capacity,
            "neighbour_radius_m": s.neighbour_radius_m,
            "reminder_hours": s.reminder_hours,
            "retention_nobody_days": s.retention_nobody_days,
            "retention_checkin_days": s.retention_checkin_days,
        }
    ids = [_id(app, email) for email in (organiser, door_here, newcomer)]
    saved = post_form(client, edit, values | {"team": ids})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert _roles(app, series) == {organiser: "organiser", door_here: "door", newcomer: "door"}


def test_an_organiser_badge_is_an_organiser_of_that_series(app, make):
    """The badge's "organiser" band follows the role in the evening's series."""
    from meetup.badges.services import roles_for
    from meetup.registrations.models import Registration

    organiser, door_here = make.user("organiser"), make.user("organiser")
    series = make.series(team=(organiser,))
    make.on_team(series, door_here, "door")
    event = make.event(series)
    ids = {email: make.registration(event, email=email) for email in (organiser, door_here)}
    with app.app_context():
        evening = db.session.scalar(select(Event).where(Event.slug == event))
        people = [db.session.get(Registration, registration_id) for registration_id in ids.values()]
        by_id = roles_for(evening, people)
        roles = {email: by_id[registration_id] for email, registration_id in ids.items()}
    assert roles[organiser] == "organiser"
    assert roles[door_here] != "organiser"


# -- acceptances at the same moment --------------------------------------------------------


def _invitations(app, make, series_slugs: list[str], count: int) -> list[str]:
    """`count` invitations (as door volunteers, then organiser) to each series, to
    addresses of their own; their links' tokens."""
    inviter = make.user("organiser")
    tokens = []
    with app.app_context():
        user = find_user_by_email(inviter)
        for slug in series_slugs:
            series = db.session.scalar(select(Series).where(Series.slug == slug))
            for n in range(count):
                role = Role.ORGANISER if n == count - 1 else Role.DOOR
                invitation = invitations.invite(series, f"{slug}-{n}@example.org", role, user)
                token = f"test-token-{slug}-{n}-0123456789abcdefghijkl"
                invitation.token_hash = hash_token(token)
                tokens.append(token)
        db.session.commit()
    return tokens


def _accept_at_once(app, tokens: list[str], email: str) -> list[str]:
    barrier = threading.Barrier(len(tokens))

    def one(token: str) -> str:
        with app.app_context():
            user = find_user_by_email(email)
            db.session.commit()
            barrier.wait(timeout=30)
            try:
                invitations.accept(token, user)
                return "joined"
            except invitations.InvitationRefused as refused:
                return refused.reason
            except IntegrityError:
                return "integrity error"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(one, tokens))


def _rows(app, email: str) -> int:
    with app.app_context():
        user_id = find_user_by_email(email).id
        return db.session.scalar(
            select(func.count()).select_from(series_team).where(series_team.c.user_id == user_id)
        )


@pytest.mark.postgres_only
def test_one_person_accepting_several_invitations_at_once_joins_once(app, make):
    """Two invitations to the same series (two addresses of one person), opened in two tabs
    with the same account, and invitations to two series: each acceptance succeeds, one row
    per series, and the organiser invitation's role wins."""
    series = [make.series(), make.series()]
    tokens = _invitations(app, make, series, 4)
    person = make.user("door")
    assert _accept_at_once(app, tokens, person) == ["joined"] * 8
    assert _rows(app, person) == 2
    for slug in series:
        assert _roles(app, slug)[person] == "organiser"


@pytest.mark.postgres_only
def test_the_same_invitation_accepted_twice_at_once(app, make):
    [token] = _invitations(app, make, [make.series()], 1)
    person = make.user("door")
    answers = _accept_at_once(app, [token] * 6, person)
    assert sorted(answers) == ["joined"] + ["used"] * 5
    assert _rows(app, person) == 1


@pytest.mark.postgres_only
def test_without_the_upsert_the_race_shows(app, make, monkeypatch):
    """The control: joining by "look, then insert" (as before) hits the primary key when
    acceptances meet, so the test above would catch its return."""

    def look_then_insert(series, user, role):
        if all(m.user_id != user.id for m in series.memberships):
            series.memberships.append(TeamMember(user=user, role=role))
            db.session.flush()

    monkeypatch.setattr(team, "join", look_then_insert)
    answers = []
    for _ in range(3):
        tokens = _invitations(app, make, [make.series()], 6)
        answers += _accept_at_once(app, tokens, make.user("door"))
        if "integrity error" in answers:
            break
    assert "integrity error" in answers


def test_an_admins_account_joins_with_the_invitations_role(app, make):
    [token] = _invitations(app, make, [series := make.series()], 1)
    admin = make.user("admin")
    with app.app_context():
        invitations.accept(token, db.session.scalar(select(User).where(User.email == admin)))
    assert _roles(app, series)[admin] == "organiser"


@pytest.mark.parametrize("action", ["role", "remove"])
def test_an_organiser_demoted_while_their_change_waits_changes_nothing(
    app, client, make, monkeypatch, action
):
    """Bea asks to demote (or remove) Cid; Ann demotes Bea at that moment, and commits
    between Bea's access check and Bea's turn at the series' lock. Bea is a door volunteer
    when her change runs: it is refused, Cid keeps his role."""
    ann, bea, cid = make.user("organiser"), make.user("organiser"), make.user("organiser")
    series = make.series(team=(ann, bea, cid))
    page_url = f"/admin/series/{series}/team"
    log_in(client, bea)
    bea_id, cid_id = _id(app, bea), _id(app, cid)
    real_lock = team._lock

    def ann_demotes_bea_first(s):
        db.session.execute(
            series_team.update()
            .where(series_team.c.series_id == s.id, series_team.c.user_id == bea_id)
            .values(role=TeamRole.DOOR)
        )
        db.session.commit()
        real_lock(s)

    monkeypatch.setattr(team, "_lock", ann_demotes_bea_first)
    url = f"{page_url}/members/{cid_id}/{action}"
    data = {"role": "door"} if action == "role" else {}
    response = post_form(client, url, data, page=f"/admin/series/{series}/edit")
    assert response.status_code == 403
    assert _roles(app, series) == {ann: "organiser", bea: "door", cid: "organiser"}
