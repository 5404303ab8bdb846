"""The monthly loop's edges, found in review: the unsubscribe header as it goes on the wire,
the news consent a one-tap signup carries, a consent withdrawn between "send" and delivery,
evenings moved after their announcement, signups not open yet, "give my seat" once the
evening has begun, "send my link again" (one limit, no timing oracle), the retention of the
news consent, and the purge of spent links.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from meetup.events import services as event_services
from meetup.extensions import db
from meetup.mail.compose import build_message
from meetup.registrations import news, reminders
from meetup.registrations import services as reg_services
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests.test_monthly_loop import (
    JOIN,
    UNSUBSCRIBE,
    _by_email,
    _club,
    _deliver,
    _event,
    _outbox,
    _path,
    _reminder_world,
    _tap,
)


def _ana_mail(app):
    return next(m for m in _outbox(app) if m["To"].addresses[0].addr_spec == "ana@example.org")


# -- 1. List-Unsubscribe, raw on the wire ---------------------------------------------------


def test_list_unsubscribe_reaches_the_smtp_server_as_one_plain_uri(app, make, smtp):
    """RFC 2369/8058: `<https://...>`, not RFC 2047 encoded-words (which mail clients do not
    read as a URI, so they show no unsubscribe button), however long the URL."""
    _organiser, series = _club(make)
    slug = make.event(series)
    with app.app_context():
        news.announce(_event(slug))
    before = len(smtp.inbox.accepted)
    _deliver(app, smtp)
    raw = next(
        envelope.content
        for envelope in smtp.inbox.accepted[before:]
        if b"ana@example.org" in envelope.content.split(b"\r\n\r\n", 1)[0]
    )
    head = raw.split(b"\r\n\r\n", 1)[0]
    line = re.search(rb"\r\nList-Unsubscribe: ([^\r\n]*)\r\n(?![ \t])", head)
    assert line, head
    assert b"=?" not in line.group(1)
    assert re.fullmatch(rb"<http://localhost/news/unsubscribe/[A-Za-z0-9_-]{40,}>", line.group(1))
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in head


def test_a_long_unsubscribe_url_stays_on_one_line_and_others_still_fold():
    url = "https://meetup.example.org/news/unsubscribe/" + "a" * 120
    raw = build_message(
        sender="club@example.org",
        recipient=("Camille Étienne-Dupont", "camille@example.org"),
        subject="Prochaine soirée : " + "très " * 30,
        text="Bonjour",
        message_id="<1@example.org>",
        language="fr",
        list_unsubscribe=url,
    )
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert f"\r\nList-Unsubscribe: <{url}>\r\n".encode() in head
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    assert b"Subject: Prochaine =?utf-8?" in head  # the others are still encoded and folded
    assert all(len(line) <= 78 for line in head.split(b"\r\n") if b"List-Unsubscribe:" not in line)


# -- 2. a one-tap signup carries the news consent as it stands ------------------------------


def _consents(registration_id: int) -> dict[str, tuple[str, str]]:
    from meetup.privacy.models import ConsentRecord

    rows = db.session.execute(
        select(ConsentRecord.consent, ConsentRecord.value, ConsentRecord.how)
        .where(ConsentRecord.registration_id == registration_id)
        .order_by(ConsentRecord.id)
    ).all()
    return {consent: (value, how) for consent, value, how in rows}


def test_one_tap_after_unsubscribing_does_not_subscribe_again(app, client, make):
    """Ana unsubscribes (her mail client's RFC 8058 POST), then taps "Sign me up" in the same
    email: she gets her seat, and stays off the news (she never said yes again)."""
    _organiser, series = _club(make)
    slug = make.event(series)
    with app.app_context():
        news.announce(_event(slug))
        db.session.remove()
    ana_mail = _ana_mail(app)
    assert client.post(_path(UNSUBSCRIBE, ana_mail)).status_code == 200
    assert "See you there!" in _tap(client, _path(JOIN, ana_mail)).get_data(as_text=True)
    nxt = make.event(series, starts_at=utcnow().replace(microsecond=0) + timedelta(days=40))
    with app.app_context():
        ana = _by_email("ana@example.org", slug)
        assert ana.news is False
        assert _consents(ana.id)["news"] == ("no", "one_tap")
        assert "ana@example.org" not in [r.email for r in news.audience(_event(nxt))]


def test_one_tap_records_the_consents_carried_from_the_card(app, client, make):
    _organiser, series = _club(make)
    slug = make.event(series)
    with app.app_context():
        news.announce(_event(slug))
        db.session.remove()
    _tap(client, _path(JOIN, _ana_mail(app)))
    with app.app_context():
        ana = _by_email("ana@example.org", slug)
        records = _consents(ana.id)
        assert records["news"] == ("yes", "one_tap")  # still subscribed: carried, not new
        assert records["visibility"] == ("community", "one_tap")


# -- 9. a consent withdrawn between "send" and delivery -------------------------------------


def test_unsubscribed_after_send_before_delivery_gets_nothing(app, make, smtp):
    """Ana unticks the news on her personal page after the organiser pressed "send", before
    the worker composed her copy: it is dropped (not failed), Ben's still goes."""
    from meetup.mail.models import OutboxMessage, OutboxStatus

    _organiser, series = _club(make)
    slug = make.event(series)
    with app.app_context():
        assert news.announce(_event(slug)) == 2
        ana = db.session.scalar(select(Registration).where(Registration.email == "ana@example.org"))
        reg_services.set_news(ana, False)
        db.session.commit()
    received = [m["To"].addresses[0].addr_spec for m in _deliver(app, smtp)]  # 0 failed
    assert received == ["ben@example.org"]
    with app.app_context():
        left = db.session.execute(
            select(OutboxMessage.recipient, OutboxMessage.status).where(
                OutboxMessage.kind == "announcement"
            )
        ).all()
        assert left == [("ben@example.org", OutboxStatus.SENT)]
    assert _deliver(app, smtp) == []  # and nothing later either


# -- 8. a signup link follows its evening's signup window at tap time -----------------------


def test_a_postponed_evening_s_link_still_signs_up(app, client, make):
    """Moved a week later after the announcement: a tap between the old date and the new
    one signs up (signups are open); once the new date's signups close, it is refused."""
    _organiser, series = _club(make)
    starts = utcnow().replace(microsecond=0) + timedelta(days=3)
    slug = make.event(series, starts_at=starts)
    with app.app_context():
        news.announce(_event(slug))
        db.session.remove()
    token = _path(JOIN, _ana_mail(app)).rsplit("/", 1)[1]
    with app.app_context():
        event = _event(slug)
        event_services.update_event(
            event, starts_at=starts + timedelta(days=7), ends_at=event.ends_at + timedelta(days=7)
        )
        db.session.commit()
        after_the_old_date = starts + timedelta(hours=1)
        card = news.check_signup_link(event, token, now=after_the_old_date)
        assert card.email == "ana@example.org"
        result = news.sign_up_in_one_tap(event, token, now=after_the_old_date)
        assert result.registration.email == "ana@example.org"
        with pytest.raises(news.LinkRefused) as refused:
            news.check_signup_link(event, token, now=starts + timedelta(days=7, minutes=1))
        assert refused.value.reason == "closed"


def test_an_evening_brought_forward_refuses_its_link_once_signups_close(app, make):
    _organiser, series = _club(make)
    starts = utcnow().replace(microsecond=0) + timedelta(days=10)
    slug = make.event(series, starts_at=starts)
    with app.app_context():
        news.announce(_event(slug))
        db.session.remove()
    token = _path(JOIN, _ana_mail(app)).rsplit("/", 1)[1]
    with app.app_context():
        event = _event(slug)
        event_services.update_event(
            event, starts_at=starts - timedelta(days=7), ends_at=event.ends_at - timedelta(days=7)
        )
        db.session.commit()
        with pytest.raises(news.LinkRefused) as refused:
            news.check_signup_link(event, token, now=starts - timedelta(days=6))
        assert refused.value.reason == "closed"


# -- 7. a postponed evening is reminded again for its new date ------------------------------


def test_a_postponed_evening_is_reminded_before_its_new_date(app, make):
    slug, starts = _reminder_world(make)
    with app.app_context():
        assert reminders.send_due_reminders(now=starts - timedelta(hours=20)) == 3
        event = _event(slug)
        reg_services.update_event_and_notify(
            event, starts_at=starts + timedelta(days=7), ends_at=event.ends_at + timedelta(days=7)
        )
        new_start = starts + timedelta(days=7)
        assert reminders.send_due_reminders(now=starts - timedelta(hours=19)) == 0
        assert reminders.send_due_reminders(now=new_start - timedelta(hours=20)) == 3
        assert reminders.send_due_reminders(now=new_start - timedelta(hours=19)) == 0


def test_an_evening_moved_within_its_day_is_not_reminded_twice(app, make):
    """An hour later on the same day: the change email tells the new time; no second
    reminder on top of it."""
    slug, starts = _reminder_world(make)
    with app.app_context():
        assert reminders.send_due_reminders(now=starts - timedelta(hours=20)) == 3
        event = _event(slug)
        zone_day = starts.astimezone(event.zone).date()
        later = starts + timedelta(hours=1)
        if later.astimezone(event.zone).date() != zone_day:  # near midnight: move earlier
            later = starts - timedelta(hours=1)
        reg_services.update_event_and_notify(
            event, starts_at=later, ends_at=event.ends_at + (later - starts)
        )
        assert reminders.send_due_reminders(now=later - timedelta(hours=2)) == 0


# -- 6. no announcement before the evening's signups open -----------------------------------


def test_an_evening_is_announced_once_its_signups_open(app, client, make):
    """Signups open in two days: the announce page says when it can be sent (its button
    would not work before), a forced POST sends nothing; once open, it goes."""
    from tests.helpers import csrf_from, log_in

    organiser, series = _club(make)
    opens = utcnow().replace(microsecond=0) + timedelta(days=2)
    slug = make.event(series, registration_opens_at=opens)
    log_in(client, organiser)
    page = client.get(f"/admin/events/{slug}/announce")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Signups for this evening open on" in html and "you can announce it from then" in html
    assert "Send to 2 people" not in html
    response = client.post(f"/admin/events/{slug}/announce", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 422
    assert "you can announce it from then" in response.get_data(as_text=True)
    with app.app_context():
        assert _event(slug).announced_at is None
        with pytest.raises(news.CannotAnnounce):
            news.announce(_event(slug))
        assert news.announce(_event(slug), now=opens + timedelta(minutes=1)) == 2
        db.session.remove()
    token = _path(JOIN, _ana_mail(app)).rsplit("/", 1)[1]
    with app.app_context():  # the link works as soon as it can arrive
        card = news.check_signup_link(_event(slug), token, now=opens + timedelta(minutes=2))
        assert card.email == "ana@example.org"


def test_the_announce_page_says_when_in_french(app, client, make):
    from tests.helpers import log_in

    organiser, series = _club(make)
    opens = utcnow().replace(microsecond=0) + timedelta(days=2)
    slug = make.event(series, registration_opens_at=opens)
    log_in(client, organiser)
    html = client.get(f"/admin/events/{slug}/announce", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    assert "Les inscriptions à cette soirée ouvrent le" in html, html


# -- 12. "give my seat" once the evening has begun ------------------------------------------


def test_give_seat_once_the_evening_has_begun_changes_nothing(app, client, make):
    """19:30, the evening under way: the page says plainly it is too late; the registration
    stays, nobody on the waitlist is told "a seat is yours"."""
    from meetup.mail.models import OutboxMessage
    from meetup.registrations.models import RegistrationStatus
    from tests.helpers import post_form

    slug, _starts = _reminder_world(make)
    with app.app_context():
        event = _event(slug)
        event.starts_at = utcnow() - timedelta(minutes=30)
        event.ends_at = utcnow() + timedelta(hours=2)
        db.session.commit()
        seated = db.session.scalar(
            select(Registration).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        seated_id = seated.id
        token = reg_services.new_personal_link(seated)
        db.session.commit()
    page = client.get(f"/r/{token}/give-seat").get_data(as_text=True)
    assert "The evening has already begun" in page and "Yes, give my seat" not in page
    response = post_form(client, f"/r/{token}/give-seat", {}, page=f"/r/{token}")
    assert response.status_code == 200
    assert "too late to give your seat" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Registration, seated_id).status is RegistrationStatus.CONFIRMED
        assert db.session.scalars(select(OutboxMessage.kind)).all() == []
        # Cancelled from the personal page instead: no one is promoted either.
        reg_services.cancel(db.session.get(Registration, seated_id))
        kinds = db.session.scalars(select(OutboxMessage.kind)).all()
        assert kinds == ["cancelled"], kinds


# -- 4. the news consent is the series', on every page and export ---------------------------


def test_an_earlier_evening_s_page_and_export_show_the_series_news(app, client, make):
    """Dee signs up for evening A without news, then for B with news ticked: her page for A
    shows the box ticked, and A's row in the organisers' CSV says yes."""
    import hashlib

    from meetup.registrations import spreadsheet
    from tests.helpers import sign_up

    series = make.series()
    first = make.event(series)
    second = make.event(series, starts_at=utcnow().replace(microsecond=0) + timedelta(days=40))
    sign_up(client, first, email="dee@example.org")
    sign_up(client, second, email="dee@example.org", news="y")
    token = "dee-token-0123456789abcdefghijklmnopqrstu"
    with app.app_context():
        a = _by_email("dee@example.org", first)
        assert a.news is True
        a.manage_token_hash = hashlib.sha256(token.encode()).hexdigest()
        db.session.commit()
        assert _consents(a.id)["news"] == ("yes", "changed")
    html = client.get(f"/r/{token}").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="news"[^>]*>', html).group(0)
    assert "checked" in box, box
    with app.test_request_context(headers={"Accept-Language": "en"}), app.app_context():
        a = _by_email("dee@example.org", first)
        header = spreadsheet.header()
        (row,) = spreadsheet.rows([a], a.event.zone)
        assert row[header.index("Told of the next evenings")] == "yes"
    # Unticked on A's page: off for the whole series (B too).
    with app.app_context():
        reg_services.update_profile(
            _by_email("dee@example.org", first),
            reg_services.Profile(
                **{
                    **{
                        name: getattr(_by_email("dee@example.org", first), name)
                        for name in reg_services.Profile.__dataclass_fields__
                    },
                    "news": False,
                }
            ),
        )
        assert _by_email("dee@example.org", second).news is False


def test_a_walk_in_takes_the_series_news(app, make):
    series = make.series()
    last = make.event(series, starts_at=utcnow().replace(microsecond=0) - timedelta(days=30))
    make.registration(last, first_name="Eve", email="eve@example.org", news=True)
    tonight = make.event(series)
    with app.app_context():
        reg_services.walk_in(
            _event(tonight),
            reg_services.Profile(first_name="Eve", last_name="L", email="EVE@example.org"),
        )
        assert _by_email("EVE@example.org", tonight).news is True


# -- 11. the one-tap page waits for the person's tap ----------------------------------------


def test_opening_a_signup_link_signs_nobody_up(app, client, make):
    """What a link scanner does (open the page, run its scripts): the page names the person
    by first name, the evening, one button; no script on it, nobody registered."""
    _organiser, series = _club(make)
    slug = make.event(series)
    with app.app_context():
        news.announce(_event(slug))
        db.session.remove()
    page = client.get(_path(JOIN, _ana_mail(app)), headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Hello Ana," in html and "Yes, sign me up" in html
    article = html.split("<article", 1)[1].split("</article>", 1)[0]
    assert "<script" not in article and "autosubmit" not in html
    assert re.findall(r"<script[^>]*src=\"([^\"?]+)", html) == ["/static/js/app.js"]
    with app.app_context():
        assert _by_email("ana@example.org", slug) is None


# -- 10. "send my link again": one limit per client, one per address asked ------------------


def test_link_again_has_one_budget_per_client_for_both_forms(client, make):
    from tests.helpers import csrf_from

    slug = make.event(make.series())
    csrf = csrf_from(client.get("/r/").get_data(as_text=True))
    codes = [
        client.post("/r/", data={"email": f"p{n}@example.org", "csrf_token": csrf}).status_code
        for n in range(10)
    ]
    codes += [
        client.post(
            f"/events/{slug}/link", data={"email": f"q{n}@example.org", "csrf_token": csrf}
        ).status_code
        for n in range(10)
    ]
    assert codes[:10] == [302] * 10 and codes[10:] == [429] * 10, codes


def test_link_again_is_limited_per_address_asked_whoever_asks(app, make):
    from tests.helpers import csrf_from

    slug = make.event(make.series())
    codes = []
    for n in range(5):
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        csrf = csrf_from(other.get("/r/").get_data(as_text=True))
        url = "/r/" if n % 2 else f"/events/{slug}/link"
        address = " Known@Example.org" if n % 2 else "known@example.org"
        codes.append(other.post(url, data={"email": address, "csrf_token": csrf}).status_code)
    assert codes == [302, 302, 302, 429, 429], codes
    another = app.test_client()
    another.environ_base["REMOTE_ADDR"] = "192.0.2.99"
    csrf = csrf_from(another.get("/r/").get_data(as_text=True))
    response = another.post("/r/", data={"email": "other@example.org", "csrf_token": csrf})
    assert response.status_code == 302  # another address still gets through


# -- 13. spent signup links are purged ------------------------------------------------------


def test_the_daily_purge_removes_signup_links_of_evenings_over(app, make):
    from meetup.privacy import retention
    from meetup.registrations.models import LinkPurpose, OneTapLink

    _organiser, series = _club(make, retention_nobody_days=365)  # Ben's card stays
    starts = utcnow().replace(microsecond=0) + timedelta(days=3)
    slug = make.event(series, starts_at=starts)
    with app.app_context():
        news.announce(_event(slug))

        def purposes():
            return sorted(p.value for p in db.session.scalars(select(OneTapLink.purpose)))

        assert purposes() == ["signup", "signup", "unsubscribe", "unsubscribe"]
        assert retention.purge(now=starts).signup_links == 0  # the evening is not over
        assert purposes() == ["signup", "signup", "unsubscribe", "unsubscribe"]
        after = _event(slug).ends_at + timedelta(minutes=1)
        assert retention.purge(now=after, dry_run=True).signup_links == 2
        assert retention.purge(now=after).signup_links == 2
        assert purposes() == ["unsubscribe", "unsubscribe"]  # unsubscribing keeps working
        assert retention.purge(now=after).signup_links == 0
        assert LinkPurpose.SIGNUP.value == "signup"


# -- 3. "send my link again" does the same work for anyone ----------------------------------


def test_link_again_does_the_same_work_whoever_asks(app, client, make):
    """Registered or not, the request stores one request row and queues nothing: the
    worker finds the registration and sends. Prints the response time medians (40 each);
    asserts no timing."""
    import statistics
    import time

    from meetup.extensions import limiter
    from meetup.mail.models import OutboxMessage
    from meetup.registrations.models import LinkRequest
    from tests.helpers import csrf_from

    slug = make.event(make.series())
    make.registration(slug, email="known@example.org")
    limiter.enabled = False
    try:
        csrf = csrf_from(client.get("/r/").get_data(as_text=True))
        times = {"known@example.org": [], "unknown@example.org": []}
        for n in range(40):
            for address in sorted(times, reverse=bool(n % 2)):  # each first half the time
                start = time.perf_counter()
                response = client.post("/r/", data={"email": address, "csrf_token": csrf})
                times[address].append(time.perf_counter() - start)
                assert response.status_code == 302
    finally:
        limiter.enabled = True
    print(
        "link again, median ms:",
        {a: round(statistics.median(t) * 1e3, 2) for a, t in times.items()},
    )
    with app.app_context():
        rows = db.session.scalars(select(LinkRequest.email)).all()
        assert sorted(set(rows)) == sorted(times) and len(rows) == 80
        assert db.session.scalars(select(OutboxMessage.kind)).all() == []
        assert reg_services.handle_link_requests(limit=100) == 1  # once a quarter of an hour
        assert db.session.scalars(select(LinkRequest.id)).all() == []
        (link,) = db.session.scalars(select(OutboxMessage)).all()
        assert link.kind == "link" and link.recipient == "known@example.org"


def test_a_link_request_for_an_evening_gone_is_dropped(app, client, make):
    from meetup.registrations.models import LinkRequest
    from tests.helpers import post_form

    series = make.series()
    slug = make.event(series)
    make.registration(slug, email="known@example.org")
    post_form(
        client, f"/events/{slug}/link", {"email": "known@example.org"}, page=f"/events/{slug}"
    )
    with app.app_context():
        (request_row,) = db.session.scalars(select(LinkRequest)).all()
        assert request_row.event_id == _event(slug).id
        request_row.event_id = None  # as if asked at /r/, the evening over: nothing to send
        event = _event(slug)
        event.starts_at = utcnow() - timedelta(hours=2)
        event.ends_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        assert reg_services.handle_link_requests() == 0
        assert db.session.scalars(select(LinkRequest.id)).all() == []


# -- bad input on the loop's public routes ---------------------------------------------------


@pytest.mark.parametrize(
    "address", ["a\x00b@example.org", "x@exa\x00mple.org", "é" * 300 + "@example.org"]
)
def test_link_again_refuses_bad_addresses_and_keeps_them(app, client, make, address):
    from meetup.registrations.models import LinkRequest
    from tests.helpers import post_form

    slug = make.event(make.series())
    for url, page in (("/r/", "/r/"), (f"/events/{slug}/link", f"/events/{slug}")):
        response = post_form(client, url, {"email": address}, page=page)
        if "\x00" in address:  # refused before any view, as everywhere (a plain 400 page)
            assert response.status_code == 400, (url, response.status_code)
            continue
        assert response.status_code == 422, (url, response.status_code)
        html = response.get_data(as_text=True)
        assert "At most 254 characters, please: this has 312." in html
        assert "é" * 300 in html  # what was typed is kept
    with app.app_context():
        assert db.session.scalars(select(LinkRequest.id)).all() == []


def test_mangled_tokens_open_nothing(client, make):
    slug = make.event(make.series())
    for path in (
        f"/events/{slug}/join/a%00b",
        "/news/unsubscribe/a%00b",
        "/r/a%00b/give-seat",
        f"/events/{slug}/join/" + "é" * 50,
    ):
        assert client.get(path).status_code in (400, 404), path
        response = client.post(
            path,
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code in (400, 404), (path, response.status_code)


# -- 5. the purge keeps what the news needs ---------------------------------------------------


def test_the_purge_keeps_the_news_of_someone_who_kept_their_card_private(app, client, make):
    """Flo came last month, ticked "tell me about the next evenings" and left visibility at
    "nobody". 30 days after the evening her card goes, her news stays: the next month's
    announcement reaches her ("Bonjour Flo"); unsubscribed, the next purge erases the rest."""
    from meetup.privacy import retention
    from meetup.privacy.models import ConsentRecord

    series = make.series()
    last = make.event(series, starts_at=utcnow().replace(microsecond=0) - timedelta(days=32))
    make.registration(last, first_name="Flo", last_name="Ribot", email="flo@example.org",
                      news=True, company="Ribot SARL", language="fr")  # fmt: skip
    make.registration(last, first_name="Gil", email="gil@example.org")  # no news: erased
    nxt = make.event(series, starts_at=utcnow().replace(microsecond=0) + timedelta(days=3))
    with app.app_context():
        report = retention.purge()
        assert (report.people_erased, report.kept_for_news) == (1, 1)
        assert retention.purge().kept_for_news == 0  # nothing left to take
        db.session.remove()
        (flo,) = news.audience(_event(nxt))
        assert (flo.email, flo.first_name, flo.language, flo.news) == (
            "flo@example.org", "Flo", "fr", True,
        )  # fmt: skip
        assert (flo.last_name, flo.company, flo.erased_at) == ("", "", None)
        assert (
            db.session.scalar(
                select(ConsentRecord.value).where(
                    ConsentRecord.registration_id == flo.id, ConsentRecord.consent == "news"
                )
            )
            == "yes"
        )
        assert _by_email("gil@example.org", last) is None
        news.announce(_event(nxt))
    assert "Bonjour Flo" in _text_to(app, "flo@example.org")
    unsubscribe = _path(UNSUBSCRIBE, _mail_to(app, "flo@example.org"))
    assert client.post(unsubscribe).status_code == 200
    with app.app_context():
        assert retention.purge().people_erased == 1
        assert _by_email("flo@example.org", last) is None
    page = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "what that needs stays when the rest of your card goes" in page


def _mail_to(app, address):
    return next(m for m in _outbox(app) if m["To"].addresses[0].addr_spec == address)


def _text_to(app, address):
    from tests.helpers import text_of

    return text_of(_mail_to(app, address))
