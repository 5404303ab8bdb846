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


class JobLease(db.Model):
    """A periodic job's turn (the purge, the directories' opening): one row per job, claimed
    by one worker of any host at a time, so each runs once per period across them all."""

    __tablename__ = "job_leases"

    #: The job's name, as registered (meetup.jobs).
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    #: The job is due from this time on.
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The worker running it now ("host:pid"), and until when its claim holds: a worker that
    #: died mid-run is replaced once the claim runs out.
    held_by: Mapped[str | None] = mapped_column(String(120))
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertSent(db.Model):
    """When the admins were last emailed about a kind of trouble ("mail", "worker"): one row
    per kind, claimed by one conditional UPDATE, so that whichever process notices first
    (a worker's alerts job, a web request to the admin dashboard) sends it, at most once an
    hour across every process and host (meetup.ops.alerts)."""

    __tablename__ = "alerts_sent"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: The last email's time; None before the first.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
