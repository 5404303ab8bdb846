"""What the operations side keeps in the database: the workers' heartbeats."""

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
