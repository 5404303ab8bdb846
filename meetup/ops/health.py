"""What /healthz reports: each part the service needs, and whether it can serve at all.

Only two parts stop the site (503, so a load balancer takes the host out): the database
not answering and the instance folder's disk full. The others make it "degraded" and say
why: Redis unreachable (rate limits fall back to each worker's memory), no worker seen for
a while (no email goes out, no address is geocoded), mail waiting too long or failing.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from meetup.extensions import db, limiter
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.ops import heartbeat
from meetup.timeutil import utcnow

#: A worker silent for longer is reported as down (it begins a round every few seconds).
WORKER_SILENT = timedelta(minutes=5)
#: Mail due for longer than this is a backlog.
MAIL_LATE = timedelta(minutes=15)
#: Failed deliveries this recent make the mail part not ok.
MAIL_FAILED_RECENTLY = timedelta(days=1)
#: Failed delivery attempts this recent are counted (mail_state.failing_last_hour).
FAILING_RECENTLY = timedelta(hours=1)
MIB = 1024 * 1024


def database() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"ok": False}
    return {"ok": True}


def redis() -> dict[str, Any] | None:
    """None when no Redis is configured (rate limits in each worker's memory)."""
    if not current_app.config.get("REDIS_URL"):
        return None
    return {"ok": bool(limiter.storage.check())}


def disk(folder: str, min_free_mb: int) -> dict[str, Any]:
    free_mb = shutil.disk_usage(folder).free // MIB
    return {"ok": free_mb >= min_free_mb, "free_mb": free_mb}


def last_worker_beat() -> datetime | None:
    """When any worker last began a round, or None if none ever did."""
    return heartbeat.last_beat()


def worker(now: datetime) -> dict[str, Any]:
    last = last_worker_beat()
    if last is None:
        return {"ok": False, "last_seen_seconds_ago": None}
    ago = now - last
    return {"ok": ago <= WORKER_SILENT, "last_seen_seconds_ago": max(0, int(ago.total_seconds()))}


@dataclass(frozen=True)
class MailState:
    """The outbox as /healthz, /metrics, the admin banner and the alerts see it."""

    #: Messages due now, and how long the oldest of them has been waiting.
    due: int
    oldest_due: timedelta
    #: Messages given up on (failed) among those written in the last day.
    failed_last_day: int
    #: Messages whose last delivery attempt failed within the last hour, retrying or given
    #: up: while the SMTP server refuses or cannot be reached, this grows at every round.
    failing_last_hour: int


def mail_state(now: datetime) -> MailState:
    due = (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.next_attempt_at <= now)
    queued, oldest = db.session.execute(
        select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(due)
    ).one()
    failed = db.session.scalar(
        select(func.count()).where(
            OutboxMessage.status == OutboxStatus.FAILED,
            OutboxMessage.created_at >= now - MAIL_FAILED_RECENTLY,
        )
    )
    # A failed attempt leaves its error in last_error (cleared when sent) and the claim's
    # time in claimed_at: the attempt's time.
    failing = db.session.scalar(
        select(func.count()).where(
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED]),
            OutboxMessage.last_error != "",
            OutboxMessage.claimed_at >= now - FAILING_RECENTLY,
        )
    )
    waiting = max(now - oldest, timedelta(0)) if oldest is not None else timedelta(0)
    return MailState(
        due=queued, oldest_due=waiting, failed_last_day=failed, failing_last_hour=failing
    )


def mail(now: datetime) -> dict[str, Any]:
    state = mail_state(now)
    return {
        "ok": state.oldest_due <= MAIL_LATE and not state.failed_last_day,
        "due": state.due,
        "oldest_due_minutes": int(state.oldest_due.total_seconds() // 60),
        "failed_last_day": state.failed_last_day,
    }


def report() -> tuple[dict[str, Any], int]:
    """The JSON body and the status code of /healthz."""
    now = utcnow()
    parts: dict[str, Any] = {"database": database()}
    try:
        parts["disk"] = disk(current_app.instance_path, current_app.config["HEALTH_MIN_FREE_MB"])
    except OSError:
        parts["disk"] = {"ok": False, "free_mb": None}
    if (redis_part := redis()) is not None:
        parts["redis"] = redis_part
    if parts["database"]["ok"]:
        try:
            parts["worker"] = worker(now)
            parts["mail"] = mail(now)
        except SQLAlchemyError:  # the database went away between two questions
            db.session.rollback()
            parts["database"] = {"ok": False}
    serving = parts["database"]["ok"] and parts["disk"]["ok"]
    if not serving:
        status = "unavailable"
    elif all(part["ok"] for part in parts.values()):
        status = "ok"
    else:
        status = "degraded"
    return {"status": status, **parts}, 200 if serving else 503
