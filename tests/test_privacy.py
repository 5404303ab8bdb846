"""Privacy: consents recorded with their history, my data, erasure that really erases (checked
in a full database dump and the mail folder), retention with a frozen clock, the audit of
exports, the privacy page."""

from __future__ import annotations

import email
import json
import shutil
import subprocess
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
import vobject
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from meetup.audit import AuditEntry
from meetup.checkin.models import CheckinRequest
from meetup.directory import services as directory_services
from meetup.directory.geocoding import GeocodeAnswer, address_key
from meetup.directory.models import GeocodeCacheEntry, Introduction
from meetup.events.models import Event, Series
from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.privacy import retention
from meetup.privacy.consents import WORDING_VERSION
from meetup.privacy.models import ConsentRecord
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, log_in, post_form

NAME = ("Zéphyrine", "Quillebeuf")
EMAIL = "zephyrine.quillebeuf@example.org"
TOKEN = "token-zephyrine-0123456789abcdefghij"
STREET = ("12 rue Marchande", "38200", "Vienne")


def _signup(client, event, **extra):
    data = {
        "first_name": NAME[0],
        "last_name": NAME[1],
        "email": EMAIL,
        "company": "Quillebeuf Conseil",
        "phone": "+33 6 12 34 56 78",
        "street": STREET[0],
        "postcode": STREET[1],
        "city": STREET[2],
        "visibility": "community",
        "share_email": "y",
        "accept_introductions": "y",
        "language": "fr",
    } | extra
    return post_form(client, f"/events/{event}/signup", data)


def _by_email(address=EMAIL) -> Registration:
    return db.session.scalar(
        select(Registration).where(func.lower(Registration.email) == address.lower())
    )


# -- consents --------------------------------------------------------------------------------


def test_every_consent_is_recorded_with_its_wording_and_its_history(app, client, make):
    event = make.event(make.series())
    assert _signup(client, event).status_code == 302
    with app.app_context():
        registration = _by_email()
        records = db.session.scalars(
            select(ConsentRecord).where(ConsentRecord.registration_id == registration.id)
        ).all()
        given = {r.consent: r.value for r in records}
        assert given == {
            "visibility": "community",
            "street_on_badge": "no",
            "share_email": "yes",
            "share_phone": "no",
            "share_address": "no",
            "accept_introductions": "yes",
            "notify_new_neighbours": "no",
            "news": "no",
        }
        assert {r.how for r in records} == {"public"} and {r.wording for r in records} == {
            WORDING_VERSION
        }
        # A change from the personal page: one new record, the old one kept.
        registration.share_email = False
        registration.company = "Autre"  # not a consent
        db.session.commit()
        history = db.session.scalars(
            select(ConsentRecord)
            .where(ConsentRecord.registration_id == registration.id)
            .order_by(ConsentRecord.id)
        ).all()
        assert len(history) == 9
        assert (history[-1].consent, history[-1].value, history[-1].how) == (
            "share_email",
            "no",
            "changed",
        )


# -- my data ---------------------------------------------------------------------------------


def test_my_data_as_a_page_and_as_json(app, client, make):
    event = make.event(make.series())
    make.registration(event, token=TOKEN, first_name=NAME[0], last_name=NAME[1], email=EMAIL)
    other = make.event(make.series())
    make.registration(other, first_name=NAME[0], last_name=NAME[1], email=EMAIL.upper())
    make.registration(event, first_name="Someone", last_name="Else")
    page = client.get(f"/r/{TOKEN}/my-data")
    assert page.status_code == 200 and b"Quillebeuf" in page.data
    assert b"Someone" not in page.data
    assert page.headers["Cache-Control"] == "no-store"
    data = json.loads(client.get(f"/r/{TOKEN}/my-data.json").data)
    assert data["email"] == EMAIL
    assert len(data["registrations"]) == 2  # both evenings, whatever the case of the email
    assert data["registrations"][0]["card"]["last_name"] == NAME[1]
    assert "visibility" in data["registrations"][0]["consents"]
    assert client.get("/r/not-a-token/my-data").status_code == 404
    assert client.get("/r/not-a-token/my-data.json").status_code == 404


# -- erasure ---------------------------------------------------------------------------------


