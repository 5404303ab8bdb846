"""The monthly neighbourhood digest (issue 19, point 7): community members who asked for the
series' news get the people new to the club near them and the next evening with its one-tap
signup. Through the worker's round (meetup.jobs, a clock the test moves), the outbox and a
real SMTP server (aiosmtpd)."""

from __future__ import annotations

import hashlib
import math
import os
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetup import jobs
from meetup.directory import digest, digest_mail
from meetup.directory.models import Digest, DigestStatus
from meetup.events.models import Event, Series
from meetup.extensions import db
from meetup.mail import services as mail
from meetup.mail.models import OutboxMessage
from meetup.privacy import erasure
from meetup.registrations.models import Registration, RegistrationStatus, Visibility
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, log_in, post_form, text_of

JOIN = re.compile(r"http://localhost(/events/[^/\s]+/join/[A-Za-z0-9_-]{40,})")
UNSUBSCRIBE = re.compile(r"http://localhost(/news/unsubscribe/[A-Za-z0-9_-]{40,})")
#: Vienne, place de l'Hôtel de Ville: the offices are placed east of it.
BASE = (45.5255, 4.8745)
#: Where the emails received are saved to be looked at (DIGEST_SHOTS=folder), if set.
SHOTS = os.environ.get("DIGEST_SHOTS", "")


def _east(metres: float) -> tuple[float, float]:
    lat, lon = BASE
    return lat, lon + metres / (111_320.0 * math.cos(math.radians(lat)))


def _series(app, slug: str) -> Series:
    return db.session.scalar(select(Series).where(Series.slug == slug))


def _moment(app, slug: str, months: int = 0):
    """When the series' digest of this month (or `months` later) goes."""
    with app.app_context():
        series = _series(app, slug)
        period = digest._shift(digest.period_of(series, utcnow()), months)
        return digest.moment(series, period)


def _person(make, event: str, first_name: str, metres: float | None, *, came_at=None, **card):
    values = {
        "first_name": first_name,
        "last_name": "Test",
        "email": f"{first_name.lower()}@example.org",
        "visibility": "community",
        "checked_in_at": came_at,
    }
    if metres is not None:
        values["latitude"], values["longitude"] = _east(metres)
    return make.registration(event, **(values | card))


def _club(app, make, *, evening_ahead: bool = True):
    """Ana and Ben came two months ago and ask for news (Ben's office is 2 km away); last
    month Cléo (100 m from Ana), Eve (180 m, shares her address) and Dan (50 m, "nobody")
    came for the first time. The next evening is published, signups open."""
    organiser = make.user("organiser")
    slug = make.series(
        team=(organiser,), contact_email="club@example.org", directory_delay_hours=None
    )
    with app.app_context():
        series = _series(app, slug)
        series.digest_enabled = True
        db.session.commit()
    at = _moment(app, slug)
    old = make.event(slug, starts_at=at - timedelta(days=60))
    recent = make.event(slug, starts_at=at - timedelta(days=10))
    came_old, came_recent = at - timedelta(days=60), at - timedelta(days=10)
    _person(make, old, "Ana", 0, came_at=came_old, news=True, language="fr")
    _person(make, old, "Ben", 2000, came_at=came_old, news=True, language="en")
    _person(make, recent, "Cleo", 100, came_at=came_recent, company="Atelier Cléo",
            job_title="Graphiste", help_with="logos, affiches", share_email=False)  # fmt: skip
    _person(make, recent, "Eve", 180, came_at=came_recent, share_address=True)
    _person(make, recent, "Dan", 50, came_at=came_recent, visibility="nobody")
    _person(make, recent, "Hal", 60, came_at=None)  # registered, never came
    upcoming = None
    if evening_ahead:
        # Far enough ahead that the real clock (composing, tapping) finds it still to come.
        upcoming = make.event(slug, starts_at=at + timedelta(days=45))
    return organiser, slug, upcoming, at


def _round(app, monkeypatch, now) -> list[str]:
    """One round of the worker's jobs at `now` (the digest's clock is moved)."""
    monkeypatch.setattr(digest, "utcnow", lambda: now)
    with app.app_context():
        said = jobs.run_all("worker-1", now=now)
        db.session.remove()
    return said


