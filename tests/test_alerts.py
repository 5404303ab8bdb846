"""Alerts: the admins are emailed when mail keeps failing or no worker runs, at most once an
hour whoever notices (the worker's job or a view of the dashboard), and the dashboard shows
a banner saying what is wrong and what to do."""

from __future__ import annotations

import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from meetup import jobs
from meetup.extensions import db
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.ops import alerts, heartbeat
from meetup.ops.alerts import Kind, Problem
from meetup.ops.models import AlertSent
from meetup.timeutil import utcnow
from tests.helpers import alerts_sent

T0 = utcnow().replace(microsecond=0)


def _failing(app, count: int, at) -> None:
    """Messages whose last attempt, at `at`, failed (the server refused them)."""
    with app.app_context():
        for n in range(count):
            db.session.add(
                OutboxMessage(
                    message_id=f"<failing-{n}-{at.timestamp()}@example.org>",
                    recipient=f"attendee{n}@example.org",
                    subject="Votre inscription",
                    kind="confirmation",
                    raw=b"x",
                    status=OutboxStatus.PENDING if n % 2 else OutboxStatus.FAILED,
                    attempts=3,
                    claimed_at=at,
                    next_attempt_at=at + timedelta(minutes=4),
                    last_error="550 5.1.1 <attendee@example.org>: Recipient address rejected",
                )
            )
        db.session.commit()


@pytest.fixture
def admins(make):
    first, second = make.user("admin"), make.user("admin")
    gone = make.user("admin")
    make.user("organiser")
    make.user("door")
    with make.app.app_context():
        from meetup.auth.models import User

        db.session.scalar(select(User).where(User.email == gone)).deactivated_at = utcnow()
        db.session.commit()
    return [first, second]


# -- what is wrong -----------------------------------------------------------------------------


def test_what_counts_as_trouble(app):
    with app.app_context():
        assert alerts.problems(T0) == [Problem(Kind.WORKER, minutes=None)]  # never ran
        heartbeat.beat("host:1", now=T0 - timedelta(minutes=9))
        assert alerts.problems(T0) == []
        assert alerts.problems(T0 + timedelta(minutes=2)) == [Problem(Kind.WORKER, minutes=11)]
    _failing(app, 2, T0 - timedelta(minutes=5))
    with app.app_context():
        assert alerts.problems(T0) == []  # two refusals in an hour: not yet "keeps failing"
    _failing(app, 1, T0 - timedelta(minutes=1))
    with app.app_context():
        assert alerts.problems(T0) == [Problem(Kind.MAIL, failing=3)]
        assert alerts.problems(T0 + timedelta(minutes=61)) == [Problem(Kind.WORKER, minutes=70)]


def test_mail_waiting_half_an_hour_while_a_worker_runs(app):
    with app.app_context():
        db.session.add(
            OutboxMessage(
                message_id="<late@example.org>",
                recipient="someone@example.org",
                subject="Hello",
                kind="confirmation",
                raw=b"x",
                next_attempt_at=T0 - timedelta(minutes=31),
            )
        )
        db.session.commit()
        heartbeat.beat("host:1", now=T0)
        assert alerts.problems(T0) == [Problem(Kind.MAIL, minutes=31)]
        # No worker: that is the trouble to tell, not its consequence.
        later = T0 + timedelta(minutes=15)
        assert alerts.problems(later) == [Problem(Kind.WORKER, minutes=15)]


# -- emails, at most once an hour ----------------------------------------------------------------


def test_admins_are_emailed_at_most_once_an_hour(app, admins):
    _failing(app, 3, T0 - timedelta(minutes=2))
    with app.app_context():
        heartbeat.beat("host:1", now=T0)
        assert len(alerts.notify(alerts.problems(T0), T0)) == 2  # the two active admins
        for minutes in (1, 30, 59):
            now = T0 + timedelta(minutes=minutes)
            heartbeat.beat("host:1", now=now)
            assert alerts.notify(alerts.problems(now), now) == []
        now = T0 + timedelta(minutes=60)
        _failing(app, 3, now - timedelta(minutes=1))
        heartbeat.beat("host:1", now=now)
        assert len(alerts.notify(alerts.problems(now), now)) == 2
        assert db.session.get(AlertSent, "mail").sent_at == now
    sent = alerts_sent(app)
    assert sorted(m.recipient for m in sent) == sorted(admins * 2)
    assert {m.kind for m in sent} == {"alert_mail"}


def test_worker_and_mail_alerts_are_counted_apart(app, admins):
    _failing(app, 3, T0 - timedelta(minutes=2))
    with app.app_context():
        heartbeat.beat("host:1", now=T0 - timedelta(minutes=20))
        found = alerts.problems(T0)
        assert {p.kind for p in found} == {Kind.WORKER, Kind.MAIL}
        assert len(alerts.notify(found, T0)) == 4
        assert alerts.notify(found, T0 + timedelta(minutes=5)) == []


