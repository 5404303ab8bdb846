"""Staff login: sessions, CSRF, redirects, rate limits, deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetup.auth import services
from meetup.auth.models import LoginSession
from meetup.auth.urls import safe_next_url
from meetup.extensions import db
from meetup.timeutil import utcnow
from tests.factories import PASSWORD
from tests.helpers import csrf_from, log_in, post_form


def _session_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginSession))


def test_login_then_logout(app, client, make):
    email = make.user("organiser")
    response = log_in(client, email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert _session_count(app) == 1
    response = post_form(client, "/logout", {}, page="/admin/")
    assert response.status_code == 302
    assert _session_count(app) == 0
    assert client.get("/admin/").status_code == 302


def test_wrong_password_keeps_the_email_and_says_why(client, make):
    email = make.user("organiser")
    response = log_in(client, email, "not the password")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Wrong email or password." in html
    assert f'value="{email}"' in html  # nothing typed is lost (except the password)
    # Said of the pair: neither field is marked, so which one is wrong is not given away.
    assert 'aria-invalid="true"' not in html
    # the cursor goes to what is wrong (the summary, app.js), not back to the email field
    assert "data-error-summary" in html and "autofocus" not in html


def test_unknown_email_gets_the_same_answer(client):
    response = log_in(client, "nobody@example.org", "whatever-password")
    assert response.status_code == 422
    assert "Wrong email or password." in response.get_data(as_text=True)


def test_door_volunteer_lands_on_the_door(client, make):
    response = log_in(client, make.user("door"))
    assert response.headers["Location"] == "/door/"


def test_login_requires_csrf(client, make):
    email = make.user("organiser")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_session_id_changes_at_login_and_nothing_planted_survives(app, client, make):
    email = make.user("organiser")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    log_in(client, email)
    with client.session_transaction() as session:
        assert "planted" not in session
        first_id = session["_user_id"]
    post_form(client, "/logout", {}, page="/admin/")
    log_in(client, email)
    with client.session_transaction() as session:
        assert session["_user_id"] != first_id
    with app.app_context():
        assert db.session.get(LoginSession, first_id) is None


def test_a_logged_out_cookie_no_longer_works(app, make):
    email = make.user("organiser")
    client = app.test_client()
    log_in(client, email)
    stolen = client.get_cookie("session").value
    post_form(client, "/logout", {}, page="/admin/")

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logging_out_on_one_device_keeps_the_other(app, make):
    email = make.user("organiser")
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, email)
    log_in(phone, email)
    post_form(laptop, "/logout", {}, page="/admin/")
    assert phone.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/admin/events/x", "/admin/events/x"),
        ("/admin/?tab=1", "/admin/?tab=1"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("\\\\evil.example", None),
        ("http:/evil.example", None),
        ("javascript:alert(1)", None),
        (" //evil.example", None),
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
        ("/\nSet-Cookie: x", None),
        ("admin", None),
        ("", None),
    ],
)
def test_safe_next_url(target, expected):
    assert safe_next_url(target) == expected


def test_next_is_followed_only_on_this_site(client, make):
    email = make.user("organiser")
    html = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login?next=https://evil.example/phish",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(html)},
    )
    assert response.headers["Location"] == "/admin/"
    post_form(client, "/logout", {}, page="/admin/")
    html = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login?next=/admin/series",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(html)},
    )
    assert response.headers["Location"] == "/admin/series"


def test_login_redirect_carries_next(client):
    response = client.get("/admin/series")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fadmin%2Fseries"


def test_failed_logins_are_rate_limited_but_successes_are_not(app, client, make):
    email = make.user("organiser")
    for _ in range(4):
        assert log_in(client, email, "wrong-password!").status_code == 422
    assert log_in(client, email).status_code == 302  # a success does not count
    post_form(client, "/logout", {}, page="/admin/")
    assert log_in(client, email, "wrong-password!").status_code == 422
    response = log_in(client, email, "wrong-password!")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert (
        1 <= int(response.headers["Retry-After"]) <= 61
    )  # the limit of 5 per minute (its window, rounded up)


def _attempt(app, email, password="wrong-password!", address="10.0.0.1", client=None):  # noqa: S107
    if client is None:
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get("/login").get_data(as_text=True)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(html)},
        environ_base={"REMOTE_ADDR": address},
    )


def test_guessers_cannot_lock_the_owner_out(app, make):
    """Ten wrong passwords from two addresses used to lock the account for an hour, its
    owner included. Now strangers' browsers are slowed down on that account; the owner's
    browser, which logged in before, is not."""
    email = make.user("organiser")
    owner = app.test_client()
    assert _attempt(app, email, PASSWORD, "192.0.2.7", client=owner).status_code == 302
    post_form(owner, "/logout", {}, page="/admin/")
    statuses = [_attempt(app, email, address=f"10.0.0.{n % 2 + 1}").status_code for n in range(10)]
    assert statuses == [422] * 10
    stranger = _attempt(app, email, address="10.0.0.3")  # a third address, a new browser
    assert stranger.status_code == 429
    page = stranger.get_data(as_text=True)
    assert "Too many attempts" in page and email in page  # the form again, the email kept
    assert _attempt(app, email, PASSWORD, "10.0.0.4").status_code == 429  # even right
    # The owner, from their usual browser, at home or elsewhere.
    assert _attempt(app, email, PASSWORD, "192.0.2.7", client=owner).status_code == 302
    post_form(owner, "/logout", {}, page="/admin/")
    assert _attempt(app, email, PASSWORD, "198.51.100.9", client=owner).status_code == 302


def test_one_address_guessing_one_account_is_slowed_down_on_that_account(app, make, monkeypatch):
    """Per account and address: ten failures an hour from one address on one account; the
    same address may still log in to another account, another address to this one."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "100 per hour")  # not these two
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "100 per hour")
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT", "10 per hour")
    email, colleague = make.user("organiser"), make.user("organiser")
    assert [_attempt(app, email, address="10.0.1.1").status_code for _ in range(10)] == [422] * 10
    assert _attempt(app, email, PASSWORD, "10.0.1.1").status_code == 429
    assert _attempt(app, colleague, PASSWORD, "10.0.1.1").status_code == 302
    assert _attempt(app, email, PASSWORD, "10.0.1.2").status_code == 302


