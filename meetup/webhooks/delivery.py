"""Delivering webhooks: claimed by one worker as the mail is (a MATERIALIZED CTE with
FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's writer lock elsewhere), posted signed,
retried with a backoff (1, 2, 4 … minutes, at most an hour), failed after
WEBHOOK_MAX_ATTEMPTS. Deliveries with the same sequence key (one registration, one
evening) go out one after the other: one is due only when none before it is still pending
or being sent, so a receiver that was down gets them back in order.

At least once: a worker that dies after the receiver answered and before it noted the
delivery leaves it to be sent again once its claim runs out; the body's `id` (and the
Meetup-Delivery header) lets the receiver recognise the second copy."""

from __future__ import annotations

import http.client
import ipaddress
import os
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import aliased

from meetup.extensions import db
from meetup.timeutil import utcnow
from meetup.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from meetup.webhooks.signing import HEADER, signature
from meetup.writelock import end_reads, first_write

USER_AGENT = "meetup-webhooks/1"
#: How much of a receiver's refusal is kept to show in the delivery log.
MAX_ERROR = 300


def _claim_timeout() -> timedelta:
    return timedelta(seconds=current_app.config["WEBHOOK_CLAIM_TIMEOUT"])


def _is_due(now: datetime):
    d = WebhookDelivery
    return or_(
        and_(d.status == DeliveryStatus.PENDING, d.next_attempt_at <= now),
        and_(d.status == DeliveryStatus.SENDING, d.claimed_at < now - _claim_timeout()),
    )


def _first_in_line():
    """No earlier delivery with the same endpoint and key is still waiting or in hand."""
    earlier = aliased(WebhookDelivery)
    return ~exists().where(
        earlier.endpoint_id == WebhookDelivery.endpoint_id,
        earlier.sequence_key == WebhookDelivery.sequence_key,
        earlier.id < WebhookDelivery.id,
        earlier.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]),
    )


@dataclass(frozen=True)
class Claimed:
    id: int
    url: str
    secret: str
    event_type: str
    body: str
    attempts: int


