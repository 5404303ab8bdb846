"""Delivery through a real SMTP server (aiosmtpd on loopback): retries, failures, an outage
of the server during 50 signups, and concurrent workers that never send a message twice.

Time is frozen by passing `now`; no test sleeps through a backoff.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select, text, update

from meetup.extensions import db
from meetup.mail import services
from meetup.mail.compose import Attachment, InlineImage
from meetup.mail.delivery import Outgoing
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.timeutil import utcnow
from tests.fakes import SmtpServer
from tests.helpers import calendar_file, qr_png

#: A frozen "now", after every message a test queues (queue_email stamps the real time).
T0 = utcnow().replace(microsecond=0) + timedelta(hours=1)


def queue(n: int, **values) -> OutboxMessage:
    return services.queue_email(
        **{
            "recipient": f"attendee{n}@example.org",
            "recipient_name": f"Attendee {n}",
            "subject": f"Confirmation {n}",
            "text": f"Secret body {n}: your seat is confirmed.",
            "kind": "confirmation",
            **values,
        }
    )


def queue_many(count: int) -> list[str]:
    """`count` signups, each committing its own transaction; their Message-IDs."""
    ids = []
    for n in range(count):
        ids.append(queue(n).message_id)
        db.session.commit()
    return ids


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# -- delivery -----------------------------------------------------------------------------


def test_confirmation_reaches_the_server_with_qr_and_calendar(app_ctx, smtp):
    message = queue(
        1,
        recipient_name="Zoë O'Brien 🎉",
        html='<p>Votre billet :</p><img src="cid:ticket@meetup" alt="QR">',
        inline_images=[InlineImage("ticket@meetup", "image/png", qr_png("ticket-code"))],
        attachments=[Attachment("cafe.ics", "text/calendar; method=PUBLISH", calendar_file())],
    )
    db.session.commit()
    report = services.deliver_due(smtp.transport(), now=T0)
    assert (report.claimed, report.sent) == (1, 1)

    (envelope,) = smtp.inbox.accepted
    assert envelope.mail_from == "meetup@localhost"
    assert envelope.rcpt_tos == ["attendee1@example.org"]
    # The stored bytes went over the wire unchanged.
    assert envelope.original_content.rstrip(b"\r\n") == message.raw.rstrip(b"\r\n")
    (received,) = smtp.inbox.messages()
    assert received["To"].addresses[0].display_name == "Zoë O'Brien 🎉"
    assert received["Message-ID"] == message.message_id
    image = next(p for p in received.walk() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<ticket@meetup>"
    html = received.get_body(("html",)).get_content()
    assert 'src="cid:ticket@meetup"' in html
    ics = next(p for p in received.walk() if p.get_content_type() == "text/calendar")
    assert ics.get_param("method") == "PUBLISH"
    (vevent,) = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")
    assert str(vevent["UID"]) == "evening-42@meetup.test"
    assert str(vevent.decoded("DTSTART").tzinfo) == "Europe/Paris"

    (row,) = rows()
    assert (row.status, row.attempts, row.sent_at, row.last_error) == (
        OutboxStatus.SENT,
        1,
        T0,
        "",
    )
    # Nothing is due any more: a second run sends nothing.
    assert services.deliver_due(smtp.transport(), now=T0 + timedelta(hours=5)).claimed == 0
    assert len(smtp.inbox.accepted) == 1


def test_temporary_refusals_back_off_then_fail_after_max_attempts(app, app_ctx, smtp):
    message = queue(1)
    db.session.commit()
    smtp.inbox.refuse = "451 4.3.0 Try again later"
    now = T0
    expected_minutes = [1, 2, 4, 8, 16, 32, 60]
    for attempt, minutes in enumerate(expected_minutes, start=1):
        report = services.deliver_due(smtp.transport(), now=now)
        assert (report.claimed, report.retrying, report.sent) == (1, 1, 0)
        (row,) = rows()
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, attempt)
        assert row.next_attempt_at == now + timedelta(minutes=minutes)
        assert row.last_error.startswith("451 4.3.0 Try again later")
        assert "Secret body" not in row.last_error
        # Not yet due a second before the retry time.
        almost = row.next_attempt_at - timedelta(seconds=1)
        assert services.deliver_due(smtp.transport(), now=almost).claimed == 0
        now = row.next_attempt_at
    report = services.deliver_due(smtp.transport(), now=now)
    assert (report.failed, report.retrying) == (1, 0)
    (row,) = rows()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, app.config["MAIL_MAX_ATTEMPTS"])
    assert services.deliver_due(smtp.transport(), now=now + timedelta(days=1)).claimed == 0

    # Every attempt carried the same bytes, so the same Message-ID.
    assert len(smtp.inbox.refused) == 8
    assert len({e.original_content for e in smtp.inbox.refused}) == 1
    assert smtp.inbox.refused[0].original_content.rstrip(b"\r\n") == message.raw.rstrip(b"\r\n")

    # Put back by hand once the server is fixed: sent, once.
    smtp.inbox.refuse = None
    services.retry(row, now=now)
    assert services.deliver_due(smtp.transport(), now=now).sent == 1
    assert smtp.inbox.message_ids() == Counter({message.message_id: 1})


def test_max_attempts_is_a_setting(app, app_ctx, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    queue(1)
    db.session.commit()
    smtp.inbox.refuse = "421 4.7.0 Too busy"
    assert services.deliver_due(smtp.transport(), now=T0).retrying == 1
    assert services.deliver_due(smtp.transport(), now=T0 + timedelta(minutes=1)).failed == 1
    assert rows()[0].status is OutboxStatus.FAILED


def test_permanent_refusal_fails_at_once_and_the_batch_goes_on(app_ctx, smtp):
    queue(1, recipient="nobody@example.org")
    queue(2)
    db.session.commit()
    smtp.inbox.refuse_rcpt["nobody@example.org"] = "550 5.1.1 No such user"
    report = services.deliver_due(smtp.transport(), now=T0)
    assert (report.failed, report.sent) == (1, 1)
    bad, good = rows()
    assert (bad.status, bad.attempts) == (OutboxStatus.FAILED, 1)
    assert bad.last_error == "550 5.1.1 No such user"
    assert good.status is OutboxStatus.SENT


def test_fifty_signups_while_the_server_is_down_arrive_once_each_when_it_is_back(
    app, app_ctx, smtp
):
    """The issue's scenario: nothing is lost, nothing is doubled."""
    smtp.stop()
    queued = queue_many(50)

    report = services.deliver_due(smtp.transport(), now=T0)
    assert (report.claimed, report.sent, report.retrying) == (50, 0, 50)
    for row in rows():
        assert row.status is OutboxStatus.PENDING
        assert row.attempts == 1
        assert row.next_attempt_at == T0 + timedelta(minutes=1)
        assert "cannot connect" in row.last_error
    assert services.deliver_due(smtp.transport(), now=T0 + timedelta(seconds=59)).claimed == 0

    smtp.start()
    later = T0 + timedelta(minutes=1)
    reports = _run_workers(app, smtp, workers=2, now=later, limit=7)

    assert sum(r.sent for r in reports) == 50
    assert len(smtp.inbox.accepted) == 50  # total received
    received = smtp.inbox.message_ids()
    assert len(received) == 50  # distinct Message-IDs
    assert set(received) == set(queued)
    assert {row.status for row in rows()} == {OutboxStatus.SENT}


