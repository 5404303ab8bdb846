"""The schema only ever comes from migrations: they go down and up, and match the models."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from meetup.auth.models import Role, User
from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations.models import Registration


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
    assert differences == []


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
