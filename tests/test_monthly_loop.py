"""The monthly loop: news of the next evenings (a consent), the announcement and its one-tap
signup, one-click unsubscribe (RFC 8058), reminders with "give my seat", "send me my link
again". Mail goes through the outbox, deliver_due and a real SMTP server (aiosmtpd); the
clock is moved by passing `now`.
"""

from __future__ import annotations

import email
import hashlib
import re
import threading
from datetime import timedelta
from email import policy

from sqlalchemy import func, select, update

from meetup.events.models import Event, EventStatus
from meetup.extensions import db
from meetup.mail import services as mail
from meetup.mail.models import OutboxMessage
from meetup.privacy import erasure
from meetup.privacy.models import ConsentRecord
from meetup.registrations import news, reminders, services
from meetup.registrations.models import OneTapLink, Registration, RegistrationStatus
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, log_in, post_form, sign_up, text_of

JOIN = re.compile(r"http://localhost(/events/[^/\s]+/join/[A-Za-z0-9_-]{40,})")
GIVE_SEAT = re.compile(r"http://localhost(/r/[A-Za-z0-9_-]{40,}/give-seat)")
UNSUBSCRIBE = re.compile(r"http://localhost(/news/unsubscribe/[A-Za-z0-9_-]{40,})")


def _path(pattern: re.Pattern, message) -> str:
    match = pattern.search(text_of(message))
    assert match, text_of(message)
    return match.group(1)


def _event(slug: str) -> Event:
    return db.session.scalar(select(Event).where(Event.slug == slug))


def _by_email(email: str, slug: str) -> Registration | None:
    return db.session.scalar(
        select(Registration).join(Event).where(Registration.email == email, Event.slug == slug)
    )


def _deliver(app, smtp, now=None) -> list:
    """What the worker sends now, as the SMTP server received it."""
    before = len(smtp.inbox.accepted)
    with app.app_context():
        report = mail.deliver_due(smtp.transport(), now=now)
        assert report.failed == 0 and report.retrying == 0, report.summary()
        db.session.remove()
    return smtp.inbox.messages()[before:]


