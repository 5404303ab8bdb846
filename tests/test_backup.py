"""The restore drill: a database with registrations, check-ins, consents and an outbox is
backed up while it serves, restored into an empty database, and everyone's personal link and
ticket work there as before. On the tests' kind of database (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetup import create_app
from meetup.config import TestConfig
from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.ops import backup
from meetup.privacy.models import ConsentRecord
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests.helpers import post_form, signup_data

TOKEN = "token-restored-0123456789abcdefghijklm"


def _counts(app) -> dict:
    with app.app_context():
        came = select(Registration.first_name, Registration.checked_in_at).order_by(Registration.id)
        return {
            "registrations": db.session.scalar(select(func.count()).select_from(Registration)),
            "consents": db.session.scalar(select(func.count()).select_from(ConsentRecord)),
            "outbox": db.session.scalar(select(func.count()).select_from(OutboxMessage)),
            "arrivals": db.session.execute(came).all(),
        }


@pytest.fixture
def restored_app(empty_database, tmp_path):
    """The app on the empty database, as a host restoring would run it."""
    config = type(
        "Restored",
        (TestConfig,),
        {"SQLALCHEMY_DATABASE_URI": empty_database.render_as_string(hide_password=False)},
    )
    restored = create_app(config, instance_path=str(tmp_path / "restored-instance"))
    yield restored
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_restore_drill(app, client, make, runner, restored_app, tmp_path):
    series = make.series()
    tonight = make.event(series, starts_at=utcnow().replace(microsecond=0) - timedelta(hours=1))
    zoe = make.registration(
        tonight, token=TOKEN, first_name="Zoé", last_name="Restaurée", checked_in_at=utcnow()
    )
    upcoming = make.event(series)
    assert post_form(client, f"/events/{upcoming}/signup", signup_data()).status_code == 302
    with app.app_context():
        code = db.session.get(Registration, zoe).ticket_code
    before = _counts(app)
    assert before["consents"] and before["outbox"] and before["registrations"] == 2

    file = tmp_path / "backups" / "meetup.backup"
    result = runner.invoke(args=["backup", "-o", str(file)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(file).st_mode) == 0o600  # everyone's personal data
    assert backup.kind_of(file) in {"sqlite", "postgresql"}

    result = restored_app.test_cli_runner().invoke(args=["restore", str(file)])
    assert result.exit_code == 0, result.output
    assert _counts(restored_app) == before
    visitor = restored_app.test_client()
    visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = visitor.get(f"/r/{TOKEN}")
    assert page.status_code == 200 and "Restaurée" in page.get_data(as_text=True)
    assert visitor.get(f"/b/{code}").status_code == 200

    again = restored_app.test_cli_runner().invoke(args=["restore", str(file)])
    assert again.exit_code != 0 and "restore only into an empty one" in again.output


def test_a_backup_is_refused_by_a_database_of_the_other_kind(app, runner, tmp_path):
    with app.app_context():
        theirs = "postgresql" if db.engine.dialect.name == "sqlite" else "sqlite"
    file = tmp_path / "other.backup"
    file.write_bytes(backup.SQLITE_MAGIC if theirs == "sqlite" else backup.PG_DUMP_MAGIC)
    with app.app_context(), pytest.raises(backup.BackupError, match=f"is a {theirs} backup"):
        backup.restore(db.engine, file)
    (tmp_path / "notes.txt").write_text("not a backup")
    result = runner.invoke(args=["restore", str(tmp_path / "notes.txt")])
    assert result.exit_code != 0 and "not a backup made by `flask backup`" in result.output


def test_dated_backups_are_kept_the_days_asked_the_newest_always(tmp_path, runner, app):
    now = datetime(2026, 12, 20, 3, 30)
    for days in (1, 13, 15, 40):
        (tmp_path / f"meetup-{now - timedelta(days=days):%Y-%m-%dT%H%M}.dump").write_bytes(b"")
    (tmp_path / "someone-elses-file.dump").write_bytes(b"")
    gone = backup.prune(tmp_path, keep_days=14, now=now)
    assert sorted(p.name for p in gone) == [
        "meetup-2026-11-10T0330.dump",
        "meetup-2026-12-05T0330.dump",
    ]
    assert (tmp_path / "someone-elses-file.dump").exists()
    # A folder whose only backup is old keeps it.
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    (lonely / "meetup-2020-01-01T0000.dump").write_bytes(b"")
    assert backup.prune(lonely, keep_days=14, now=now) == []
    result = runner.invoke(args=["backup", "--dir", str(tmp_path / "daily"), "--keep-days", "3"])
    assert result.exit_code == 0, result.output
    (written,) = Path(tmp_path / "daily").iterdir()
    assert backup.NAMED.match(written.name)
    assert runner.invoke(args=["backup"]).exit_code != 0  # neither -o nor --dir