def _database_dump(app) -> str:
    with app.app_context():
        url = make_url(str(db.engine.url))
        if url.get_backend_name() == "sqlite":
            raw = db.engine.raw_connection()
            try:
                return "\n".join(raw.driver_connection.iterdump())
            finally:
                raw.close()
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip(
            "pg_dump is needed to check the PostgreSQL dump (apt-get install postgresql-client)"
        )
    result = subprocess.run(
        [
            pg_dump,
            "--data-only",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            url.database,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def _outbox_text(app) -> str:
    """The dump shows emails as hex: every message left in the outbox, decoded."""
    texts = []
    with app.app_context():
        for (raw,) in db.session.execute(select(OutboxMessage.raw)):
            message = email.message_from_bytes(raw, policy=policy.default)
            texts.extend(str(value) for value in message.values())
            texts.extend(
                part.get_content()
                for part in message.walk()
                if part.get_content_maintype() == "text"
            )
    return "\n".join(texts)


def _mail_folder_text(app) -> str:
    """Every file of the mail folder, raw and decoded (headers, every text part)."""
    texts = []
    folder = Path(app.instance_path) / "mail"
    for path in folder.glob("*.eml") if folder.is_dir() else ():
        raw = path.read_bytes()
        texts.append(raw.decode("utf-8", "replace"))
        message = email.message_from_bytes(raw, policy=policy.default)
        texts.extend(str(value) for value in message.values())
        for part in message.walk():
            if part.get_content_maintype() == "text":
                texts.append(part.get_content())
    return "\n".join(texts)


def _absent(text: str) -> None:
    lowered = text.lower()
    for needle in (EMAIL, NAME[1], NAME[0], "Zephyrine", "Quillebeuf Conseil", "+33 6 12 34 56 78"):
        assert needle.lower() not in lowered, needle


@pytest.fixture
def erasable(app, client, make, runner):
    """Zéphyrine with everything a person leaves behind: registrations in two evenings (one
    past, one to come with a seat and someone waiting), emails delivered into the mail folder,
    a check-in scan, a QR matrix, a geocoded address (another one shared with a colleague),
    introductions both ways, a new-neighbour email naming her to someone else."""
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    past = make.event(series, starts_at=(utcnow() - timedelta(days=1)).replace(microsecond=0))
    upcoming = make.event(series, capacity=1)
    earlier = make.event(series, starts_at=utcnow() - timedelta(days=40))
    assert _signup(client, upcoming).status_code == 302
    waiting = make.registration(
        upcoming, status="waitlisted", first_name="Wanda", email="wanda@example.org"
    )
    came = utcnow() - timedelta(hours=20)
    zephyrine = make.registration(
        past,
        token=TOKEN,
        first_name=NAME[0],
        last_name=NAME[1],
        email=EMAIL,
        company="Quillebeuf Conseil",
        phone="+33 6 12 34 56 78",
        street="3 Cours Romestang",
        postcode="38200",
        city="Vienne",
        latitude=45.5226,
        longitude=4.8743,
        visibility="community",
        share_email=True,
        accept_introductions=True,
        checked_in_at=came,
    )
    colleague = make.registration(
        past,
        first_name="Colette",
        email="colette@example.org",
        street=STREET[0],
        postcode=STREET[1],
        city=STREET[2],
        latitude=45.5255,
        longitude=4.8766,
        visibility="community",
        accept_introductions=True,
        checked_in_at=came,
    )
    member = make.registration(
        earlier,
        first_name="Marcel",
        email="marcel@example.org",
        latitude=45.5227,
        longitude=4.8744,
        visibility="community",
        notify_new_neighbours=True,
        checked_in_at=utcnow() - timedelta(days=40),
    )
    with app.app_context():
        from meetup.directory.services import request_introduction
        from meetup.registrations.tickets import ticket_matrix

        me = db.session.get(Registration, zephyrine)
        them = db.session.get(Registration, colleague)
        request_introduction(me, them)
        request_introduction(them, me)
        ticket_matrix(me)  # her QR matrix, kept
        db.session.add(
            CheckinRequest(
                user_id=1, request_id="r-1", code=me.ticket_code, registration_id=me.id, status="ok"
            )
        ) if db.session.get(__import__("meetup.auth.models", fromlist=["User"]).User, 1) else None
        for street, postcode, city in ((me.street, me.postcode, me.city), STREET):
            db.session.add(
                GeocodeCacheEntry(
                    key=address_key("none", street, postcode, city),
                    answer=GeocodeAnswer.FOUND,
                    latitude=45.5,
                    longitude=4.8,
                )
            )
        db.session.commit()
        directory_services.open_directory(
            db.session.scalar(select(Event).where(Event.slug == past))
        )
        assert db.session.get(Registration, member).notify_new_neighbours
    # Everything delivered into instance/mail.
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    return {
        "organiser": organiser,
        "series": series,
        "past": past,
        "upcoming": upcoming,
        "zephyrine": zephyrine,
        "colleague": colleague,
        "waiting": waiting,
    }


def test_before_erasure_she_is_everywhere(app, erasable):
    """The control: the checks below would find her if she were still there."""
    dump = _database_dump(app)
    assert EMAIL in dump and NAME[1] in dump
    assert NAME[1].lower() in _mail_folder_text(app).lower()
    assert NAME[1].lower() in _outbox_text(app).lower()


def test_erase_me_erases_everything_everywhere(app, client, erasable):
    with app.app_context():
        old_code = db.session.get(Registration, erasable["zephyrine"]).ticket_code
    client.get(f"/r/{TOKEN}")  # remembered in this browser, as on her phone
    page = client.get(f"/r/{TOKEN}/erase")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "This cannot be undone" in html and "your registrations (2)" in html
    response = client.post(f"/r/{TOKEN}/erase", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302 and response.headers["Location"] == "/erased"

    _absent(_database_dump(app))
    _absent(_outbox_text(app))
    _absent(_mail_folder_text(app))
    assert client.get(f"/r/{TOKEN}").status_code == 404
    assert client.get(f"/r/{TOKEN}/my-data").status_code == 404
    assert client.get(f"/b/{old_code}").status_code == 404
    with app.app_context():
        # Her seat went to the person waiting; the past evening still counts one arrival.
        assert db.session.get(Registration, erasable["waiting"]).status.value == "confirmed"
        past = db.session.scalar(select(Event).where(Event.slug == erasable["past"]))
        came = db.session.scalar(
            select(func.count()).where(
                Registration.event_id == past.id, Registration.checked_in_at.is_not(None)
            )
        )
        assert came == 2
        assert db.session.scalar(select(func.count()).select_from(Introduction)) == 0
        # The colleague's address stays in the geocoder's cache; hers is gone.
        keys = set(db.session.scalars(select(GeocodeCacheEntry.key)))
        assert keys == {address_key("none", *STREET)}
        audit = db.session.scalars(select(AuditEntry)).all()
        assert [a.action for a in audit] == ["erase_self"]
    # The directory, its map and vCards no longer list her (seen by her colleague).
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with app.app_context():
        colleague = db.session.get(Registration, erasable["colleague"])
        with other.session_transaction() as session:
            session["attendee"] = [colleague.id, colleague.manage_token_hash[:16]]
    for url in (
        f"/events/{erasable['past']}/directory",
        f"/series/{erasable['series']}/community",
        f"/events/{erasable['past']}/directory/map.json",
        f"/events/{erasable['past']}/directory/contacts.vcf",
    ):
        response = other.get(url)
        assert response.status_code == 200, url
        _absent(response.get_data(as_text=True))
    cards = list(
        vobject.readComponents(
            other.get(f"/events/{erasable['past']}/directory/contacts.vcf").get_data(as_text=True)
        )
    )
    assert cards == []


def test_organisers_erase_on_request_within_their_series_only(app, client, erasable, make):
    outsider = make.user("organiser")
    log_in(client, outsider)
    page = client.get("/admin/").get_data(as_text=True)
    url = f"/admin/events/{erasable['past']}/registrations/{erasable['zephyrine']}/erase"
    assert client.post(url, data={"csrf_token": csrf_from(page)}).status_code == 403
    with app.app_context():
        assert _by_email() is not None
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    log_in(client, erasable["organiser"])
    html = client.get(f"/admin/events/{erasable['past']}/registrations").get_data(as_text=True)
    assert "Erase" in html
    response = client.post(url, data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    _absent(_database_dump(app))
    with app.app_context():
        (entry,) = db.session.scalars(select(AuditEntry)).all()
        assert entry.action == "erase" and entry.user_id is not None
        assert "Quillebeuf" not in entry.target
    html = client.get(f"/admin/events/{erasable['past']}/registrations").get_data(as_text=True)
    assert "Erased" in html


def _raw_database_files(app) -> bytes:
    """The bytes of the SQLite database and of its -wal and -shm files, lowercased."""
    with app.app_context():
        path = Path(make_url(str(db.engine.url)).database)
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(f.read_bytes() for f in files if f.exists()).lower()


def _absent_from_disk(app, *needles: str) -> None:
    raw = _raw_database_files(app)
    for needle in needles:
        assert needle.lower().encode() not in raw, f"{needle} is still in the database files"


@pytest.mark.sqlite_only
def test_an_erasure_leaves_nothing_in_the_database_files(app, client, erasable):
    """Not only the tables: the bytes on disk, where a deleted row's content stays in free
    space and the write-ahead log keeps pages as they were (meetup.scrub)."""
    raw = _raw_database_files(app)
    assert EMAIL.encode() in raw and NAME[1].lower().encode() in raw  # the control
    client.get(f"/r/{TOKEN}")
    html = client.get(f"/r/{TOKEN}/erase").get_data(as_text=True)
    assert client.post(f"/r/{TOKEN}/erase", data={"csrf_token": csrf_from(html)}).status_code == 302
    _absent_from_disk(app, EMAIL, NAME[0], NAME[1], "Quillebeuf Conseil", "+33 6 12 34 56 78")


@pytest.mark.sqlite_only
def test_the_retention_purge_leaves_nothing_in_the_database_files(app, make):
    starts = (utcnow() - timedelta(days=40)).replace(microsecond=0)
    event = make.event(make.series(retention_nobody_days=30), starts_at=starts)
    make.registration(
        event, last_name="Ombrelune", email="ombrelune@example.org", visibility="nobody"
    )
    assert b"ombrelune" in _raw_database_files(app)
    with app.app_context():
        assert retention.purge().people_erased == 1
    _absent_from_disk(app, "Ombrelune")


# -- retention -------------------------------------------------------------------------------


@pytest.fixture
def old_evening(app, make):
    series = make.series(retention_nobody_days=30, retention_checkin_days=365)
    starts = (utcnow() - timedelta(days=5)).replace(microsecond=0)
    event = make.event(series, starts_at=starts)
    came = starts + timedelta(minutes=10)
    ids = {
        "nobody": make.registration(
            event, last_name="Discret", visibility="nobody", checked_in_at=came
        ),
        "shown": make.registration(
            event, last_name="Visible", visibility="community", checked_in_at=came
        ),
        "cancelled": make.registration(
            event, last_name="Annule", status="cancelled", visibility="community"
        ),
        "walk_in": make.registration(
            event,
            last_name="Passant",
            visibility="attendees",
            checked_in_at=came,
            source="walk_in",
            checked_in_door="Porte 2",
        ),
    }
    return series, event, starts, ids


def test_retention_with_a_frozen_clock(app, old_evening, runner):
    _series, event, starts, ids = old_evening
    with app.app_context():
        # 29 days after: nothing yet.
        assert not retention.purge(starts + timedelta(days=29, hours=20)).people_erased
        # A dry run 31 days after says what would go, and changes nothing.
        report = retention.purge(starts + timedelta(days=31), dry_run=True)
        assert report.people_erased == 2
        assert db.session.get(Registration, ids["nobody"]).last_name == "Discret"
        report = retention.purge(starts + timedelta(days=31))
        assert report.people_erased == 2
        gone = db.session.get(Registration, ids["nobody"])
        assert (gone.last_name, gone.erased_at is not None) == ("", True)
        assert gone.checked_in_at is not None  # still counted as someone who came
        assert db.session.get(Registration, ids["cancelled"]).last_name == ""
        assert db.session.get(Registration, ids["shown"]).last_name == "Visible"
        # Idempotent.
        assert not retention.purge(starts + timedelta(days=32)).anything
        # A year on: arrival times become counts.
        report = retention.purge(starts + timedelta(days=366))
        assert report.evenings_summarised == 1
        evening = db.session.scalar(select(Event).where(Event.slug == event))
        assert (evening.came_count, evening.walk_in_count) == (3, 1)
        walk_in = db.session.get(Registration, ids["walk_in"])
        assert walk_in.checked_in_at == evening.starts_at and walk_in.checked_in_door == ""
        # A walk-in's registration was made at the door: its times go too.
        assert walk_in.created_at == evening.starts_at == walk_in.status_changed_at
        assert retention.purge(starts + timedelta(days=367)).evenings_summarised == 0


def test_retention_removes_old_mail_and_door_records(app, make, runner):
    event = make.event(make.series())
    rid = make.registration(event, email=EMAIL)
    with app.app_context():
        from meetup.registrations import services as registration_services

        registration_services.resend_link(db.session.get(Registration, rid))
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    files = list((Path(app.instance_path) / "mail").glob("*.eml"))
    assert files
    with app.app_context():
        assert retention.purge(utcnow() + timedelta(days=29)).emails == 0
        assert retention.purge(utcnow() + timedelta(days=31)).emails >= 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert not any(path.exists() for path in files)


def test_privacy_purge_command(app, runner, old_evening):
    result = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert result.exit_code == 0 and "would remove" in result.output
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0 and "removed:" in result.output


def test_the_worker_purges_once_a_day(app, old_evening):
    from meetup import jobs

    with app.app_context():
        said = jobs.run_all()
        again = jobs.run_all()
    assert not any(line.startswith("privacy") for line in again)
    assert said is not None


# -- the audit of exports --------------------------------------------------------------------


def test_organisers_exports_are_audited_without_the_data(app, client, make, login):
    organiser = login("organiser")
    series = make.series(team=(organiser,))
    event = make.event(series)
    make.registration(event, first_name=NAME[0], last_name=NAME[1], email=EMAIL)
    assert client.get(f"/admin/events/{event}/registrations.csv").status_code == 200
    token = make.api_token(organiser)
    client.get(
        f"/api/v1/events/{event}/registrations", headers={"Authorization": f"Bearer {token}"}
    )
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.target, e.people) for e in entries] == [
            ("export_csv", event, 1),
            ("api_list", event, 1),
        ]
    # Admins read it; organisers do not.
    assert client.get("/admin/audit").status_code == 403
    admin = make.user("admin")
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    log_in(other, admin)
    html = other.get("/admin/audit").get_data(as_text=True)
    assert "CSV export" in html and organiser in html
    _absent(html)


def test_badges_printed_are_audited(app, client, make, login):
    organiser = login("organiser")
    event = make.event(make.series(team=(organiser,)))
    make.registration(event, first_name=NAME[0], last_name=NAME[1])
    response = post_form(
        client,
        f"/admin/events/{event}/badges",
        {"which": "all", "layout": "a4-2x5", "order": "name", "action": "pdf"},
    )
    assert response.mimetype == "application/pdf"
    with app.app_context():
        assert [e.action for e in db.session.scalars(select(AuditEntry))] == ["print_badges"]


# -- the privacy page ------------------------------------------------------------------------


def test_the_privacy_page_says_the_real_settings_in_both_languages(app, client, make):
    series = make.series(name="Club de Vienne", retention_nobody_days=45)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    html = client.get("/privacy").get_data(as_text=True)
    assert "Club de Vienne" in html and "effacées 45 jours après la soirée" in html
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get("/privacy").get_data(as_text=True)
    assert "erased 45 days after the evening" in html and "Who sees what" in html
    with app.app_context():
        db.session.scalar(select(Series).where(Series.slug == series)).retention_nobody_days = 10
        db.session.commit()
    assert "erased 10 days after" in client.get("/privacy").get_data(as_text=True)


def test_every_form_asking_for_personal_data_links_to_the_privacy_page(app, client, make, login):
    event = make.event(make.series())
    make.registration(event, token=TOKEN)
    for url in (f"/events/{event}/signup", f"/r/{TOKEN}"):
        assert 'href="/privacy"' in client.get(url).get_data(as_text=True), url


def test_series_directory_and_retention_settings_refuse_nonsense(app, client, login):
    login("organiser")
    response = post_form(
        client,
        "/admin/series/new",
        {
            "name": "Club de Vienne",
            "timezone": "Europe/Paris",
            "default_capacity": "40",
            "neighbour_radius_m": "10",
            "directory_delay_hours": "1000",
            "retention_nobody_days": "0",
            "retention_checkin_days": "5",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in (
        "Between 50 and 5,000 metres.",
        "Between 0 and 720 hours (30 days).",
        "Between 1 and 3,650 days.",
        "Between 30 and 3,650 days.",
    ):
        assert message in html
    assert 'value="Club de Vienne"' in html and 'value="1000"' in html  # nothing typed is lost
    response = post_form(
        client,
        "/admin/series/new",
        {
            "name": "Club de Vienne",
            "timezone": "Europe/Paris",
            "default_capacity": "40",
            "neighbour_radius_m": "400",
            "directory_delay_hours": "",
            "retention_nobody_days": "14",
            "retention_checkin_days": "730",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        series = db.session.scalar(select(Series))
        assert (
            series.neighbour_radius_m,
            series.directory_delay_hours,
            series.retention_nobody_days,
            series.retention_checkin_days,
        ) == (400, None, 14, 730)


def test_an_organisers_erasure_leaves_the_persons_other_series_alone(app, client, make):
    organiser = make.user("organiser")
    ours, theirs = make.series(team=(organiser,)), make.series()
    here, there = make.event(ours), make.event(theirs)
    mine = make.registration(here, first_name=NAME[0], last_name=NAME[1], email=EMAIL)
    other = make.registration(there, first_name=NAME[0], last_name=NAME[1], email=EMAIL)
    with app.app_context():
        from meetup.registrations import services as registration_services

        registration_services.resend_link(db.session.get(Registration, other))  # their email
    log_in(client, organiser)
    html = client.get(f"/admin/events/{here}/registrations").get_data(as_text=True)
    client.post(
        f"/admin/events/{here}/registrations/{mine}/erase", data={"csrf_token": csrf_from(html)}
    )
    with app.app_context():
        assert db.session.get(Registration, mine).erased_at is not None
        kept = db.session.get(Registration, other)
        assert kept.erased_at is None and kept.last_name == NAME[1]
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_an_email_with_accented_capitals_is_erased_all_the_same(app, client, make):
    # A past evening: no seat to give back (an email to a non-ASCII mailbox cannot be
    # composed yet: meetup/mail/compose.py needs SMTPUTF8 for it).
    event = make.event(make.series(), starts_at=utcnow() - timedelta(days=3))
    rid = make.registration(event, token=TOKEN, last_name=NAME[1], email="Élodie.Q@example.fr")
    html = client.get(f"/r/{TOKEN}/erase").get_data(as_text=True)
    assert "your registration (1)" in html
    client.post(f"/r/{TOKEN}/erase", data={"csrf_token": csrf_from(html)})
    with app.app_context():
        assert db.session.get(Registration, rid).erased_at is not None


def test_signing_up_again_gives_every_consent_again(app, client, make, monkeypatch):
    event = make.event(make.series())
    _signup(client, event)
    with app.app_context():
        from meetup.registrations import services as registration_services

        registration_services.cancel(_by_email())
    monkeypatch.setattr("meetup.privacy.consents.WORDING_VERSION", "2027-01-01")
    _signup(client, event)
    with app.app_context():
        records = db.session.scalars(
            select(ConsentRecord).where(ConsentRecord.wording == "2027-01-01")
        ).all()
        assert len(records) == 8 and {r.how for r in records} == {"public"}


def test_people_erased_before_the_directory_opens_are_not_told(app, make):
    event = make.event(
        make.series(), starts_at=(utcnow() - timedelta(days=1)).replace(microsecond=0)
    )
    came = utcnow() - timedelta(hours=20)
    rid = make.registration(event, token=TOKEN, email=EMAIL, checked_in_at=came)
    make.registration(event, email="other@example.org", checked_in_at=came)
    with app.app_context():
        from meetup.privacy import erasure

        erasure.erase(erasure.the_person(db.session.get(Registration, rid)))
        directory_services.open_directory(
            db.session.scalar(select(Event).where(Event.slug == event))
        )
        recipients = set(db.session.scalars(select(OutboxMessage.recipient)))
        assert recipients == {"other@example.org"}
        assert db.session.get(Registration, rid).directory_token_hash is None


def test_my_data_never_tells_the_asker_of_a_decline(app, client, make):
    event = make.event(make.series(), starts_at=utcnow() - timedelta(days=1))
    came = utcnow() - timedelta(hours=20)
    asker = make.registration(event, token=TOKEN, email=EMAIL, checked_in_at=came)
    other = make.registration(event, email="other@example.org", checked_in_at=came)
    with app.app_context():
        from meetup.directory.models import IntroductionStatus
        from meetup.directory.services import answer_introduction

        db.session.add(Introduction(requester_id=asker, recipient_id=other, token_hash="x" * 64))
        db.session.commit()
        answer_introduction(db.session.scalars(select(Introduction)).one(), accept=False)
        assert db.session.scalars(select(Introduction)).one().status is IntroductionStatus.DECLINED
    data = json.loads(client.get(f"/r/{TOKEN}/my-data.json").data)
    assert [i["status"] for i in data["introductions"]] == ["pending"]
    assert "declined" not in client.get(f"/r/{TOKEN}/my-data").get_data(as_text=True).lower()


def test_the_privacy_page_gives_an_address_someone_reads(app, client, make):
    """Without PRIVACY_CONTACT: the clubs' contact addresses, not the sender address."""
    make.series(contact_email="bonjour@club.example.org")
    html = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Write to bonjour@club.example.org" in html
    assert app.config["MAIL_DEFAULT_SENDER"] not in html
