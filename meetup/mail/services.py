"""The outbox: queue an email inside the caller's transaction, deliver it later, once.

How a message travels:

1. `queue_email` builds the complete message (its Message-ID included) and adds a `pending`
   row to the current session without committing: the caller's commit stores it together
   with the change that caused it (a signup and its confirmation), or a rollback drops both.
   Nothing is sent inside a request. `queue_draft` does the same with a message that is
   composed later (its templates, QR code, calendar file and MIME are most of a signup's
   work): the row holds its kind, recipient, subject, Message-ID and the few values it is
   composed from, and the worker writes it out (`compose_drafts`) before sending it, with
   the composer its kind registered (`composer`).
2. A worker (`flask mail send`, `flask mail work`) calls `deliver_due`, which first
   `claim_batch`es due messages in one short transaction: they become `sending`, stamped with
   the claim (`claimed_by`, `claimed_at`). On PostgreSQL the rows are picked with
   `FOR UPDATE SKIP LOCKED`, so concurrent workers take different messages without waiting;
   SQLite lets one writer in at a time, so the same UPDATE simply runs after the other's.
3. Each claimed message is sent, then its outcome is committed at once, and only if the claim
   is still the worker's: `sent` (with `sent_at`), or back to `pending` with a later
   `next_attempt_at` (1, 2, 4, 8 … minutes, at most an hour), or `failed` after
   MAIL_MAX_ATTEMPTS attempts or a permanent (5xx) refusal.

No message is sent twice by the outbox itself: only the worker holding the claim sends it, and
a claim is only taken over after MAIL_CLAIM_TIMEOUT seconds (a crashed worker), while a
worker stops sending from a claim well before that (see `deliver_due`).

What remains is at-least-once, not exactly-once: if a worker dies (or the database becomes
unreachable) after the SMTP server answered 250 to a message and before the `sent` commit,
the claim expires and another worker sends the same message again. That window lasts one
commit. The retry carries the same bytes and so the same Message-ID header, which is what
lets receivers recognise the duplicate (RFC 5322 §3.6.4: one Message-ID per message;
mailing list software, many mail stores and clients drop a second copy with a known
Message-ID) and lets a person searching the logs see it is one message, not two.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Executable, Select, and_, delete, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from meetup.extensions import db
from meetup.mail.compose import Attachment, InlineImage, build_message
from meetup.mail.delivery import (
    DeliveryError,
    Outgoing,
    ServerUnavailable,
    Transport,
    short_error,
)
from meetup.mail.models import OutboxMention, OutboxMessage, OutboxStatus
from meetup.models_base import column_length
from meetup.timeutil import utcnow
from meetup.writelock import first_write

logger = logging.getLogger("meetup.mail")

DEFAULT_MAX_ATTEMPTS = 8
#: Seconds a claim lasts before another worker may take the message over.
DEFAULT_CLAIM_TIMEOUT = 15 * 60
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
#: A subject is cut to what the outbox's column holds (the message keeps it whole).
_SUBJECT_LENGTH = column_length(OutboxMessage.subject)


class NotRetryable(ValueError):
    """Only a failed message can be put back in the queue."""


# -- queueing -----------------------------------------------------------------------------


def queue_email(**values) -> OutboxMessage:
    """Add a pending message to the current session; the caller's commit stores it.
    Takes the arguments of compose_email."""
    message = compose_email(**values)
    db.session.add(message)
    return message


@dataclass(frozen=True)
class Content:
    """What a composer returns: a message's words and parts."""

    recipient_name: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    inline_images: tuple[InlineImage, ...] = ()
    language: str = "fr"
    #: Where a reply goes (the club's contact address, or the other person of an
    #: introduction), or "" for none: replies then reach the sender address, read by nobody.
    reply_to: str | tuple[str, str] = ""
    #: The one-click unsubscribe address of a news email (RFC 8058), or "".
    list_unsubscribe: str = ""
    #: Writes worth keeping that composing prepared without running them (composing only
    #: reads): run with the written-out message, in its transaction. A ticket's QR matrix
    #: encoded for the email, so that badges need not encode it again.
    keep: tuple[Executable, ...] = ()