def _run_workers(app, smtp, *, workers: int, now: datetime, limit: int, in_step: bool = False):
    """Workers in threads, each with its own app context (so its own session and connection),
    delivering until nothing is due. `in_step`: in rounds, every worker claiming one batch
    at the same moment, until a round where nobody claims anything."""
    barrier = threading.Barrier(workers)
    reports: list[services.DeliveryReport] = [services.DeliveryReport() for _ in range(workers)]
    this_round = [0] * workers
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            with app.app_context():
                transport = smtp.transport()
                barrier.wait()
                while True:
                    report = services.deliver_due(transport, now=now, limit=limit)
                    reports[index].claimed += report.claimed
                    reports[index].sent += report.sent
                    if not in_step:
                        if report.claimed == 0:
                            break
                        continue
                    this_round[index] = report.claimed
                    barrier.wait()  # everyone has claimed and sent
                    finished = sum(this_round) == 0
                    barrier.wait()  # everyone has read the round's claims
                    if finished:
                        break
                db.session.remove()
        except BaseException as error:  # reported to the test below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return reports


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_workers_never_send_a_message_twice(app, app_ctx, smtp, workers):
    queued = queue_many(120)
    reports = _run_workers(app, smtp, workers=workers, now=T0, limit=5)
    received = smtp.inbox.message_ids()
    assert sum(received.values()) == 120
    assert set(received) == set(queued)
    assert max(received.values()) == 1
    assert sum(r.sent for r in reports) == 120