def test_a_worker_that_never_ran_is_for_the_banner_only(app, admins):
    with app.app_context():
        assert alerts.notify(alerts.problems(T0), T0) == []
    assert alerts_sent(app) == []


def test_processes_noticing_at_once_send_one_set(app, admins):
    _failing(app, 3, T0 - timedelta(minutes=2))
    with app.app_context():
        heartbeat.beat("host:1", now=T0)
    barrier = threading.Barrier(5)
    sent, errors = [], []

    def notice() -> None:
        try:
            with app.app_context():
                found = alerts.problems(T0)
                barrier.wait()
                sent.extend(alerts.notify(found, T0))
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=notice) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(sent) == 2 and len(alerts_sent(app)) == 2


def test_the_email_says_what_to_do_and_names_no_attendee(app, admins, make):
    event = make.event(make.series())
    make.registration(event, first_name="Élodie", last_name="Œuvray", email="elodie@example.org")
    _failing(app, 4, T0 - timedelta(minutes=2))
    with app.app_context():
        heartbeat.beat("host:1", now=T0)
        alerts.notify(alerts.problems(T0), T0)
    message = alerts_sent(app)[0]
    parsed = message_from_bytes(message.raw, policy=policy.default)
    text = parsed.get_body(("plain",)).get_content()
    # DEFAULT_LOCALE is French: staff accounts have no language of their own.
    assert parsed["Subject"] == "[localhost] Les e-mails échouent"
    assert "4 e-mails n’ont pas pu être remis dans la dernière heure" in text
    assert "MAIL_SERVER" in text and "http://localhost/admin/outbox" in text
    assert "au plus une fois par heure" in text
    for personal in ("Élodie", "Œuvray", "elodie@", "attendee", "Recipient address rejected"):
        assert personal not in message.raw.decode("utf-8", "replace"), personal


def test_the_worker_runs_the_alerts_every_five_minutes(app, admins):
    job = app.extensions["meetup.jobs"]["alerts"]
    # The job reads the real clock (jobs run without a `now`): this test's moment is taken
    # now, not at import (T0), which a long run leaves more than WORKER_SILENT behind.
    now = utcnow().replace(microsecond=0)
    assert job.every == timedelta(minutes=5)
    _failing(app, 3, now - timedelta(minutes=2))
    with app.app_context():
        heartbeat.beat("host:1", now=now)
        saved = dict(app.extensions["meetup.jobs"])
        app.extensions["meetup.jobs"] = {"alerts": job}
        try:
            assert jobs.run_all("host:1", now=now) == ["alerts: emailed the admins (2 messages)"]
            assert jobs.run_all("host:1", now=now + timedelta(minutes=4)) == []  # not due
        finally:
            app.extensions["meetup.jobs"] = saved


# -- the dashboard ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "organiser"])
def test_the_dashboard_shows_the_banner(app, client, login, role):
    login(role)
    page = client.get("/admin/").get_data(as_text=True)
    assert "No background worker has run yet" in page
    assert "systemctl enable --now meetup-worker" in page
    with app.app_context():
        heartbeat.beat("host:1")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'class="ops-alert"' not in page


def test_the_banner_in_french(app, client, login):
    login("organiser")
    with app.app_context():
        heartbeat.beat("host:1", now=utcnow() - timedelta(minutes=42))
    page = client.get("/admin/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Les e-mails ne partent plus" in page
    assert "Aucun processus de fond (worker) n’a tourné depuis 42 minutes" in page


def test_door_volunteers_and_strangers_see_no_banner(app, client, login):
    assert client.get("/admin/").status_code == 302  # to the login page
    login("door")
    assert client.get("/admin/").status_code == 403


def test_a_dashboard_view_emails_the_admins_when_no_worker_runs(app, client, login, admins):
    """Nobody else would: the web process queues the alert and, the page answered, sends it
    itself (here, as without MAIL_SERVER, into instance/mail)."""
    with app.app_context():
        heartbeat.beat("host:1", now=utcnow() - timedelta(minutes=25))
    login("organiser")
    response = client.get("/admin/")
    assert "No background worker has run for 25 minutes" in response.get_data(as_text=True)
    response.close()  # what the server does once the page is sent
    sent = alerts_sent(app)
    assert sorted(m.recipient for m in sent) == sorted(admins)
    assert {m.status for m in sent} == {OutboxStatus.SENT}
    again = client.get("/admin/")  # within the hour: the banner, no second email
    again.close()
    assert len(alerts_sent(app)) == 2
