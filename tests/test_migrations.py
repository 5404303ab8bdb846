"""The schema only ever comes from migrations: they go down and up, and match the models."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import DateTime, create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from meetup.auth.models import Role, User
from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations.models import Registration
from tests.helpers import sign_up

ROOT = Path(__file__).resolve().parent.parent
#: The lock migrations/env.py takes (the file is not importable outside Alembic).
MIGRATION_LOCK = 0x6D6565747570


def _tables(app) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_migrations_go_down_to_nothing_and_back_up(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        expected = {table.name for table in db.metadata.sorted_tables}
        assert _tables(app) == expected
        downgrade(revision="base")
        assert _tables(app) == set()
        upgrade()
        assert _tables(app) == expected


def test_models_and_migrations_agree(app):
    """A model change without its migration fails here."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        with warnings.catch_warnings():
            # Alembic cannot compare expression indexes (lower(email)); it says so and skips them.
            warnings.filterwarnings("ignore", message=".*expression-based index.*")
            warnings.filterwarnings("ignore", message=".*functional index.*")
            differences = compare_metadata(context, db.metadata)
    # Unmapped this release and dropped by the next one's migration, so that hosts still on
    # this code during that rolling upgrade never write it (see the test below).
    differences = [
        d
        for d in differences
        if d[:3] != ("remove_column", None, "registrations") or d[3].name != "location_changed_at"
    ]
    assert differences == []


def test_this_code_signs_people_up_whether_the_dropped_column_is_there_or_not(app, client, make):
    """registrations.location_changed_at: unmapped now, dropped by a later release while
    this code may still run on some hosts. A deferred mapping was not enough: the ORM's
    INSERT names every mapped column, and failed once the column was gone."""
    event = make.event(make.series(), capacity=5)
    assert sign_up(client, event, email="before@example.org").status_code == 302
    with app.app_context():
        db.session.execute(text("ALTER TABLE registrations DROP COLUMN location_changed_at"))
        db.session.commit()
    try:
        assert sign_up(client, event, email="after@example.org").status_code == 302
        with app.app_context():
            emails = db.session.scalars(select(Registration.email)).all()
            assert sorted(emails) == ["after@example.org", "before@example.org"]
    finally:
        with app.app_context():
            db.session.rollback()
            kind = DateTime(timezone=True).compile(dialect=db.engine.dialect)  # as 0008 made it
            db.session.execute(
                text(f"ALTER TABLE registrations ADD COLUMN location_changed_at {kind}")
            )
            db.session.commit()


@pytest.mark.parametrize("model", ["user", "registration"])
def test_emails_are_unique_without_regard_to_case_in_the_database(app, make, model):
    """The unique indexes on lower(email) hold even when the services are bypassed."""
    series = make.series()
    event_slug = make.event(series)
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == event_slug))

        def row(email):
            if model == "user":
                return User(email=email, password_hash="x", role=Role.DOOR)
            return Registration(
                event=event,
                first_name="A",
                last_name="B",
                email=email,
                manage_token_hash=email,  # differs by case: only the email index may refuse
                ticket_code=email[:32],
            )

        db.session.add(row("Marie.Curie@example.org"))
        db.session.commit()
        db.session.add(row("marie.curie@EXAMPLE.org"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_revision_ids_fit_alembic_version_on_postgresql():
    """alembic_version.version_num is VARCHAR(32): SQLite would take a longer id, PostgreSQL
    refuses it at upgrade time."""
    from pathlib import Path

    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(Path(__file__).resolve().parent.parent / "migrations"))
    too_long = [s.revision for s in scripts.walk_revisions() if len(s.revision) > 32]
    assert too_long == []


def _upgrade(url, tmp_path, n: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "MEETUP_INSTANCE_PATH": str(tmp_path / f"host{n}"),
        "SECRET_KEY": "k" * 40,
    }
    env.pop("TEST_DATABASE_URL", None)
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.Popen(
        [flask, "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.postgres_only
def test_an_upgrade_waits_for_another_hosts_upgrade(empty_database, tmp_path):
    """The advisory lock of migrations/env.py, held here as another host's upgrade would:
    the upgrade waits, then runs to the end once it is free."""
    assert (
        f"MIGRATION_LOCK = {MIGRATION_LOCK:#X}".replace("0X", "0x")
        in (ROOT / "migrations" / "env.py").read_text()
    )
    url = empty_database
    engine = create_engine(url)
    try:
        with engine.connect() as other_host:
            other_host.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            other_host.commit()
            upgrade = _upgrade(url, tmp_path, 1)
            time.sleep(3)
            assert upgrade.poll() is None, upgrade.communicate()[0]  # still waiting
            assert "alembic_version" not in inspect(other_host).get_table_names()
            other_host.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            other_host.commit()
        output = upgrade.communicate(timeout=120)[0]
        assert upgrade.returncode == 0, output
    finally:
        engine.dispose()


@pytest.mark.postgres_only
def test_two_hosts_upgrading_at_once_both_succeed(empty_database, tmp_path):
    hosts = [_upgrade(empty_database, tmp_path, n) for n in (1, 2)]
    outputs = [host.communicate(timeout=120)[0] for host in hosts]
    assert [host.returncode for host in hosts] == [0, 0], outputs
    engine = create_engine(empty_database)
    with engine.connect() as connection:
        (version,) = connection.execute(text("SELECT version_num FROM alembic_version")).one()
    engine.dispose()
    assert version == ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def test_stepping_over_the_images_migration_keeps_teams_evenings_and_people(app, make):
    """0037_images adds (and takes back) a column with a foreign key to "series" and
    "events": on SQLite a copy of each table, the old one dropped. With foreign keys
    enforced that dropped every series' team (ON DELETE CASCADE) or failed on the evenings
    that refer to the series; the run has them off (migrations/env.py), checked after."""
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    event = make.event(series)
    make.registration(event)
    tables = ("series", "series_team", "events", "registrations")

    def counts() -> dict[str, int]:
        with app.app_context():
            found = {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables}  # noqa: S608 (names above)
            db.session.remove()
            return found

    assert counts() == dict.fromkeys(tables, 1)
    with app.app_context():
        db.session.remove()
        downgrade(revision="0040_count_index")
    assert counts() == dict.fromkeys(tables, 1)
    with app.app_context():
        upgrade()
    assert counts() == dict.fromkeys(tables, 1)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":  # enforced again on the pool's connections
            assert db.session.scalar(text("PRAGMA foreign_keys")) == 1
        db.session.remove()