def contact_line(address: str) -> str:
    """The end of a text email that a reply reaches the organisers at `address` ("" for no
    address: nothing). Call within the recipient's locale."""
    if not address:
        return ""
    return "\n\n" + _(
        "Questions? Reply to this email: it reaches the organisers (%(address)s).",
        address=address,
    )


class Withdrawn(Exception):
    """Raised by a composer: the draft is no longer to be sent (its recipient withdrew the
    consent it relied on since it was queued). The worker deletes it; nothing goes out."""


#: A draft's composer: the message (its registration_id, recipient…) and its values in.
Composer = Callable[[OutboxMessage, dict], Content]
_composers: dict[str, Composer] = {}


def composer(*kinds: str) -> Callable[[Composer], Composer]:
    """Register the function that composes the drafts of these kinds."""

    def register(function: Composer) -> Composer:
        for kind in kinds:
            _composers[kind] = function
        return function

    return register


def queue_draft(
    *,
    recipient: str,
    subject: str,
    kind: str,
    values: dict,
    registration_id: int | None = None,
    campaign_id: int | None = None,
    due_at: datetime | None = None,
) -> OutboxMessage:
    """Add a pending message to the current session, to be composed by the worker from
    `values` (JSON) with the composer registered for `kind`; the caller's commit stores it.
    The recipient and the subject (for the outbox list) are fixed now. `due_at`: not sent
    before then (a campaign spreads its messages, see campaign_start)."""
    if kind not in _composers:
        raise ValueError(f"no composer for {kind!r}")
    now = utcnow()
    message = OutboxMessage(
        message_id=new_message_id(current_app.config["BASE_URL"]),
        recipient=recipient.strip(),
        subject=subject[:_SUBJECT_LENGTH],
        kind=kind,
        registration_id=registration_id,
        raw=b"",
        draft=json.dumps(values),
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=due_at or now,
        campaign_id=campaign_id,
        last_error="",
        created_at=now,
    )
    db.session.add(message)
    return message


#: The PostgreSQL advisory lock that queues campaigns one after another (any fixed number
#: nothing else in the database uses).
CAMPAIGN_PACE_LOCK = 0x6D656574  # "meet"


def campaign_start(now: datetime) -> datetime:
    """When a new campaign's first copy may go: after the last copy of the campaigns queued
    before it (sent or not), so that together they keep to MAIL_CAMPAIGN_PER_MINUTE. (A
    copy retried after a failure goes at its own time, outside this pace.) Holds, until the
    caller commits, a lock that makes campaigns queued at the same moment take turns (SQLite's
    writer lock does it there; PostgreSQL needs a lock of its own, or both would read the same
    last copy and go out together at twice the rate)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(CAMPAIGN_PACE_LOCK)))
    last = db.session.scalar(
        select(func.max(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.campaign_id.is_not(None)
        )
    )
    if last is None:
        return now
    return max(now, last + campaign_interval())


def campaign_interval() -> timedelta:
    """The time between two copies of the organisers' messages (MAIL_CAMPAIGN_PER_MINUTE)."""
    per_minute = max(int(current_app.config.get("MAIL_CAMPAIGN_PER_MINUTE", 60)), 1)
    return timedelta(seconds=60 / per_minute)


def message_bytes(message: OutboxMessage) -> bytes:
    """The message as it goes out: its stored bytes, or a draft composed now (not stored)."""
    if message.draft is None:
        return message.raw
    return _composed(message)[0]


def _composed(message: OutboxMessage) -> tuple[bytes, tuple[Executable, ...]]:
    """A draft composed now: its bytes, and the writes composing left to keep."""
    content = _composers[message.kind](message, json.loads(message.draft))
    raw = _build(content, message.recipient, message.message_id, message.created_at)
    return raw, content.keep


