"""Operations: health, headers, logs and error pages."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from meetup import ConfigurationError, create_app
from meetup.config import Config, TestConfig
from tests.addok import free_port
from tests.helpers import log_in


def test_security_headers_on_every_response(client):
    for url in ("/", "/login", "/nope", "/healthz", "/api/v1/openapi.json"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # plain HTTP here


def test_hsts_behind_https(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_public_pages_may_be_cached_but_admin_pages_not(client, login):
    assert client.get("/").headers.get("Cache-Control") != "no-store"
    login("organiser")
    assert client.get("/admin/").headers["Cache-Control"] == "no-store"


@pytest.fixture
def failing_route(app, monkeypatch):
    """Make the home page raise, with exceptions handled as in production."""
    from meetup.events import public_views

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom with marie.curie@example.org")

    monkeypatch.setitem(app.view_functions, "public.home", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    assert public_views  # the real module stays importable


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Something went wrong"), ("fr", "Une erreur s’est produite")],
)
def test_500_page_is_polite_and_translated(client, failing_route, language, text):
    response = client.get("/", headers={"Accept-Language": language})
    assert response.status_code == 500
    assert text in response.get_data(as_text=True)
    assert "kaboom" not in response.get_data(as_text=True)


def test_500_rolls_the_session_back(app, client, failing_route, monkeypatch):
    from meetup.extensions import db

    calls = []
    original = db.session.rollback
    monkeypatch.setattr(db.session, "rollback", lambda: (calls.append(1), original()))
    client.get("/")
    assert calls


def test_request_logs_carry_no_personal_data(client, make, caplog):
    email = make.user("organiser")
    with caplog.at_level(logging.INFO, logger="meetup.requests"):
        log_in(client, email)
        client.get("/admin/events/some-slug?q=Marie+Curie")
    text = caplog.text
    assert "GET /admin/events/<slug> 404" in text
    assert email not in text
    assert "Marie" not in text
    assert "127.0.0.1" not in text


def test_api_404_is_json(client):
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = type("Prod", (Config,), {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(config, instance_path=str(tmp_path))
    for weak in ("dev", "change-me", "", "short-but-not-empty"):
        config = type(
            "Prod", (Config,), {"SECRET_KEY": weak, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
        )
        with pytest.raises(ConfigurationError):
            create_app(config, instance_path=str(tmp_path))


def test_refuses_to_send_real_email_with_links_to_the_development_address(tmp_path, monkeypatch):
    """With an SMTP server set, a forgotten BASE_URL would put 127.0.0.1 in every email's
    links and every printed badge's QR code."""
    monkeypatch.delenv("BASE_URL", raising=False)
    settings = {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    production = type("Prod", (Config,), settings | {"MAIL_SERVER": "smtp.example.org"})
    with pytest.raises(ConfigurationError, match="BASE_URL"):
        create_app(production, instance_path=str(tmp_path))
    ready = type("Prod", (production,), {"BASE_URL": "https://meetup.example.org"})
    assert create_app(ready, instance_path=str(tmp_path)).config["BASE_URL"].startswith("https")
    development = type("Dev", (Config,), settings | {"MAIL_SERVER": ""})  # .eml files: fine
    create_app(development, instance_path=str(tmp_path))
    monkeypatch.setenv("BASE_URL", "http://127.0.0.1:5000")  # said on purpose: `make run`
    create_app(production, instance_path=str(tmp_path))


def test_secret_key_from_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    (tmp_path / "secret_key").write_text("a-long-random-key-written-by-make-run\n")
    config = type("Prod", (Config,), {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app = create_app(config, instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "a-long-random-key-written-by-make-run"


def test_testing_may_use_a_fixed_key(tmp_path):
    app = create_app(
        type("T", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"}), str(tmp_path)
    )
    assert app.testing


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    from sqlalchemy import text

    from meetup.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_database_url_normalisation():
    from meetup.config import normalise_database_url

    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize(
    "url",
    [
        "/events/%00",
        "/series/a%00b",
        "/events/a%00/calendar.ics",
        "/?q=%00",
        "/language/en?next=/%00",
        "/admin/events/x%00",
    ],
)
def test_nul_bytes_are_refused_everywhere(client, url):
    """PostgreSQL refuses NUL in text; the app answers 400 instead of a 500 on both databases."""
    assert client.get(url).status_code == 400


def test_nul_bytes_in_a_form_are_refused(client, make):
    email = make.user("organiser")
    response = client.post("/login", data={"email": email + "\x00", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/admin/events/{event}/speakers/99999999999999999999999/edit",
        "/admin/events/{event}/speakers/0/edit",
        "/admin/events/{event}/speakers/2147483648/edit",
    ],
)
def test_out_of_range_ids_are_404(client, login, make, url):
    organiser = login("organiser")
    event = make.event(make.series(team=(organiser,)))
    assert client.get(url.format(event=event)).status_code == 404


def test_unhandled_errors_are_logged_with_the_route_pattern_only(client, failing_route, caplog):
    with caplog.at_level(logging.ERROR):
        client.get("/?name=Marie+Curie")
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1  # logged once, not twice
    assert errors[0].getMessage() == "unhandled error on GET /"
    assert "Marie" not in caplog.text.split("Traceback")[0]


def test_gunicorn_workers_leave_the_loaded_app_out_of_garbage_collection():
    """gunicorn.conf.py's post_worker_init hook, as gunicorn itself runs it: a misnamed hook
    would be ignored without a word."""
    root = Path(__file__).resolve().parent.parent
    port = free_port()
    command = [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "tests.gc_probe:app"]
    server = subprocess.Popen(
        command,
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    frozen = int(response.read())
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert frozen > 1000  # the worker's modules and the app, frozen after loading
