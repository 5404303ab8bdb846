"""/healthz tells the truth, part by part, and a full disk or a database that went away
gives a polite 503 rather than a crash."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy.exc import OperationalError

from meetup import create_app
from meetup.config import TestConfig
from meetup.extensions import db
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.ops import heartbeat
from meetup.scrub import scrub
from meetup.timeutil import utcnow
from tests.factories import Factory
from tests.helpers import csrf_from, signup_data


def _message(app, **values) -> None:
    with app.app_context():
        n = db.session.query(OutboxMessage).count()
        defaults = {
            "message_id": f"<health-{n}@example.org>",
            "recipient": "someone@example.org",
            "subject": "Hello",
            "kind": "confirmation",
            "raw": b"x",
        }
        db.session.add(OutboxMessage(**(defaults | values)))
        db.session.commit()


def test_healthz_reports_each_part(app, client):
    with app.app_context():
        heartbeat.beat("web-1:42")
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["disk"]["ok"] and body["disk"]["free_mb"] > 0
    assert body["worker"]["ok"] and body["worker"]["last_seen_seconds_ago"] <= 5
    assert body["mail"] == {"ok": True, "due": 0, "oldest_due_minutes": 0, "failed_last_day": 0}
    assert "redis" not in body  # none configured: limits in each worker's memory


def test_no_worker_and_late_or_failed_mail_make_it_degraded_not_down(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["worker"] == {"ok": False, "last_seen_seconds_ago": None}
    with app.app_context():
        heartbeat.beat("web-1:42", now=utcnow() - timedelta(minutes=10))
    assert client.get("/healthz").get_json()["worker"]["ok"] is False
    with app.app_context():
        heartbeat.beat("web-1:42")
    assert client.get("/healthz").get_json()["status"] == "ok"
    _message(app, next_attempt_at=utcnow() - timedelta(minutes=40))
    mail = client.get("/healthz").get_json()["mail"]
    assert mail == {"ok": False, "due": 1, "oldest_due_minutes": 40, "failed_last_day": 0}
    _message(app, status=OutboxStatus.FAILED)
    body = client.get("/healthz").get_json()
    assert body["mail"]["failed_last_day"] == 1 and body["status"] == "degraded"


def test_the_mail_worker_beats(app, runner, monkeypatch):
    """`mail work` says it is alive at every round (stopped after its first)."""
    from meetup import jobs

    monkeypatch.setattr(jobs, "run_all", lambda: (_ for _ in ()).throw(SystemExit(0)))
    runner.invoke(args=["mail", "work", "--interval", "0"])
    with app.app_context():
        assert utcnow() - heartbeat.last_beat() < timedelta(seconds=30)


def test_healthz_is_503_when_the_database_does_not_answer(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("database is down"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["database"] == {"ok": False}
    assert "worker" not in body and "mail" not in body  # nothing to ask them


# -- a real full disk --------------------------------------------------------------------------


@contextlib.contextmanager
def _tmpfs(path: Path, size: str):
    """A small filesystem of its own (root only; CI runs as root)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root")
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _fill(folder: Path) -> Path:
    """Take every free byte of the filesystem holding `folder`."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (65536, 512, 1):
            with contextlib.suppress(OSError):
                while out.write(b"\0" * size):
                    pass
    return filler


@pytest.mark.sqlite_only
def test_a_full_disk_takes_the_host_out_and_saves_nothing_halfway(app, tmp_path):
    """The instance folder and its SQLite database on an 8 MiB tmpfs, filled up: /healthz
    says 503 (a load balancer takes the host out), a signup gets a polite 503 page, and once
    room is made again the same form goes through."""
    with _tmpfs(tmp_path / "small", "8m") as folder:
        config = type(
            "FullDisk",
            (TestConfig,),
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/db.sqlite3", "HEALTH_MIN_FREE_MB": 1},
        )
        full = create_app(config, instance_path=str(folder))
        try:
            with full.app_context():
                upgrade()
            event = Factory(full).event(Factory(full).series())
            client = full.test_client()
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
            assert client.get("/healthz").get_json()["disk"]["ok"] is True
            token = csrf_from(client.get(f"/events/{event}/signup").get_data(as_text=True))
            form = {**signup_data(), "csrf_token": token}
            with full.app_context():
                assert scrub()  # the write-ahead log emptied: no room kept in hand
                db.engine.dispose()
            filler = _fill(folder)

            health = client.get("/healthz")
            assert health.status_code == 503
            assert health.get_json()["disk"] == {"ok": False, "free_mb": 0}
            assert health.get_json()["status"] == "unavailable"
            response = client.post(f"/events/{event}/signup", data=form)
            assert response.status_code == 503
            assert "nothing was saved" in response.get_data(as_text=True)
            assert int(response.headers["Retry-After"]) > 0

            filler.unlink()
            assert client.get("/healthz").status_code == 200
            assert client.post(f"/events/{event}/signup", data=form).status_code == 302
        finally:
            with full.app_context():
                db.engine.dispose()


@pytest.mark.parametrize(
    ("orig", "status"),
    [
        (sqlite3.OperationalError("database is locked"), 503),
        (sqlite3.OperationalError("database or disk is full"), 503),
        (psycopg.OperationalError("connection failed: server closed the connection"), 503),
        (sqlite3.OperationalError("no such table: registrations"), 500),  # a bug, not a pause
    ],
)
def test_a_database_that_cannot_serve_now_is_a_503_page_or_json(
    app, client, monkeypatch, orig, status
):
    from meetup.events import public_views

    def unavailable(*args, **kwargs):
        raise OperationalError("SELECT …", {}, orig)

    monkeypatch.setitem(app.view_functions, "public.home", unavailable)
    monkeypatch.setitem(app.view_functions, "api.series_index", unavailable)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    assert public_views
    page = client.get("/")
    assert page.status_code == status
    api = client.get("/api/v1/series")
    assert api.status_code == status
    if status == 503:
        assert "nothing was saved" in page.get_data(as_text=True)
        assert api.get_json()["error"]["code"] == "unavailable"
        assert page.headers["Retry-After"] == api.headers["Retry-After"] == "30"