def test_a_claim_takes_a_batch_not_the_queue(app, app_ctx):
    """PostgreSQL ran `IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)` once per row: a claim
    of 20 took all 300."""
    queue_many(300)
    assert len(services.claim_batch(20, now=T0).messages) == 20
    assert len(services.claim_batch(20, now=T0).messages) == 20


def test_three_workers_share_three_hundred_messages_in_batches(app, app_ctx, smtp):
    """Claiming in step (each round, every worker claims one batch at the same moment), each
    gets its share: 100 each, none sent twice, whatever the machine's load."""
    queued = queue_many(300)
    reports = _run_workers(app, smtp, workers=3, now=T0, limit=20, in_step=True)
    assert [r.sent for r in reports] == [100, 100, 100]
    received = smtp.inbox.message_ids()
    assert set(received) == set(queued) and max(received.values()) == 1


def test_a_crashed_workers_claim_is_taken_over_after_the_timeout(app, app_ctx, smtp):
    queue(1)
    db.session.commit()
    crashed = services.claim_batch(10, now=T0)  # ... and the worker dies before sending
    assert len(crashed.messages) == 1
    assert rows()[0].status is OutboxStatus.SENDING

    timeout = timedelta(seconds=app.config["MAIL_CLAIM_TIMEOUT"])
    assert services.deliver_due(smtp.transport(), now=T0 + timeout).claimed == 0
    report = services.deliver_due(smtp.transport(), now=T0 + timeout + timedelta(seconds=1))
    assert report.sent == 1
    assert len(smtp.inbox.accepted) == 1


def test_a_worker_only_records_the_outcome_of_its_own_claim(app, app_ctx, smtp):
    """If a slow worker's claim was taken over, its late outcome changes nothing."""
    queue(1)
    db.session.commit()
    slow = services.claim_batch(10, now=T0)
    later = T0 + timedelta(seconds=app.config["MAIL_CLAIM_TIMEOUT"] + 1)
    assert services.deliver_due(smtp.transport(), now=later).sent == 1
    services._record_failure(slow, slow.messages[0], "too late", False, lambda: later)
    (row,) = rows()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 1, "")


def test_a_claim_about_to_expire_is_given_back_untried(app, app_ctx, smtp, monkeypatch):
    """A worker never sends from a claim that another worker could take over meanwhile."""
    monkeypatch.setitem(app.config, "MAIL_CLAIM_TIMEOUT", 10)  # less than 2 SMTP timeouts
    queue(1)
    queue(2)
    db.session.commit()
    report = services.deliver_due(smtp.transport(), now=T0)
    assert (report.claimed, report.sent, report.released) == (2, 0, 2)
    assert smtp.inbox.accepted == []
    assert {(r.status, r.attempts) for r in rows()} == {(OutboxStatus.PENDING, 0)}


@pytest.mark.postgres_only
def test_postgresql_workers_skip_rows_another_worker_has_locked(app, app_ctx):
    """FOR UPDATE SKIP LOCKED: a claim neither waits for nor takes rows being claimed."""
    queue_many(10)
    with db.engine.connect() as other_worker:
        locked = other_worker.scalars(
            text("SELECT id FROM outbox_messages ORDER BY next_attempt_at, id LIMIT 4 FOR UPDATE")
        ).all()
        result: dict = {}

        def claim() -> None:
            with app.app_context():
                result["claim"] = services.claim_batch(50)
                db.session.remove()

        thread = threading.Thread(target=claim)
        started = time.monotonic()
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the claim waited for the other worker's locks"
        assert time.monotonic() - started < 5
        other_worker.rollback()
    claimed = {message.id for message in result["claim"].messages}
    assert len(claimed) == 6
    assert not claimed & set(locked)


