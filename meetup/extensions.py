"""Flask extensions, created unbound and initialised in `create_app()`."""

from __future__ import annotations

import click
from flask import Flask, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Stable constraint names, so Alembic migrations match on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class LazyMigrate:
    """Flask-Migrate, loaded when a migration runs (`flask db …`, or a test calling
    flask_migrate.upgrade) rather than in every process: it imports Alembic (and Mako),
    11 MB of every web worker's memory for commands a web worker never runs."""

    def init_app(self, app: Flask, db: SQLAlchemy, directory: str) -> None:
        app.extensions["migrate"] = _MigrateOnFirstUse(app, db, directory)
        app.cli.add_command(_MigrationCommands())


class _MigrateOnFirstUse:
    """What flask_migrate reads in app.extensions["migrate"]: on first use, the real
    Flask-Migrate takes its place."""

    def __init__(self, app: Flask, db: SQLAlchemy, directory: str) -> None:
        self._args = (app, db, directory)

    def __getattr__(self, name: str):
        from flask_migrate import Migrate

        app, db, directory = self._args
        Migrate(app, db, directory=directory, render_as_batch=True, compare_type=True)
        return getattr(app.extensions["migrate"], name)


class _MigrationCommands(click.Command):
    """`flask db …`: hands its arguments to Flask-Migrate's own group, imported then."""

    def __init__(self) -> None:
        super().__init__(
            "db",
            help="Database migrations (Flask-Migrate, Alembic).",
            add_help_option=False,  # `flask db --help` is the real group's
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        )

    def invoke(self, ctx: click.Context):
        from flask_migrate.cli import db as commands

        with commands.make_context(ctx.info_name, list(ctx.args), parent=ctx) as sub:
            return commands.invoke(sub)


migrate = LazyMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def limiter_key() -> str:
    """The client's address (as ProxyFix made it from X-Forwarded-For behind a proxy)."""
    return get_remote_address() or request.remote_addr or "unknown"


limiter = Limiter(key_func=limiter_key, default_limits=[])