def _deliver(app, smtp) -> dict:
    """What the outbox sends now, as the SMTP server received it, by recipient."""
    before = len(smtp.inbox.accepted)
    with app.app_context():
        report = mail.deliver_due(smtp.transport())
        assert report.failed == 0 and report.retrying == 0, report.summary()
        db.session.remove()
    return {m["To"].addresses[0].addr_spec: m for m in smtp.inbox.messages()[before:]}


def _html_of(message) -> str:
    part = message.get_body(("html",))
    return part.get_content()


def _path(pattern: re.Pattern, message) -> str:
    match = pattern.search(text_of(message))
    assert match, text_of(message)
    return match.group(1)


def _save(name: str, message) -> None:
    """The HTML and text as received, for a person to look at."""
    if SHOTS:
        folder = Path(SHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.html").write_text(_html_of(message))
        (folder / f"{name}.txt").write_text(text_of(message))


# -- the month, end to end ------------------------------------------------------------------


def test_a_month_of_digests_end_to_end(app, client, make, smtp, monkeypatch):
    organiser, slug, upcoming, at = _club(app, make)

    # Before its moment, nothing; an hour after, Ana and Ben get theirs (nobody else: the
    # others did not ask for news), once, whatever the rounds.
    _round(app, monkeypatch, at - timedelta(hours=1))
    assert _deliver(app, smtp) == {}
    said = _round(app, monkeypatch, at + timedelta(hours=1))
    assert "digests: 2 neighbourhood digests queued, 0 with nothing to tell" in said
    received = _deliver(app, smtp)
    assert set(received) == {"ana@example.org", "ben@example.org"}
    _round(app, monkeypatch, at + timedelta(hours=2))
    assert _deliver(app, smtp) == {}

    ana, ben = received["ana@example.org"], received["ben@example.org"]
    _save("digest-fr", ana)
    _save("digest-en", ben)
    text = text_of(ana)
    assert ana["Content-Language"] == "fr" and "Bonjour Ana" in text
    assert "2 nouvelles personnes" in ana["Subject"]
    # Nearest first, as the community directory words the distance (coarse, finer only
    # for Eve who shares her address); Cléo's card as she agreed to show it.
    assert text.index("Cleo Test") < text.index("Eve Test")
    assert "Cleo Test, Atelier Cléo (Graphiste) — à ≈ 100 m" in text
    assert "logos, affiches" in text
    assert "Dan" not in text and "Hal" not in text and "Ben" not in text
    assert "cleo@example.org" not in text  # not shared
    assert _path(JOIN, ana)
    assert ana["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ana["List-Unsubscribe"] == f"<http://localhost{_path(UNSUBSCRIBE, ana)}>"
    assert ana["Reply-To"].addresses[0].addr_spec == "club@example.org"
    assert "Atelier Cléo" in _html_of(ana) and "Dan Test" not in _html_of(ana)
    # Ben: nobody new near him, but the next evening, in English.
    assert "Hello Ben" in text_of(ben) and "Nobody new works near you" in text_of(ben)
    assert ben["Subject"].startswith("Next evening:")
    assert "Cleo" not in text_of(ben)

    # The organiser sees when it went and to how many.
    log_in(client, organiser)
    page = client.get(f"/admin/series/{slug}/digest").get_data(as_text=True)
    assert "Last digest:" in page and "to 2 people" in page
    assert "Bonjour Camille" in page and "Hello Camille" in page

    # Ana signs up in one tap from her digest; Ben unsubscribes as his mail client would.
    phone = app.test_client()
    page = phone.get(_path(JOIN, ana))
    tapped = phone.post(
        _path(JOIN, ana), data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert tapped.status_code == 200
    response = app.test_client().post(
        _path(UNSUBSCRIBE, ben),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    with app.app_context():
        joined = db.session.scalar(
            select(Registration)
            .join(Event)
            .where(Event.slug == upcoming, Registration.email == "ana@example.org")
        )
        assert joined.status is RegistrationStatus.CONFIRMED
        # Her new registration is her card now: the geocoder places its office (the same).
        joined.latitude, joined.longitude = _east(0)
        db.session.commit()
        assert joined.is_near_located
        assert not db.session.scalars(
            select(Registration.news).where(Registration.email == "ben@example.org")
        ).all()[0]

    # Next month: Fay came for the first time; Gus too but is erased before the digest.
    later = _moment(app, slug, months=1)
    between = make.event(slug, starts_at=later - timedelta(days=5))
    _person(make, between, "Fay", 120, came_at=later - timedelta(days=5), job_title="Avocate")
    gus = _person(make, between, "Gus", 90, came_at=later - timedelta(days=5))
    with app.app_context():
        erasure.erase([db.session.get(Registration, gus)])
    _round(app, monkeypatch, later + timedelta(hours=1))
    received = _deliver(app, smtp)
    assert set(received) == {"ana@example.org"}  # not Ben: he unsubscribed
    text = text_of(received["ana@example.org"])
    assert "Fay Test" in text and "Gus" not in text
    assert "Cleo" not in text and "Eve" not in text  # told last month
    assert "Vous êtes inscrit·e" in text and not JOIN.search(text)  # she tapped

    # Ana erases her data: her digests' records go, and she hears nothing more.
    with app.app_context():
        card = db.session.scalar(
            select(Registration)
            .where(Registration.email == "ana@example.org")
            .order_by(Registration.id.desc())
        )
        erasure.erase(erasure.the_person(card))
        assert db.session.scalar(select(func.count()).select_from(Digest)) == 1  # Ben's
        assert db.session.scalar(
            select(func.count()).select_from(Digest).where(Digest.person == digest.person_key(
                "ana@example.org"))
        ) == 0  # fmt: skip


def test_an_erased_newcomer_takes_the_digests_that_named_them_away(app, make, monkeypatch):
    _organiser, _slug, _upcoming, at = _club(app, make)
    _round(app, monkeypatch, at + timedelta(hours=1))  # queued, not yet written out
    with app.app_context():
        cleo = db.session.scalar(select(Registration).where(Registration.first_name == "Cleo"))
        erasure.erase([cleo])
        recipients = db.session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == "digest")
        ).all()
        assert recipients == ["ben@example.org"]  # Ana's named Cléo: gone with her


# -- claimed once ---------------------------------------------------------------------------


def test_two_workers_at_once_send_each_person_one_digest(app, make):
    _organiser, _slug, _upcoming, at = _club(app, make)
    totals, errors = [], []
    start = threading.Barrier(2)

    def worker() -> None:
        with app.app_context():
            try:
                start.wait()
                totals.append(digest.send_due(now=at + timedelta(hours=1)).sent)
            except Exception as error:  # pragma: no cover - shown in the assertion
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sum(totals) == 2
    with app.app_context():
        recipients = db.session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == "digest")
        ).all()
        assert sorted(recipients) == ["ana@example.org", "ben@example.org"]
        assert digest.send_due(now=at + timedelta(days=2)).sent == 0  # later that month