# -- the worker command ---------------------------------------------------------------------


def test_mail_send_command_over_smtp(app, app_ctx, runner, smtp, monkeypatch):
    _use_smtp(app, smtp, monkeypatch)
    queue_many(3)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 3, to retry later 0, failed 0" in result.output
    assert len(smtp.inbox.accepted) == 3


def test_mail_send_command_reports_an_unreachable_server(app, app_ctx, runner, smtp, monkeypatch):
    _use_smtp(app, smtp, monkeypatch)
    smtp.stop()
    queue_many(2)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 0, to retry later 2" in result.output
    assert "cannot connect" in result.output


def test_mail_work_delivers_until_sigterm(app, app_ctx, runner, smtp, monkeypatch):
    _use_smtp(app, smtp, monkeypatch)
    queue_many(3)

    def stop_when_delivered() -> None:
        deadline = time.monotonic() + 10
        while len(smtp.inbox.accepted) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    stopper = threading.Thread(target=stop_when_delivered)
    stopper.start()
    result = runner.invoke(args=["mail", "work", "--interval", "0.05"])
    stopper.join()
    assert result.exit_code == 0, result.output
    assert "sent 3" in result.output
    assert result.output.rstrip().endswith("stopped")
    assert signal.getsignal(signal.SIGTERM) is before  # handlers restored
    assert len(smtp.inbox.accepted) == 3


def _use_smtp(app, smtp: SmtpServer, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp.port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)


def test_control_a_claim_without_locking_does_send_twice(app, app_ctx, smtp, monkeypatch):
    """The concurrency test above is known to bite: with a claim that reads the due messages
    and marks them in a second transaction, the same workers send duplicates."""

    def racy_claim(limit: int = 50, now: datetime | None = None, only=None) -> services.Claim:
        due = services.due_messages(now).limit(limit)
        found = [
            (m.id, Outgoing(m.id, m.message_id, m.recipient, m.raw), m.attempts)
            for m in db.session.scalars(due)
        ]
        db.session.commit()
        time.sleep(0.02)  # the window between reading and marking
        ids = [message_id for message_id, _outgoing, _attempts in found]
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(status=OutboxStatus.SENDING, claimed_by="racy", claimed_at=now)
        )
        db.session.commit()
        return services.Claim(
            "racy", now, [outgoing for _id, outgoing, _a in found], {i: a for i, _o, a in found}
        )

    monkeypatch.setattr(services, "claim_batch", racy_claim)
    queue_many(40)
    _run_workers(app, smtp, workers=4, now=T0, limit=5)
    received = smtp.inbox.message_ids()
    assert len(received) == 40
    assert sum(received.values()) > 40  # duplicates


def test_a_stopping_worker_gives_back_what_it_has_not_sent(app_ctx, smtp):
    queue_many(3)
    report = services.deliver_due(smtp.transport(), now=T0, stop=lambda: bool(smtp.inbox.accepted))
    assert (report.claimed, report.sent, report.released) == (3, 1, 2)
    assert [(r.status, r.attempts) for r in rows()] == [
        (OutboxStatus.SENT, 1),
        (OutboxStatus.PENDING, 0),
        (OutboxStatus.PENDING, 0),
    ]
    assert services.deliver_due(smtp.transport(), now=T0).sent == 2
    assert len(smtp.inbox.accepted) == 3


def test_bounces_go_to_the_bounce_address_replies_elsewhere(
    app, app_ctx, runner, smtp, monkeypatch
):
    """The envelope sender (where bounces go) is MAIL_BOUNCE_ADDRESS when set; the From the
    reader sees stays the sender's."""
    _use_smtp(app, smtp, monkeypatch)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "Café <club@example.org>")
    monkeypatch.setitem(app.config, "MAIL_BOUNCE_ADDRESS", "bounces@example.org")
    queue(1)
    db.session.commit()
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    (envelope,) = smtp.inbox.accepted
    assert envelope.mail_from == "bounces@example.org"
    monkeypatch.setitem(app.config, "MAIL_BOUNCE_ADDRESS", "")
    queue(2)
    db.session.commit()
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    assert smtp.inbox.accepted[1].mail_from == "club@example.org"
