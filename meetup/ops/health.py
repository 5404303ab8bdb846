"""What /healthz reports: each part the service needs, and whether it can serve at all.

Only two parts stop the site (503, so a load balancer takes the host out): the database
not answering and the instance folder's disk full. The others make it "degraded" and say
why: Redis unreachable (rate limits fall back to each worker's memory), no worker seen for
a while (no email goes out, no address is geocoded), mail waiting too long or failing.
"""

from __future__ import annotations

import shutil
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


def worker(now: datetime) -> dict[str, Any]:
    last = heartbeat.last_beat()
    if last is None:
        return {"ok": False, "last_seen_seconds_ago": None}
    ago = now - last
    return {"ok": ago <= WORKER_SILENT, "last_seen_seconds_ago": max(0, int(ago.total_seconds()))}


def mail(now: datetime) -> dict[str, Any]:
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
    waiting = now - oldest if oldest is not None else timedelta(0)
    return {
        "ok": waiting <= MAIL_LATE and not failed,
        "due": queued,
        "oldest_due_minutes": int(waiting.total_seconds() // 60),
        "failed_last_day": failed,
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
