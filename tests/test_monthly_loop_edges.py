"""The monthly loop's edges, found in review: the unsubscribe header as it goes on the wire,
the news consent a one-tap signup carries, a consent withdrawn between "send" and delivery,
evenings moved after their announcement, signups not open yet, "give my seat" once the
evening has begun, "send my link again" (one limit, no timing oracle), the retention of the
news consent, and the purge of spent links.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from meetup.extensions import db
from meetup.mail.compose import build_message
from meetup.registrations import news
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
