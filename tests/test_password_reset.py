"""A forgotten password: the email, the single-use hour-long link, the sessions it ends, the
same answer for unknown addresses, the rate limit."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

from sqlalchemy import func, select

from meetup.accounts import cleanup, invitations, reset
from meetup.accounts.models import PasswordReset
from meetup.auth.models import LoginSession, Role, User
from meetup.auth.services import find_user_by_email
from meetup.events.models import Series
from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, log_in, outbox, post_form

RESET_LINK = re.compile(r"http://localhost/login/reset/([A-Za-z0-9_-]{40,})")
NEW = "a brand new passphrase"


def _ask(client, email: str):
    """The form, then a round of the worker (which looks the address up and sends)."""
    response = post_form(client, "/login/forgot", {"email": email})
    with client.application.app_context():
        reset.handle_reset_requests()
    return response


def _link(app) -> str:
    messages = outbox(app, "password_reset")
    assert messages, "no reset email"
    text = messages[-1].get_body(("plain",)).get_content()
    return RESET_LINK.search(text).group(1)


def _sessions(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(LoginSession.id)).join(User).where(User.email == email)
        )


def test_the_login_page_links_to_the_forgotten_password_page(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/login/forgot"' in html
    assert "Forgot your password?" in html


def test_a_reset_link_sets_a_new_password_once_and_ends_other_sessions(app, make):
    email = make.user("door")
    phone, laptop = app.test_client(), app.test_client()
    for browser in (phone, laptop):
        browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert log_in(phone, email).status_code == 302
    assert _sessions(app, email) == 1

    response = _ask(laptop, email)
    assert response.status_code == 302
    page = laptop.get(response.headers["Location"]).get_data(as_text=True)
    assert "is on its way" in page
    message = outbox(app, "password_reset")[0]
    assert message["To"].addresses[0].addr_spec == email
    token = _link(app)
    with app.app_context():
        stored = db.session.scalar(select(PasswordReset))
        assert stored.token_hash != token and len(stored.token_hash) == 64  # only a hash

    form = laptop.get(f"/login/reset/{token}")
    assert form.status_code == 200
    assert form.headers["Cache-Control"] == "no-store"
    assert email in form.get_data(as_text=True)
    done = post_form(laptop, f"/login/reset/{token}", {"password": NEW, "confirm": NEW})
    assert done.status_code == 302
    assert done.headers["Location"] == "/door/"  # logged in, at their home
    assert laptop.get("/door/").status_code == 200
    # The phone's session ended; the laptop's is the only one.
    assert phone.get("/door/").status_code == 302
    assert _sessions(app, email) == 1
    # The new password works, the old one not.
    assert log_in(app.test_client(), email, NEW).status_code == 302
    assert log_in(app.test_client(), email).status_code == 422
    # Used: a clear page, not the form.
    again = laptop.get(f"/login/reset/{token}")
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)


def test_an_unknown_address_gets_the_same_answer_and_no_email(app, client, make):
    make.user("organiser", email="known@example.org")
    known = _ask(client, "known@example.org")
    unknown = _ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    first = client.get("/login").get_data(as_text=True)
    assert "is on its way" in first
    assert [m["To"].addresses[0].addr_spec for m in outbox(app)] == ["known@example.org"]


def test_the_answer_takes_the_same_work_for_any_address(app, client, make):
    """Known or not, the form stores one request row and queues nothing: the worker looks
    the address up and sends. Prints the response time medians; asserts no timing."""
    import statistics
    import time

    from meetup.accounts.models import PasswordResetRequest
    from meetup.extensions import limiter

    count = 30
    known = [make.user("organiser") for _ in range(count)]  # each one's first link
    unknown = [f"nobody{n}@example.org" for n in range(count)]
    limiter.enabled = False
    try:
        csrf = csrf_from(client.get("/login/forgot").get_data(as_text=True))
        times = {"known": [], "unknown": []}
        for n in range(count):
            asks = [("known", known[n]), ("unknown", unknown[n])]
            for kind, address in asks if n % 2 else reversed(asks):  # each first half the time
                start = time.perf_counter()
                response = client.post("/login/forgot", data={"email": address, "csrf_token": csrf})
                times[kind].append(time.perf_counter() - start)
                assert response.status_code == 302
    finally:
        limiter.enabled = True
    print(
        "forgotten password, median ms:",
        {kind: round(statistics.median(t) * 1e3, 2) for kind, t in times.items()},
    )
    with app.app_context():
        rows = db.session.scalars(select(PasswordResetRequest.email)).all()
        assert sorted(rows) == sorted(known + unknown)
        assert db.session.scalars(select(OutboxMessage.kind)).all() == []
        assert reset.handle_reset_requests(limit=100) == count
        assert db.session.scalars(select(PasswordResetRequest.id)).all() == []
    assert sorted(m["To"].addresses[0].addr_spec for m in outbox(app)) == sorted(known)


def test_a_deactivated_account_gets_no_link(app, client, make):
    email = make.user("organiser")
    with app.app_context():
        from meetup.auth.services import deactivate_user, find_user_by_email

        deactivate_user(find_user_by_email(email))
    assert _ask(client, email).status_code == 302
    assert outbox(app) == []


def test_an_expired_or_forged_link_gets_a_clear_page(app, client, make):
    email = make.user("organiser")
    _ask(client, email)
    token = _link(app)
    later = utcnow() + reset.LIFETIME + timedelta(seconds=1)
    with mock.patch("meetup.accounts.reset.utcnow", return_value=later):
        expired = client.get(f"/login/reset/{token}")
        assert expired.status_code == 410
        assert "more than an hour old" in expired.get_data(as_text=True)
        html = client.get("/login").get_data(as_text=True)
        refused = client.post(
            f"/login/reset/{token}",
            data={"password": NEW, "confirm": NEW, "csrf_token": csrf_from(html)},
        )
        assert refused.status_code == 410
    forged = client.get("/login/reset/" + "x" * 43)
    assert forged.status_code == 404
    assert "Ask for a new link" in forged.get_data(as_text=True)
    assert log_in(app.test_client(), email).status_code == 302  # password unchanged


def test_a_newer_reset_ends_the_older_links(app, client, make):
    email = make.user("organiser")
    _ask(client, email)
    first = _link(app)
    _ask(client, email)
    second = _link(app)
    assert first != second
    assert (
        post_form(client, f"/login/reset/{second}", {"password": NEW, "confirm": NEW}).status_code
        == 302
    )
    assert client.get(f"/login/reset/{first}").status_code == 410


def test_bad_input_keeps_the_form_and_says_why(app, client, make):
    email = make.user("organiser")
    bad = _ask(client, "not an address")
    assert bad.status_code == 422
    assert "not an address" in bad.get_data(as_text=True)  # what was typed is kept
    _ask(client, email)
    token = _link(app)
    short = post_form(client, f"/login/reset/{token}", {"password": "short", "confirm": "short"})
    assert short.status_code == 422
    assert "at least 10" in short.get_data(as_text=True).lower()
    differ = post_form(client, f"/login/reset/{token}", {"password": NEW, "confirm": NEW + "!"})
    assert differ.status_code == 422
    assert "The two passwords differ." in differ.get_data(as_text=True)
    huge = post_form(client, f"/login/reset/{token}", {"password": "x" * 5000, "confirm": "x"})
    assert huge.status_code == 422
    # Still usable after the mistakes.
    assert (
        post_form(client, f"/login/reset/{token}", {"password": NEW, "confirm": NEW}).status_code
        == 302
    )


def test_one_account_gets_at_most_three_emails_an_hour(app, make):
    email = make.user("organiser")
    for n in range(5):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"10.1.0.{n + 1}"
        assert _ask(browser, email).status_code == 302
    assert len(outbox(app, "password_reset")) == reset.EMAILS_PER_HOUR


def test_asking_is_rate_limited_per_client_address(app, client, make):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "2 per minute"
    for n in range(2):
        assert _ask(client, f"someone{n}@example.org").status_code == 302
    assert _ask(client, "someone9@example.org").status_code == 429


def test_the_outbox_names_the_reset_email_and_never_shows_its_link(app, client, make):
    """An administrator looking at the outbox sees "New password link", not the link: it
    would let them set anyone's password."""
    email = make.user("door")
    _ask(app.test_client(), email)
    token = _link(app)
    with app.app_context():
        message_id = db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))
    log_in(client, make.user("admin"))
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert "New password link" in listing
    for path in (f"/admin/outbox/{message_id}", f"/admin/outbox/{message_id}.eml"):
        response = client.get(path)
        assert response.status_code == 200
        assert token not in response.get_data(as_text=True)


def test_spent_links_and_old_invitations_are_purged_daily(app, make):
    """A reset link goes a day after it lapsed; an invitation a month after."""
    email = make.user("door")
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    with app.app_context():
        reset.send_reset(email)
        series_obj = db.session.scalar(select(Series).where(Series.slug == series))
        invitations.invite(series_obj, "new@example.org", Role.DOOR, find_user_by_email(organiser))
        assert cleanup.purge() == (0, 0)
        assert cleanup.purge(utcnow() + timedelta(days=1, minutes=30)) == (0, 0)
        assert cleanup.purge(utcnow() + timedelta(days=1, hours=2)) == (1, 0)
        assert cleanup.purge(utcnow() + timedelta(days=38)) == (0, 1)
        assert db.session.scalar(select(func.count(PasswordReset.id))) == 0