def compose_drafts(limit: int = 50) -> int:
    """Write out up to `limit` pending drafts, each committed on its own; a draft that cannot
    be composed (its registration is gone, a template fails) becomes `failed`, with the
    error's name, and is composed again if retried. A database error ends the round (logged):
    the drafts left wait for the next. Returns how many were written out."""
    written = 0
    try:
        ids = db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.draft.is_not(None), OutboxMessage.status == OutboxStatus.PENDING)
            # Those due first: a campaign's later copies do not hold up a confirmation.
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        ).all()
        db.session.commit()
        for message_id in ids:
            written += _write_out(message_id)
    except SQLAlchemyError:
        db.session.rollback()
        logger.warning("composing drafts: database error, the rest wait", exc_info=True)
    return written


def _write_out(message_id: int) -> int:
    """Compose one draft and store its bytes (or its failure); 1 if written out."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.draft is None:  # erased, or another worker was quicker
        db.session.rollback()
        return 0
    keep: tuple[Executable, ...] = ()
    try:
        raw, keep = _composed(message)
        values = {"raw": raw, "draft": None}
    except SQLAlchemyError:
        raise
    except Withdrawn as reason:
        db.session.rollback()
        logger.info("outbox message %s withdrawn before sending: %s", message_id, reason)
        first_write(
            delete(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.draft.is_not(None))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return 0
    except Exception as error:
        logger.exception("outbox message %s could not be composed", message_id)
        values = {
            "status": OutboxStatus.FAILED,
            "last_error": f"could not be composed ({type(error).__name__})",
        }
    # Composing only reads; the write opens a transaction of its own, which SQLite lets in
    # even if others wrote since the reads.
    db.session.rollback()
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.draft.is_not(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    changed = first_write(statement).rowcount
    if changed and "raw" in values:
        for write in keep:
            db.session.execute(write)
    db.session.commit()
    return changed if "raw" in values else 0


def _build(content: Content, recipient: str, message_id: str, date: datetime) -> bytes:
    return build_message(
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        recipient=(content.recipient_name, recipient),
        subject=content.subject,
        text=content.text,
        html=content.html,
        attachments=content.attachments,
        inline_images=content.inline_images,
        message_id=message_id,
        language=content.language,
        date=date,
        reply_to=content.reply_to or None,
        list_unsubscribe=content.list_unsubscribe or None,
    )


def compose_email(
    *,
    recipient: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Iterable[Attachment] = (),
    inline_images: Iterable[InlineImage] = (),
    kind: str,
    registration_id: int | None = None,
    language: str = "fr",
    recipient_name: str = "",
    mentions: Iterable[int] = (),
    reply_to: str | tuple[str, str] = "",
) -> OutboxMessage:
    """A pending message, built but not yet in the session: callers that must hold a lock
    only briefly build it first and add it inside the locked transaction. `mentions`: the
    registrations the message speaks of besides its recipient (erased with them).

    Raises ValueError for a header that would not be safe (see compose.build_message).
    """
    now = utcnow()
    recipient = recipient.strip()
    if not kind or len(kind) > column_length(OutboxMessage.kind):
        raise ValueError("kind is a short word such as 'confirmation'")
    message_id = new_message_id(current_app.config["BASE_URL"])
    content = Content(
        recipient_name=recipient_name,
        subject=subject,
        text=text,
        html=html,
        attachments=tuple(attachments),
        inline_images=tuple(inline_images),
        language=language,
        reply_to=reply_to,
    )
    raw = _build(content, recipient, message_id, now)
    message = OutboxMessage(
        message_id=message_id,
        recipient=recipient,
        subject=subject[:_SUBJECT_LENGTH],
        kind=kind,
        registration_id=registration_id,
        raw=raw,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
        mentions=[OutboxMention(registration_id=i) for i in dict.fromkeys(mentions)],
    )
    return message


def new_message_id(base_url: str) -> str:
    """<144 random bits@host of BASE_URL>.

    Shorter than email.utils.make_msgid's (time.pid.random), so that the header fits on one
    line: a folded Message-ID is legal, but some software compares it with the fold.
    """
    host = urlsplit(base_url).hostname or "localhost"
    host = host.encode("idna").decode("ascii")
    return f"<{secrets.token_urlsafe(18)}@{host}>"


def retry(message: OutboxMessage, now: datetime | None = None) -> None:
    """Put a failed message back in the queue with a fresh set of attempts. Commits."""
    if message.status is not OutboxStatus.FAILED:
        raise NotRetryable(f"message {message.id} is {message.status.value}, not failed")
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    db.session.commit()


# -- claiming -----------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 1, 2, 4, 8 … minutes, at most an hour."""
    return min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16), LONGEST_RETRY)