# -- nothing to tell ------------------------------------------------------------------------


def test_nothing_new_and_no_evening_ahead_sends_nothing(app, make):
    _organiser, slug, _upcoming, at = _club(app, make, evening_ahead=False)
    with app.app_context():
        report = digest.send_due(now=at + timedelta(hours=1))
        assert (report.sent, report.nothing) == (1, 1)  # Ana: her new neighbours; Ben: none
        # Next month: nobody new, no evening: nothing for anyone, and said so.
        later = _moment(app, slug, months=1)
        report = digest.send_due(now=later + timedelta(hours=1))
        assert (report.sent, report.nothing) == (0, 2)
        statuses = db.session.scalars(
            select(Digest.status).where(Digest.period == digest.period_of(
                _series(app, slug), later))
        ).all()  # fmt: skip
        assert statuses == [DigestStatus.NOTHING, DigestStatus.NOTHING]
        sent = db.session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == "digest")
        ).all()
        assert sent == ["ana@example.org"]


def test_a_series_that_has_not_turned_it_on_sends_none(app, make, smtp):
    _organiser, slug, _upcoming, at = _club(app, make)
    with app.app_context():
        _series(app, slug).digest_enabled = False
        db.session.commit()
        assert digest.send_due(now=at + timedelta(hours=1)).sent == 0
        # Turned off after the digests were queued, before the worker wrote them out.
        _series(app, slug).digest_enabled = True
        db.session.commit()
        assert digest.send_due(now=at + timedelta(hours=1)).sent == 2
        _series(app, slug).digest_enabled = False
        db.session.commit()
    assert _deliver(app, smtp) == {}