def _tap(client, path: str):
    """A person taps the link: the page sends its form at once (its script)."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def _club(make, **series_values):
    """A club whose last evening had Ana and Ben (who asked for news) and Cora (who did not)."""
    organiser = make.user("organiser")
    series = make.series(team=(organiser,), contact_email="club@example.org", **series_values)
    last = make.event(series, starts_at=utcnow().replace(microsecond=0) - timedelta(days=30))
    make.registration(last, first_name="Ana", email="ana@example.org", news=True, language="fr",
                      company="Atelier Ana", visibility="community")  # fmt: skip
    make.registration(last, first_name="Ben", email="ben@example.org", news=True, language="en")
    make.registration(last, first_name="Cora", email="cora@example.org")
    return organiser, series


# -- the whole month, end to end ------------------------------------------------------------


def test_publish_announce_one_tap_remind_give_seat(app, client, make, smtp):
    organiser, series = _club(make)
    starts = utcnow().replace(microsecond=0) + timedelta(days=3)
    slug = make.event(series, starts_at=starts, capacity=1, status="draft")
    log_in(client, organiser)

    # Publishing leads to the announcement: how many, and the email in both languages.
    page = client.get(f"/admin/events/{slug}")
    response = client.post(
        f"/admin/events/{slug}/publish", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert response.headers["Location"] == f"/admin/events/{slug}/announce"
    html = client.get(f"/admin/events/{slug}/announce").get_data(as_text=True)
    assert "2 people will be told" in html
    assert "Bonjour Camille" in html and "Hello Camille" in html
    response = post_form(client, f"/admin/events/{slug}/announce", {})
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").get_data(True))})

    received = {m["To"].addresses[0].addr_spec: m for m in _deliver(app, smtp)}
    assert set(received) == {"ana@example.org", "ben@example.org"}  # not Cora
    ana_news, ben_news = received["ana@example.org"], received["ben@example.org"]
    assert ana_news["Content-Language"] == "fr" and "Bonjour Ana" in text_of(ana_news)
    assert "Hello Ben" in text_of(ben_news)
    assert ana_news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ana_news["List-Unsubscribe"] == f"<http://localhost{_path(UNSUBSCRIBE, ana_news)}>"
    assert ana_news["Reply-To"].addresses[0].addr_spec == "club@example.org"

    # One tap: a seat for Ana (her last card), the waitlist for Ben; the usual emails.
    response = _tap(client, _path(JOIN, ana_news))
    assert "See you there!" in response.get_data(as_text=True)
    other_phone = app.test_client()
    other_phone.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = _tap(other_phone, _path(JOIN, ben_news))
    assert "You are on the waitlist" in response.get_data(as_text=True)
    with app.app_context():
        ana = _by_email("ana@example.org", slug)
        assert ana.status is RegistrationStatus.CONFIRMED and ana.company == "Atelier Ana"
        assert ana.visibility.value == "community" and ana.news
        assert _by_email("ben@example.org", slug).status is RegistrationStatus.WAITLISTED
    subjects = {m["To"].addresses[0].addr_spec: m["Subject"] for m in _deliver(app, smtp)}
    assert subjects["ana@example.org"].startswith("C’est noté")
    assert subjects["ben@example.org"].startswith("On the waitlist")

    # A second tap changes nothing and sends nothing.
    response = _tap(client, _path(JOIN, ana_news))
    assert "You are already registered" in response.get_data(as_text=True)
    assert _deliver(app, smtp) == []

    # Reminders: not yet 25 hours before; 23 hours before, once, whatever the rounds.
    with app.app_context():
        assert reminders.send_due_reminders(now=starts - timedelta(hours=25)) == 0
        assert reminders.send_due_reminders(now=starts - timedelta(hours=23)) == 2
        assert reminders.send_due_reminders(now=starts - timedelta(hours=22)) == 0
    sent = {m["To"].addresses[0].addr_spec: m for m in _deliver(app, smtp)}
    ana_reminder, ben_reminder = sent["ana@example.org"], sent["ben@example.org"]
    assert "Rappel" in ana_reminder["Subject"]
    assert any(part.get_content_type() == "image/png" for part in ana_reminder.walk())
    assert "number 1 on the waitlist" in text_of(ben_reminder)

    # "I can't come: give my seat": a page that asks, then Ben gets the seat and is told.
    path = _path(GIVE_SEAT, ana_reminder)
    assert "Yes, give my seat" in client.get(path).get_data(as_text=True)
    response = post_form(client, path, {})
    assert "your seat is given" in response.get_data(as_text=True)
    promoted = _deliver(app, smtp)
    assert {m["To"].addresses[0].addr_spec for m in promoted} == {
        "ana@example.org",  # her cancellation
        "ben@example.org",  # his seat
    }
    assert "A seat is yours" in next(
        m["Subject"] for m in promoted if m["To"].addresses[0].addr_spec == "ben@example.org"
    )
    with app.app_context():
        assert _by_email("ben@example.org", slug).status is RegistrationStatus.CONFIRMED
    assert "already cancelled" in client.get(path).get_data(as_text=True)  # tapped again

    # Ben unsubscribes from his mail client's button: the POST RFC 8058 describes.
    response = app.test_client().post(
        _path(UNSUBSCRIBE, ben_news),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    next_month = make.event(series, starts_at=starts + timedelta(days=30))
    with app.app_context():
        bens = db.session.scalars(
            select(Registration).where(Registration.email == "ben@example.org")
        )
        assert [r.news for r in bens] == [False, False]
        records = db.session.scalars(
            select(ConsentRecord).where(
                ConsentRecord.consent == "news", ConsentRecord.value == "no"
            )
        ).all()
        assert {r.how for r in records} >= {"changed"}
        assert [r.first_name for r in news.audience(_event(next_month))] == ["Ana"]


# -- the news consent -----------------------------------------------------------------------


def test_news_is_unticked_at_signup_and_follows_the_person_across_the_series(app, client, make):
    series = make.series()
    first = make.event(series)
    assert 'name="news"' in client.get(f"/events/{first}/signup").get_data(as_text=True)
    assert 'name="news" type="checkbox" value="y" checked' not in client.get(
        f"/events/{first}/signup"
    ).get_data(as_text=True)
    sign_up(client, first, email="dee@example.org", news="y")
    second = make.event(series, starts_at=utcnow().replace(microsecond=0) + timedelta(days=40))
    sign_up(client, second, email="dee@example.org")  # box left unticked: no change of mind
    with app.app_context():
        assert _by_email("dee@example.org", second).news
        token = "dee-token-0123456789abcdefghijklmnopqrstu"
        registration = _by_email("dee@example.org", second)
        registration.manage_token_hash = hashlib.sha256(token.encode()).hexdigest()
        db.session.commit()
    # Unticked on the personal page: no more news from the club, whichever registration.
    data = {
        "first_name": "Dee", "last_name": "Martin", "visibility": "nobody", "language": "en",
    }  # fmt: skip
    response = post_form(client, f"/r/{token}", data)
    assert response.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).where(
                    Registration.email == "dee@example.org", Registration.news
                )
            )
            == 0
        )


# -- announcing -----------------------------------------------------------------------------


def test_an_evening_is_announced_once_unless_sent_again_on_purpose(app, make):
    _organiser, series = _club(make)
    slug = make.event(series)
    with app.app_context():
        assert news.announce(_event(slug)) == 2
        try:
            news.announce(_event(slug))
        except news.AlreadyAnnounced:
            pass
        else:
            raise AssertionError("announced twice")
        assert news.announce(_event(slug), again=True) == 2
        assert (
            db.session.scalar(select(func.count()).where(OutboxMessage.kind == "announcement")) == 4
        )


def test_the_audience_leaves_out_those_registered_and_those_erased(app, make):
    _organiser, series = _club(make)
    slug = make.event(series)
    make.registration(slug, first_name="Ana", email="ANA@example.org")
    with app.app_context():
        assert [r.first_name for r in news.audience(_event(slug))] == ["Ben"]


def test_a_draft_or_closed_evening_cannot_be_announced(app, client, make):
    organiser, series = _club(make)
    draft = make.event(series, status="draft")
    log_in(client, organiser)
    response = post_form(client, f"/admin/events/{draft}/announce", {})
    assert response.status_code == 422
    assert "cannot be announced" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# -- one tap: bad links ---------------------------------------------------------------------


def _announced(app, make):
    _organiser, series = _club(make)
    slug = make.event(series)
    other = make.event(series, starts_at=utcnow().replace(microsecond=0) + timedelta(days=40))
    with app.app_context():
        news.announce(_event(slug))
        db.session.remove()
    messages = [m for m in _outbox(app) if m["To"].addresses[0].addr_spec == "ana@example.org"]
    return slug, other, _path(JOIN, messages[0])


def _outbox(app):
    with app.app_context():
        return [
            email.message_from_bytes(mail.message_bytes(m), policy=policy.default)
            for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def _registered(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Registration).join(Event).where(Event.slug == slug)
        )


def test_a_forged_link_or_one_of_another_evening_changes_nothing(app, client, make):
    slug, other, path = _announced(app, make)
    forged = re.sub(r"join/.*", "join/" + "x" * 43, path)
    for url in (forged, path.replace(slug, other)):
        for response in (client.get(url), client.post(url, data={"csrf_token": "x"})):
            assert response.status_code in (404, 400)
        page = client.get(url).get_data(as_text=True)
        assert "This link does not work" in page and "Nothing was changed" in page
    assert _registered(app, slug) == 0 and _registered(app, other) == 0


def test_a_link_after_signups_closed_changes_nothing(app, client, make):
    slug, _other, path = _announced(app, make)
    with app.app_context():
        db.session.execute(
            update(Event).where(Event.slug == slug).values(registration_closes_at=utcnow())
        )
        db.session.commit()
    response = client.get(path)
    assert response.status_code == 410
    assert "Signups for this evening are closed" in response.get_data(as_text=True)
    assert _registered(app, slug) == 0


def test_an_erased_person_s_links_stop_working(app, client, make):
    _slug, _other, path = _announced(app, make)
    with app.app_context():
        ana = db.session.scalar(select(Registration).where(Registration.email == "ana@example.org"))
        erasure.erase(erasure.the_person(ana))
        assert (
            db.session.scalar(select(func.count()).where(OneTapLink.registration_id == ana.id)) == 0
        )
    assert client.get(path).status_code == 404


def test_unsubscribing_with_an_unknown_token_changes_nothing(app, client, make):
    _announced(app, make)
    response = client.post(
        "/news/unsubscribe/" + "y" * 43,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 404
    assert "This link does not work" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Registration.news)) == 2


def test_the_unsubscribe_link_asks_first_then_one_click(app, client, make):
    _announced(app, make)
    ana = next(m for m in _outbox(app) if m["To"].addresses[0].addr_spec == "ana@example.org")
    path = _path(UNSUBSCRIBE, ana)
    page = client.get(path).get_data(as_text=True)  # a link scanner: nothing happens
    assert "Se désabonner" in page or "Unsubscribe" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Registration.news)) == 2
    assert "You are unsubscribed" in client.post(path).get_data(as_text=True)
    assert "You are unsubscribed" in client.post(path).get_data(as_text=True)  # again: same
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Registration.news)) == 1


# -- reminders ------------------------------------------------------------------------------


def _reminder_world(make, **event_values):
    series = make.series(**event_values.pop("series", {}))
    starts = utcnow().replace(microsecond=0) + timedelta(days=2)
    slug = make.event(series, starts_at=starts, capacity=2, **event_values)
    for n in range(3):
        make.registration(slug, status="confirmed" if n < 2 else "waitlisted")
    return slug, starts


def test_reminders_are_claimed_once_by_concurrent_workers(app, make):
    _slug, starts = _reminder_world(make)
    totals = []

    def worker():
        with app.app_context():
            totals.append(reminders.send_due_reminders(now=starts - timedelta(hours=20)))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(totals) == 3
    with app.app_context():
        kinds = db.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.kind)).all()
        assert kinds == ["reminder", "reminder", "reminder_waitlisted"]


def test_no_reminder_for_an_evening_cancelled_past_or_published_late(app, make):
    cancelled, starts = _reminder_world(make)
    with app.app_context():
        services.set_status_and_notify(_event(cancelled), EventStatus.CANCELLED)
        db.session.execute(update(OutboxMessage).values(status="sent"))
        db.session.commit()
        assert reminders.send_due_reminders(now=starts - timedelta(hours=20)) == 0
        assert reminders.send_due_reminders(now=starts + timedelta(hours=1)) == 0
    late, late_starts = _reminder_world(make)
    with app.app_context():
        db.session.execute(
            update(Event)
            .where(Event.slug == late)
            .values(status_changed_at=late_starts - timedelta(hours=10))
        )
        db.session.commit()
        assert reminders.send_due_reminders(now=late_starts - timedelta(hours=5)) == 0
    _off, off_starts = _reminder_world(make, series={"reminder_hours": 0})
    with app.app_context():
        assert reminders.send_due_reminders(now=off_starts - timedelta(hours=1)) == 0
        assert (
            db.session.scalar(select(func.count()).where(OutboxMessage.kind.like("reminder%"))) == 0
        )


# -- send me my link again ------------------------------------------------------------------


def test_send_me_my_link_again_answers_the_same_for_anyone(app, client, make):
    slug = make.event(make.series())
    make.registration(slug, email="eve@example.org")
    answers = []
    for address in ("eve@example.org", "nobody@example.org"):
        response = post_form(client, "/r/", {"email": address}, follow_redirects=True)
        page = response.get_data(as_text=True).replace(address, "ADDRESS")
        # The CSRF token carries the second it was made: not part of the answer.
        answers.append(re.sub(r'name="csrf_token"[^>]*>', "", page))
    assert answers[0] == answers[1]
    response = post_form(
        client, f"/events/{slug}/link", {"email": "EVE@example.org"}, page=f"/events/{slug}"
    )
    assert response.status_code == 302
    with app.app_context():
        assert services.handle_link_requests() == 1  # the worker's round
        links = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "link")).all()
        assert [m.recipient for m in links] == ["eve@example.org"]  # once a quarter of an hour
    assert "Vous avez demandé votre lien personnel" in text_of(_outbox(app)[0])


def test_send_me_my_link_again_refuses_a_bad_address_and_keeps_it(client):
    response = post_form(client, "/r/", {"email": "not an address"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This email address is not valid." in page and 'value="not an address"' in page


def test_send_me_my_link_again_is_rate_limited_per_client_address(client):
    csrf = csrf_from(client.get("/r/").get_data(as_text=True))
    answers = [
        client.post("/r/", data={"email": f"p{n}@example.org", "csrf_token": csrf}).status_code
        for n in range(11)
    ]
    assert answers[:10] == [302] * 10 and answers[10] == 429
