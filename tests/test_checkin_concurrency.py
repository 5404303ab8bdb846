"""Two doors scan the same badge at the same moment: one check-in, one "ok", one "already"."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from meetup.auth.models import User
from meetup.checkin import services
from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow

PEOPLE = 20


@pytest.fixture
def evening(app, make):
    volunteer = make.user("door")
    slug = make.event(make.series(team=(volunteer,)), starts_at=utcnow() - timedelta(minutes=10))
    make.registrations(slug, PEOPLE)
    with app.app_context():
        codes = db.session.scalars(
            select(Registration.ticket_code).join(Event).where(Event.slug == slug)
        ).all()
    return {"slug": slug, "volunteer": volunteer, "codes": codes}


def _race(app, evening, scans: list[tuple[str, str, str]]) -> list[str]:
    """Each scan (code, door, request id) in its own thread and connection, all at once."""
    barrier = threading.Barrier(len(scans))

    def one(scan: tuple[str, str, str]) -> str:
        code, door, request_id = scan
        with app.app_context():
            try:
                user = db.session.scalar(select(User).where(User.email == evening["volunteer"]))
                event = db.session.scalar(select(Event).where(Event.slug == evening["slug"]))
                db.session.commit()
                barrier.wait(timeout=60)
                result = services.check_in(
                    code, user, event=event, door=door, request_id=request_id
                )
                return result.status.value
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(scans)) as pool:
        return list(pool.map(one, scans))


def _checked_in(app, evening) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(Registration.id)
                .join(Event)
                .where(Event.slug == evening["slug"], Registration.checked_in_at.is_not(None))
            ).all()
        )


def test_the_same_badge_at_two_doors_at_once_checks_in_once(app, evening):
    scans = [(code, door, f"{door}-{code}") for code in evening["codes"] for door in ("A", "B")]
    answers = _race(app, evening, scans)
    for n in range(PEOPLE):
        assert sorted(answers[2 * n : 2 * n + 2]) == ["already", "ok"]
    assert _checked_in(app, evening) == PEOPLE


def test_the_same_request_sent_twice_at_once_gets_the_same_answer(app, evening):
    scans = [(code, "A", f"retry-{code}") for code in evening["codes"] for _ in range(2)]
    assert set(_race(app, evening, scans)) == {"ok"}
    assert _checked_in(app, evening) == PEOPLE


@pytest.mark.postgres_only
def test_without_the_lock_the_race_shows(app, evening, monkeypatch):
    """The control: a claim that does not look at the row as it is when it writes (an
    unconditional UPDATE after the read) lets both doors say "ok". Proves the test above can
    fail."""

    def blind_claim(registration_id, now, door, **_):
        db.session.execute(
            text(
                "UPDATE registrations SET checked_in_at = :now, checked_in_door = :door WHERE id = :id"
            ),
            {"now": now, "door": door, "id": registration_id},
        )
        return True

    monkeypatch.setattr(services, "_claim", blind_claim)
    scans = [(code, door, f"{door}-{code}") for code in evening["codes"] for door in ("A", "B")]
    answers = _race(app, evening, scans)
    assert answers.count("ok") > PEOPLE


@pytest.mark.postgres_only
def test_a_check_in_holds_the_registrations_row_lock_until_it_commits(app, evening):
    """From the claim to the commit, no other transaction can lock the row."""
    with app.app_context():
        registration_id = db.session.scalar(
            select(Registration.id).where(Registration.ticket_code == evening["codes"][0])
        )
        db.session.commit()
        assert services._claim(registration_id, utcnow(), "A")  # check_in's write
        query = text("SELECT id FROM registrations WHERE id = :id FOR UPDATE NOWAIT")
        with db.engine.connect() as other:
            with pytest.raises(OperationalError, match="could not obtain lock"):
                other.execute(query, {"id": registration_id})
            other.rollback()
        db.session.commit()
        with db.engine.connect() as other:
            other.execute(query, {"id": registration_id})  # free again
            other.rollback()
        assert not services._claim(registration_id, utcnow(), "B")  # taken: no second claim
        db.session.rollback()