def test_who_chose_not_to_be_seen_never_appears(app, make, smtp):
    """Dan ("nobody") is never listed; Cléo turns her card to "nobody" after the digest was
    queued: the email written out leaves her out."""
    _organiser, _slug, _upcoming, at = _club(app, make)
    with app.app_context():
        digest.send_due(now=at + timedelta(hours=1))
        cleo = db.session.scalar(select(Registration).where(Registration.first_name == "Cleo"))
        cleo.visibility = Visibility.NOBODY
        db.session.commit()
    text = text_of(_deliver(app, smtp)["ana@example.org"])
    assert "Eve Test" in text and "Cleo" not in text and "Dan" not in text
    assert "Depuis vos dernières nouvelles, 1 nouvelle personne" in text


# -- the organisers' page -------------------------------------------------------------------


def test_the_settings_page_turns_it_on_and_refuses_bad_input(app, client, make):
    organiser = make.user("organiser")
    slug = make.series(team=(organiser,))
    log_in(client, organiser)
    page = client.get(f"/admin/series/{slug}/digest").get_data(as_text=True)
    assert "Off" in page and "No digest has gone yet." in page
    for typed in ("0", "29", "abc", ""):
        response = post_form(client, f"/admin/series/{slug}/digest", {"enabled": "y", "day": typed})
        assert response.status_code == 422, typed
        html = response.get_data(as_text=True)
        assert "A day between 1 and 28." in html
        assert f'value="{typed}"' in html or typed == ""  # what was typed stays
    with app.app_context():
        assert not _series(app, slug).digest_enabled
    response = post_form(client, f"/admin/series/{slug}/digest", {"enabled": "y", "day": "5"})
    assert response.status_code == 302
    page = client.get(f"/admin/series/{slug}/digest").get_data(as_text=True)
    assert "The neighbourhood digest is on." in page and "Next digest: from" in page
    with app.app_context():
        series = _series(app, slug)
        assert series.digest_enabled and series.digest_day == 5


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_preview_reads_in_each_language(app, make, language):
    slug = make.series()
    make.event(slug)
    with app.app_context(), app.test_request_context():
        text, html = digest_mail.preview(_series(app, slug), language)
    assert ("Bonjour Camille" if language == "fr" else "Hello Camille") in text
    assert "Julien Mercier" in html


# -- when -----------------------------------------------------------------------------------


def test_it_goes_from_its_day_for_a_week_then_waits_for_next_month(app, make):
    _organiser, slug, _upcoming, at = _club(app, make)
    with app.app_context():
        series = _series(app, slug)
        assert digest.next_moment(series, at - timedelta(hours=1)) == at
        assert digest.due_moment(series, at - timedelta(minutes=1)) is None
        assert digest.due_moment(series, at + timedelta(days=6)) == at
        # Turned on too late in the month: next month's, nothing now.
        late = at + timedelta(days=8)
        assert digest.due_moment(series, late) is None
        assert digest.send_due(now=late).sent == 0
        following = digest.moment(series, digest._shift(digest.period_of(series, at), 1))
        assert digest.next_moment(series, late) == following
        # Sent this month: the next is next month's.
        assert digest.send_due(now=at + timedelta(days=1)).sent == 2
        assert digest.next_moment(series, at + timedelta(days=2)) == following
        # 09:00 in the series' time zone.
        assert at.astimezone(series.zone).hour == digest.HOUR