def claim_batch(token: str, limit: int, now: datetime) -> list[Claimed]:
    """Mark up to `limit` due deliveries `sending` for this worker. Commits."""
    due = (
        select(WebhookDelivery.id)
        .where(_is_due(now), _first_in_line())
        .order_by(WebhookDelivery.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # As the mail's claim: rows another worker is taking are skipped, and the batch is
        # chosen once (MATERIALIZED), not again for each row the UPDATE touches.
        due = select(due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED"))
    end_reads()
    rows = first_write(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(due), _is_due(now))
        .values(status=DeliveryStatus.SENDING, claimed_at=now, claimed_by=token)
        .returning(WebhookDelivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    ids = sorted(row.id for row in rows)
    if not ids:
        return []
    found = db.session.execute(
        select(
            WebhookDelivery.id,
            WebhookEndpoint.url,
            WebhookEndpoint.secret,
            WebhookDelivery.event_type,
            WebhookDelivery.body,
            WebhookDelivery.attempts,
        )
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id.in_(ids))
        .order_by(WebhookDelivery.id)
    ).all()
    db.session.commit()
    return [Claimed(*row) for row in found]


class Refused(Exception):
    def __init__(self, message: str, status: int | None = None, final: bool = False) -> None:
        super().__init__(message)
        self.status, self.final = status, final


def _address(host: str) -> str:
    """The one address a delivery connects to: resolved once here and checked (no receiver on
    this host's network unless WEBHOOK_ALLOW_PRIVATE), so that a name answering another
    address at the second lookup (DNS rebinding) cannot turn the check around."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError as error:
        raise Refused(f"cannot resolve {host}: {error}") from None
    if not infos:
        raise Refused(f"cannot resolve {host}")
    if not current_app.config["WEBHOOK_ALLOW_PRIVATE"]:
        for info in infos:
            if not ipaddress.ip_address(info[4][0]).is_global:
                raise Refused(
                    f"{host} is a private or loopback address (WEBHOOK_ALLOW_PRIVATE is off)",
                    final=True,
                )
    return infos[0][4][0]


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to `address`, whatever the name resolves to now; the Host header keeps the name."""

    def __init__(self, host: str, port: int | None, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(_PinnedHTTP):
    """HTTPS to `address`; the certificate is checked against the name (SNI too)."""

    default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def post(delivery: Claimed, delivery_id: int) -> int:
    """POST the signed body; the receiver's status (2xx), or Refused. A redirect is the
    receiver's answer, not a new place to send personal data: it is not followed."""
    parts = urlsplit(delivery.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("only http and https addresses", final=True)
    address = _address(parts.hostname)
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Meetup-Event": delivery.event_type,
        "Meetup-Delivery": str(delivery_id),
        HEADER: signature(delivery.secret, int(time.time()), body),
    }
    connection_class = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = connection_class(
        parts.hostname, parts.port, address, current_app.config["WEBHOOK_TIMEOUT"]
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)  # the receiver's answer is not kept
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        raise Refused(f"unreachable: {error}") from None
    finally:
        connection.close()
    if status >= 300:
        raise Refused(f"HTTP {status}", status=status)
    return status


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _finish(delivery_id: int, token: str, **values) -> None:
    end_reads()
    first_write(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.claimed_by == token,
            WebhookDelivery.status == DeliveryStatus.SENDING,
        )
        .values(claimed_by=None, claimed_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


@dataclass
class Report:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def summary(self) -> str:
        return f"delivered {self.delivered}, to retry {self.retrying}, failed {self.failed}"


#: Claims one round may make: a batch holds one delivery per key (the first in line), so
#: a backlog of one registration's events drains over several claims.
MAX_CLAIMS = 20


def deliver_due(limit: int = 50, now: datetime | None = None) -> Report:
    """One round: claim what is due, send it in order, note each outcome; claim again while
    everything went well. Commits."""
    report = Report()
    for _ in range(MAX_CLAIMS):
        batch = _deliver_batch(limit, now or utcnow())
        report.claimed += batch.claimed
        report.delivered += batch.delivered
        report.retrying += batch.retrying
        report.failed += batch.failed
        if not batch.claimed or batch.delivered < batch.claimed:
            break
    return report


def _deliver_batch(limit: int, now: datetime) -> Report:
    token = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(8)}"
    claimed = claim_batch(token, limit, now)
    report = Report(claimed=len(claimed))
    max_attempts = current_app.config["WEBHOOK_MAX_ATTEMPTS"]
    for delivery in claimed:
        attempts = delivery.attempts + 1
        try:
            status = post(delivery, delivery.id)
        except Refused as refused:
            final = refused.final or attempts >= max_attempts
            _finish(
                delivery.id,
                token,
                status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING,
                attempts=attempts,
                response_status=refused.status,
                last_error=str(refused)[:MAX_ERROR],
                next_attempt_at=utcnow() + backoff(attempts),
            )
            report.failed += final
            report.retrying += not final
            continue
        _finish(
            delivery.id,
            token,
            status=DeliveryStatus.DELIVERED,
            attempts=attempts,
            response_status=status,
            last_error="",
            delivered_at=utcnow(),
        )
        report.delivered += 1
    return report


def send_again(delivery: WebhookDelivery) -> None:
    """An organiser's "send again": due now, whatever happened before. Commits."""
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = utcnow()
    delivery.claimed_at = delivery.claimed_by = None
    db.session.commit()


def purge(now: datetime | None = None) -> int:
    """Delete deliveries delivered or failed more than WEBHOOK_KEEP_DAYS ago (their bodies
    may hold personal fields); those still to send stay. Commits; how many went."""
    now = now or utcnow()
    keep = timedelta(days=current_app.config["WEBHOOK_KEEP_DAYS"])
    done = WebhookDelivery.status.in_((DeliveryStatus.DELIVERED, DeliveryStatus.FAILED))
    gone = db.session.execute(
        delete(WebhookDelivery)
        .where(done, WebhookDelivery.created_at < now - keep)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return gone


def purge_job() -> str | None:
    """For the worker, once a day across all workers (meetup.jobs)."""
    gone = purge()
    return f"{gone} old webhook deliveries deleted" if gone else None


def run_job() -> str | None:
    """The worker's round (meetup.jobs)."""
    report = deliver_due()
    return report.summary() if report.claimed else None
