"""Fixtures: one app and one migrated database per run, emptied after every test.

SQLite by default (a file, so threads and the live server share it); PostgreSQL when
TEST_DATABASE_URL is set. With CI=true a skipped test fails the run: in CI every service
(PostgreSQL, Chromium, ...) must be there.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from werkzeug.serving import make_server

from meetup import create_app, kept_pages
from meetup.config import TestConfig
from meetup.directory import listing_cache
from meetup.extensions import db, limiter
from tests import factories
from tests.fakes import SmtpServer
from tests.helpers import TILE_HOST, log_in
from tests.live import LIVE_REQUESTS

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")


# -- CI: no silent skips ------------------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    """Tests for the other database are deselected (not skipped): PostgreSQL-only tests on
    the SQLite leg, SQLite-only tests on the PostgreSQL leg."""
    other = "sqlite_only" if POSTGRES else "postgres_only"
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker(other) else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With CI=true, a skipped test is reported as failed: every service must be there."""
    outcome = yield
    report = outcome.get_result()
    if CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped in CI, where every service must be present: {reason}"


# -- app and database ---------------------------------------------------------------------


def _reset_database(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if POSTGRES:
        return TestConfig.SQLALCHEMY_DATABASE_URI
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory) -> Iterator[Flask]:
    # Room for the concurrency tests' threads (PostgreSQL allows about 100 connections).
    engine_options = {**TestConfig.SQLALCHEMY_ENGINE_OPTIONS, "pool_size": 20, "max_overflow": 70}
    config = type(
        "RunConfig",
        (TestConfig,),
        {"SQLALCHEMY_DATABASE_URI": database_url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options},
    )
    app = create_app(config, instance_path=str(tmp_path_factory.mktemp("instance")))
    _reset_database(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request) -> Iterator[None]:
    """Empty every table and the rate limiter after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        kept_pages.forget()
    limiter.reset()
    listing_cache.clear()
    # Messages the file transport wrote (instance/mail) go with the rows they came from.
    for path in (Path(app.instance_path) / "mail").glob("*.eml"):
        path.unlink(missing_ok=True)


@pytest.fixture
def empty_database(app, tmp_path) -> Iterator[URL]:
    """The URL of a database of its own, empty, of the tests' kind: a new SQLite file, or a
    new database on the tests' PostgreSQL server (dropped after the test)."""
    with app.app_context():
        url = make_url(str(db.engine.url))
    if url.get_backend_name() == "sqlite":
        yield url.set(database=str(tmp_path / "empty.sqlite3"))
        return
    name = f"meetup_empty_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app_ctx(app) -> Iterator[None]:
    """An application context for tests that call services directly (no client)."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app) -> FlaskClient:
    """A browser that prefers English (tests of French pages say so explicitly)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app) -> factories.Factory:
    return factories.Factory(app)


# -- logging in ---------------------------------------------------------------------------


@pytest.fixture
def login(client, make):
    """login("organiser") creates a user with that role, logs the client in, returns the email."""

    def _login(role: str, email: str | None = None) -> str:
        email = email or make.user(role)
        response = log_in(client, email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return email

    return _login


# -- the test geocoder ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def addok(tmp_path_factory):
    """A real Addok on loopback with tests/data/ban_addresses.ndjson (tests/addok.py)."""
    from tests.addok import AddokServer, addok_available

    reason = addok_available()
    if reason:
        pytest.skip(reason)
    with AddokServer(tmp_path_factory.mktemp("addok")) as server:
        yield server


@pytest.fixture
def geocoder_on(app, addok):
    """The app set to geocode with that Addok (GEOCODER=ban), for one test."""
    saved = {k: app.config[k] for k in ("GEOCODER", "GEOCODER_URL", "GEOCODER_TIMEOUT")}
    app.config.update(GEOCODER="ban", GEOCODER_URL=addok.url, GEOCODER_TIMEOUT=5)
    yield addok
    app.config.update(saved)


# -- an SMTP server -------------------------------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """An SMTP server on loopback that keeps what it accepts (tests/fakes.py)."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


# -- a live server for the browser ---------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    LIVE_REQUESTS.app = app
    server = make_server("127.0.0.1", 0, LIVE_REQUESTS, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    LIVE_REQUESTS.wait_idle()


# -- the app as in production: gunicorn behind nginx, over HTTPS ---------------------------


@pytest.fixture(scope="session")
def https_site(app, database_url, tmp_path_factory):
    """gunicorn (gunicorn.conf.py, 2 workers) behind Debian's nginx serving deploy/nginx.conf
    on https://127.0.0.1:<port>, on the tests' database and instance folder (tests/servers.py)."""
    from tests.servers import nginx_available, serve_https

    reason = nginx_available()
    if reason:
        pytest.skip(reason)
    with serve_https(
        tmp_path_factory.mktemp("https"),
        database_url=database_url,
        instance_path=app.instance_path,
        env={"MAP_TILE_URL": f"https://{TILE_HOST}/{{z}}/{{x}}/{{y}}.png"},
    ) as site:
        yield site