def test_the_person_finds_their_digests_in_their_data(app, client, make):
    _organiser, slug, _upcoming, at = _club(app, make)
    with app.app_context():
        ana = db.session.scalar(select(Registration).where(Registration.first_name == "Ana"))
        token = "ana-token-0123456789abcdefghijklmnopqrstuv"
        ana.manage_token_hash = hashlib.sha256(token.encode()).hexdigest()
        db.session.commit()
        digest.send_due(now=at + timedelta(hours=1))
        month = digest.period_of(_series(app, slug), at)
    data = client.get(f"/r/{token}/my-data.json").get_json()
    [row] = data["neighbourhood_digests"]
    assert row["status"] == "sent" and row["new_neighbours"] == 2
    assert row["month"] == month
    page = client.get(f"/r/{token}/my-data").get_data(as_text=True)
    assert "Neighbourhood digests" in page or "Nouvelles du quartier" in page


def test_only_community_members_who_asked_for_news_get_one(app, make):
    """Ivy asked for news but shows her card to her evening only; Jo asked but never came;
    Cléo is in the community but did not ask: none of them gets a digest."""
    _organiser, _slug, upcoming, at = _club(app, make)
    with app.app_context():
        old = db.session.scalar(
            select(Event.slug).where(Event.starts_at == at - timedelta(days=60))
        )
    _person(make, old, "Ivy", 30, came_at=at - timedelta(days=60), news=True,
            visibility="attendees")  # fmt: skip
    _person(make, upcoming, "Jo", 40, came_at=None, news=True)
    with app.app_context():
        digest.send_due(now=at + timedelta(hours=1))
        recipients = db.session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == "digest")
        ).all()
        assert sorted(recipients) == ["ana@example.org", "ben@example.org"]


def test_a_newcomer_who_signs_up_again_is_shown_by_their_new_card(app, make, smtp):
    """Between the queueing and the writing out, Cléo signs up for the next evening with a
    new job: her new registration is her card, and the digest shows it."""
    _organiser, _slug, upcoming, at = _club(app, make)
    with app.app_context():
        digest.send_due(now=at + timedelta(hours=1))
    _person(make, upcoming, "Cleo", 100, job_title="Directrice artistique", help_with="")
    text = text_of(_deliver(app, smtp)["ana@example.org"])
    assert "Cleo Test (Directrice artistique)" in text and "Eve Test" in text


def test_the_evening_part_follows_what_the_person_did(app, make, smtp):
    """Waitlisted for the next evening: said so, no button. Cancelled: the evening, no
    button (a choice, as for the announcement), and nothing that says they are coming."""
    _organiser, _slug, upcoming, at = _club(app, make)
    make.registration(upcoming, email="ana@example.org", status="waitlisted", news=True,
                      visibility="community")  # fmt: skip
    make.registration(upcoming, email="ben@example.org", status="cancelled")
    with app.app_context():
        assert digest.send_due(now=at + timedelta(hours=1)).sent == 2
    received = _deliver(app, smtp)
    ana, ben = text_of(received["ana@example.org"]), text_of(received["ben@example.org"])
    assert "Vous êtes sur sa liste d’attente." in ana and not JOIN.search(ana)
    assert "The next evening:" in ben and not JOIN.search(ben)
    assert "registered for it" not in ben and "waitlist" not in ben


def test_a_recipient_who_leaves_the_community_before_it_is_written_gets_no_cards(app, make, smtp):
    """Ana's digest is queued; before the worker writes it out she keeps her card to her
    evenings only ("attendees"): the community's cards are shown to those who share theirs,
    so her email keeps the next evening and names nobody."""
    _organiser, _slug, _upcoming, at = _club(app, make)
    with app.app_context():
        digest.send_due(now=at + timedelta(hours=1))
        ana = db.session.scalar(select(Registration).where(Registration.first_name == "Ana"))
        ana.visibility = Visibility.ATTENDEES
        db.session.commit()
    text = text_of(_deliver(app, smtp)["ana@example.org"])
    assert "Cleo" not in text and "Eve" not in text and "Atelier" not in text
    assert "Prochaine soirée" in text or "prochaine soirée" in text.lower()