def test_the_known_browser_cookie_is_signed_and_stays_on_the_login_page(app, make):
    email = make.user("organiser")
    client = app.test_client()
    response = _attempt(app, email, PASSWORD, client=client)
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("login_device=")]
    assert "Path=/login" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert email not in cookie and email.split("@")[0] not in cookie
    for n in range(10):
        _attempt(app, email, address=f"10.0.2.{n % 2 + 1}")
    forged = app.test_client()
    value = cookie.split(";")[0].split("=", 1)[1]
    forged.set_cookie("login_device", value[:-2] + "xx", path="/login")
    assert _attempt(app, email, PASSWORD, client=forged).status_code == 429


def test_deactivated_user_cannot_log_in_and_is_logged_out(app, client, make):
    email = make.user("organiser")
    log_in(client, email)
    with app.app_context():
        services.deactivate_user(services.find_user_by_email(email))
    assert client.get("/admin/").status_code == 302
    response = log_in(client, email)
    assert response.status_code == 422
    assert "Wrong email or password." in response.get_data(as_text=True)


def test_password_change_ends_sessions(app, client, make):
    email = make.user("organiser")
    log_in(client, email)
    with app.app_context():
        services.set_password(services.find_user_by_email(email), "a brand new password")
    assert client.get("/admin/").status_code == 302
    assert log_in(client, email, "a brand new password").status_code == 302


def test_passwords_are_hashed(app, make):
    email = make.user("organiser")
    with app.app_context():
        user = services.find_user_by_email(email)
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith("pbkdf2:") or user.password_hash.startswith("scrypt:")
    assert app.config["PASSWORD_HASH_METHOD"].startswith("pbkdf2")  # tests only


def test_production_hash_is_scrypt():
    from meetup.config import Config

    assert Config.PASSWORD_HASH_METHOD == "scrypt"


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", "long enough password", "not an email"),
        ("ok@example.org", "short", "at least"),
    ],
)
def test_create_user_rules(app_ctx, email, password, message):
    with pytest.raises(services.AccountError, match=message):
        services.create_user(email, "organiser", password)


def test_emails_are_unique_without_regard_to_case(app_ctx):
    services.create_user("Claire@Example.org", "organiser", "long enough password")
    with pytest.raises(services.AccountError, match="already exists"):
        services.create_user("claire@example.ORG", "admin", "long enough password")


def test_idle_sessions_expire(app, client, make, monkeypatch):
    email = make.user("organiser")
    log_in(client, email)
    with client.session_transaction() as session:
        assert session.permanent
    later = utcnow() + timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"] + 60)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    assert client.get("/admin/").status_code == 302
    assert _session_count(app) == 0