def _claim_timeout() -> timedelta:
    return timedelta(seconds=current_app.config.get("MAIL_CLAIM_TIMEOUT", DEFAULT_CLAIM_TIMEOUT))


def _is_due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        # A claim older than the timeout belongs to a worker that died: take it over.
        and_(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < now - _claim_timeout(),
        ),
    )


def due_messages(now: datetime | None = None) -> Select[tuple[OutboxMessage]]:
    """Messages to send now, oldest due first (a query, to count or to page through)."""
    now = now or utcnow()
    return (
        select(OutboxMessage)
        .where(_is_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    )


@dataclass(frozen=True)
class Claim:
    """Messages one worker holds, and the token proving it."""

    token: str
    claimed_at: datetime
    messages: list[Outgoing]
    #: Attempts made before this claim, by message id.
    attempts: dict[int, int]


def claim_batch(
    limit: int = 50, now: datetime | None = None, only: Collection[int] | None = None
) -> Claim:
    """Mark up to `limit` due messages `sending` for this worker, in one committed statement
    (`only`: among these ids alone)."""
    now = now or utcnow()
    token = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(8)}"
    due = (
        due_messages(now)
        .with_only_columns(OutboxMessage.id)
        .where(OutboxMessage.draft.is_(None))  # drafts are composed first (compose_drafts)
        .limit(limit)
    )
    if only is not None:
        due = due.where(OutboxMessage.id.in_(list(only)))
    if db.session.get_bind().dialect.name == "postgresql":
        # Rows another worker is claiming right now are skipped, not waited for. The batch
        # is chosen once, in a MATERIALIZED CTE: as `IN (subquery)` the planner may run the
        # locking subquery again for each row it updates, each run finding `limit` more (a
        # claim of 20 took 300).
        due = select(due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED"))
    statement = (
        update(OutboxMessage)
        # _is_due again: on PostgreSQL it is re-checked on the current row after a wait.
        .where(OutboxMessage.id.in_(due), _is_due(now))
        .values(status=OutboxStatus.SENDING, claimed_at=now, claimed_by=token)
        .returning(
            OutboxMessage.id,
            OutboxMessage.message_id,
            OutboxMessage.recipient,
            OutboxMessage.raw,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    try:
        rows = db.session.execute(statement).all()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    rows.sort(key=lambda row: row.id)
    return Claim(
        token=token,
        claimed_at=now,
        messages=[Outgoing(row.id, row.message_id, row.recipient, bytes(row.raw)) for row in rows],
        attempts={row.id: row.attempts for row in rows},
    )


# -- delivering ---------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    #: Back in the queue with a later retry time.
    retrying: int = 0
    failed: int = 0
    #: Given back untried (the claim was running out, or the worker is stopping).
    released: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"sent {self.sent}, to retry later {self.retrying}, failed {self.failed}"
            f", given back {self.released}"
        )
        return text + (f" ({self.errors[-1]})" if self.errors else "")


def deliver_due(
    transport: Transport,
    now: datetime | None = None,
    limit: int = 50,
    stop: Callable[[], bool] | None = None,
    only: Collection[int] | None = None,
) -> DeliveryReport:
    """Compose the drafts waiting, then claim due messages and send them over one connection
    of `transport`.

    `now` freezes the clock (tests); otherwise each outcome is stamped with the current time.
    A refused message is retried later or failed; when the server cannot be reached, every
    message of the batch not yet sent counts a failed attempt. A worker stops sending from its
    claim once less than two transport timeouts are left before the claim could be taken over,
    and gives the rest back: a message is never sent by two workers that both hold it.
    `stop()` returning true (a worker asked to shut down) gives the rest back as well.
    `only`: these messages alone, if due, and no draft composed (meetup.ops.alerts: the web
    process sends its own alert when no worker runs).
    """
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    if only is None:
        compose_drafts(limit)
    claim = claim_batch(limit, now=clock(), only=only)
    report = DeliveryReport(claimed=len(claim.messages))
    if not claim.messages:
        return report
    margin = 2 * float(getattr(transport, "timeout", 0) or 0)
    deadline = time.monotonic() + max(_claim_timeout().total_seconds() - margin, 0)
    unsent = list(claim.messages)
    try:
        with transport.open() as connection:
            while unsent and time.monotonic() < deadline and not (stop and stop()):
                message = unsent[0]
                if not _claim_holds(claim, message):  # erased meanwhile (privacy), say
                    unsent.pop(0)
                    continue
                try:
                    connection.send(message)
                except DeliveryError as error:
                    _record_failure(claim, message, short_error(error), error.permanent, clock)
                    _count_failure(report, claim, message, error.permanent)
                else:
                    if _record_sent(claim, message, clock()):
                        report.sent += 1
                    elif hasattr(connection, "discard"):
                        connection.discard(message)  # its row went while it was written
                unsent.pop(0)
    except ServerUnavailable as error:
        reason = short_error(error)
        logger.warning("mail server unavailable, %d messages to retry: %s", len(unsent), reason)
        report.errors.append(reason)
        for message in unsent:
            _record_failure(claim, message, reason, False, clock)
            _count_failure(report, claim, message, False)
        unsent = []
    if unsent:
        _release(claim, unsent)
        report.released = len(unsent)
    return report


def _max_attempts() -> int:
    return int(current_app.config.get("MAIL_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def _count_failure(report: DeliveryReport, claim: Claim, message: Outgoing, permanent) -> None:
    if permanent or claim.attempts[message.id] + 1 >= _max_attempts():
        report.failed += 1
    else:
        report.retrying += 1


def _still_ours(claim: Claim, message: Outgoing) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.id == message.id,
        OutboxMessage.status == OutboxStatus.SENDING,
        OutboxMessage.claimed_by == claim.token,
    )


def _claim_holds(claim: Claim, message: Outgoing) -> bool:
    held = db.session.scalar(select(OutboxMessage.id).where(_still_ours(claim, message)))
    db.session.commit()
    return held is not None


def _commit_outcome(claim: Claim, message: Outgoing, values: dict) -> bool:
    """One UPDATE, committed at once, applied only while the claim is still ours."""
    statement = (
        update(OutboxMessage)
        .where(_still_ours(claim, message))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    try:
        result = db.session.execute(statement)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if result.rowcount != 1:
        logger.error("outbox message %s: claim lost before its outcome was recorded", message.id)
        return False
    return True


def _record_sent(claim: Claim, message: Outgoing, at: datetime) -> bool:
    attempts = claim.attempts[message.id] + 1
    values = {"status": OutboxStatus.SENT, "sent_at": at, "attempts": attempts, "last_error": ""}
    return _commit_outcome(claim, message, values)


def _record_failure(
    claim: Claim,
    message: Outgoing,
    reason: str,
    permanent: bool,
    clock: Callable[[], datetime],
) -> None:
    attempts = claim.attempts[message.id] + 1
    values: dict = {"attempts": attempts, "last_error": reason}
    if permanent or attempts >= _max_attempts():
        values["status"] = OutboxStatus.FAILED
        logger.warning("outbox message %s failed after %d attempts", message.id, attempts)
    else:
        values["status"] = OutboxStatus.PENDING
        values["next_attempt_at"] = clock() + retry_delay(attempts)
    _commit_outcome(claim, message, values)


def _release(claim: Claim, messages: list[Outgoing]) -> None:
    """Give untried messages back, due at once, without counting an attempt."""
    statement = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_([message.id for message in messages]),
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_by == claim.token,
        )
        .values(status=OutboxStatus.PENDING)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(statement)
    db.session.commit()
