"""What the operations side keeps in the database: the workers' heartbeats, the periodic
jobs' leases and when the admins were last alerted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from meetup.extensions import db
from meetup.timeutil import UTCDateTime, utcnow


class WorkerHeartbeat(db.Model):
    """One row per background worker process, on any host, rewritten at every round."""

    __tablename__ = "worker_heartbeats"

    #: "host:pid", unique while the process lives.
    worker: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The last round the worker began.
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class AlertSent(db.Model):
    """When the admins were last emailed about a kind of trouble ("mail", "worker"): one row
    per kind, claimed by one conditional UPDATE, so that whichever process notices first
    (a worker's alerts job, a web request to the admin dashboard) sends it, at most once an
    hour across every process and host (meetup.ops.alerts)."""

    __tablename__ = "alerts_sent"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: The last email's time; None before the first.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
