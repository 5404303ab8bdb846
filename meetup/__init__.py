"""meetup: café des entreprenants evenings, from signup to the neighbour directory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from meetup import (
    accounts,
    api,
    assets,
    attendee,  # noqa: F401 - its routes, on the registrations' and the directory's blueprints
    auth,
    badges,
    checkin,
    directory,
    events,
    i18n,
    impact,
    mail,
    ops,
    privacy,
    registrations,
    request_id,
    webhooks,
    writelock,  # noqa: F401 - SQLite's BEGIN (its engine listeners)
)
from meetup.auth import access, cookie
from meetup.auth.cli import tokens_cli, users_cli
from meetup.badges.cli import badges_cli
from meetup.config import (
    DEVELOPMENT_BASE_URL,
    MIN_SECRET_KEY_LENGTH,
    UNSAFE_SECRET_KEYS,
    Config,
    load_secret_key,
)
from meetup.demo.cli import demo_cli
from meetup.directory.cli import directory_cli, geo_cli
from meetup.extensions import babel, csrf, db, limiter, login_manager, migrate
from meetup.mail.cli import mail_cli
from meetup.markup import render_markdown
from meetup.ops import alerts, errors, guards, headers, logs, metrics, sentry
from meetup.ops.cli import backup_command, restore_command
from meetup.ops.logs import LOG_FORMATS
from meetup.ops.metrics import MIN_TOKEN_LENGTH
from meetup.privacy.cli import privacy_cli
from meetup.registrations.sectors import sector_label
from meetup.timeutil import utcnow
from meetup.worker import worker_command


class ConfigurationError(RuntimeError):
    pass


class MeetupFlask(Flask):
    def log_exception(self, exc_info) -> None:
        """Log an unhandled error with the route pattern, never the path (it can carry
        personal tokens) nor the query string."""
        rule = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        self.logger.error("unhandled error on %s %s", request.method, rule, exc_info=exc_info)


def create_app(
    config: type[Config] | dict[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    app = MeetupFlask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    _finish_config(app)

    sentry.init_app(app)
    register_extensions(app)
    request_id.init_app(app)
    guards.init_app(app)
    assets.init_app(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    return app


def _finish_config(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(app.instance_path)
    secret = app.config.get("SECRET_KEY") or ""
    if not (app.debug or app.testing) and (
        secret in UNSAFE_SECRET_KEYS or len(secret) < MIN_SECRET_KEY_LENGTH
    ):
        raise ConfigurationError(
            f"SECRET_KEY is missing, too short (under {MIN_SECRET_KEY_LENGTH} characters) or a "
            "known default. Set the SECRET_KEY environment variable "
            "(python -c 'import secrets; print(secrets.token_urlsafe(48))'), "
            "or run `make run`, which writes one into instance/secret_key for development."
        )
    if (
        not (app.debug or app.testing)
        and app.config.get("MAIL_SERVER")
        and app.config["BASE_URL"] == DEVELOPMENT_BASE_URL
        and "BASE_URL" not in os.environ  # `make run` with a local SMTP server sets it
    ):
        raise ConfigurationError(
            f"BASE_URL is not set while MAIL_SERVER is: the emails' links, the QR codes and the "
            f"badges would point to {DEVELOPMENT_BASE_URL}. Set BASE_URL to the site's public "
            "address, e.g. https://meetup.example.org (see deploy/env.example)."
        )
    _check_observability(app)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "meetup.sqlite3"
        )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A file has no connection to lose: pinging it before each request is a statement
        # for nothing (PostgreSQL keeps the ping: a restarted server drops connections).
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _check_observability(app: Flask) -> None:
    """LOG_FORMAT, METRICS_TOKEN and SENTRY_TRACES_SAMPLE_RATE: a typo stops the start with
    a clear message rather than logs in the wrong shape or a guessable metrics token."""
    if app.config["LOG_FORMAT"] not in LOG_FORMATS:
        raise ConfigurationError(
            f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {app.config['LOG_FORMAT']!r}."
        )
    token = app.config.get("METRICS_TOKEN") or ""
    if token and len(token) < MIN_TOKEN_LENGTH:
        raise ConfigurationError(
            f"METRICS_TOKEN is shorter than {MIN_TOKEN_LENGTH} characters. Generate one with "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'."
        )
    rate = app.config.get("SENTRY_TRACES_SAMPLE_RATE") or 0
    try:
        rate = float(rate)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 1:
        raise ConfigurationError(
            "SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1 (the share of requests "
            f"traced), not {app.config['SENTRY_TRACES_SAMPLE_RATE']!r}."
        )
    app.config["SENTRY_TRACES_SAMPLE_RATE"] = rate


@sa_event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL (readers never block the writer), a busy timeout, enforced foreign keys, and
    deleted content overwritten with zeros (meetup.scrub)."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (BEGIN or
    # BEGIN IMMEDIATE: meetup.writelock): the module's own handling breaks SAVEPOINTs.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.abspath(os.path.join(app.root_path, "..", "migrations"))
    )
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories="translations",
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the random login-session id does this job
    app.session_interface = cookie.SessionInterface()  # door phones: until their evening's end
    limiter.init_app(app)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(ops.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(events.public_bp)
    app.register_blueprint(events.admin_bp)
    app.register_blueprint(registrations.bp)
    app.register_blueprint(registrations.admin_bp)
    app.register_blueprint(badges.bp)
    app.register_blueprint(checkin.bp)
    app.register_blueprint(checkin.admin_bp)
    app.register_blueprint(checkin.pairing_bp)
    app.register_blueprint(directory.bp)
    app.register_blueprint(directory.admin_bp)
    app.register_blueprint(impact.bp)
    app.register_blueprint(privacy.bp)
    app.register_blueprint(privacy.admin_bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api.admin_bp)
    app.register_blueprint(api.embed.bp)
    webhooks.init_app(app)  # its admin pages, its listeners and the worker's job
    app.register_blueprint(mail.bp)


def register_errorhandlers(app: Flask) -> None:
    errors.init_app(app)
    headers.init_app(app)
    logs.init_app(app)
    metrics.init_app(app)
    alerts.init_app(app)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["in_zone"] = i18n.format_in_zone
    app.jinja_env.filters["date_in_zone"] = i18n.format_date_in_zone
    app.jinja_env.filters["time_in_zone"] = i18n.format_time_in_zone
    app.jinja_env.filters["sector"] = sector_label
    app.jinja_env.filters["capfirst"] = i18n.capfirst
    app.jinja_env.filters["event_when"] = i18n.format_event_when
    app.jinja_env.globals["is_staff"] = access.is_staff
    app.jinja_env.globals["may_create_series"] = access.may_create_series

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        return {
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
            "current_path": request.full_path.rstrip("?") if request else "/",
            "now_utc": utcnow(),
        }


def register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(badges_cli)
    app.cli.add_command(geo_cli)
    app.cli.add_command(directory_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
