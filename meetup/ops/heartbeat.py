"""Workers say they are alive: a row per process, rewritten at every round of its loop."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select, update

from meetup.extensions import db
from meetup.models_base import column_length
from meetup.ops.models import WorkerHeartbeat
from meetup.timeutil import utcnow
from meetup.writelock import end_reads, first_write

#: Rows of workers silent for this long (stopped, or their host gone) are deleted.
FORGOTTEN_AFTER = timedelta(days=1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[: column_length(WorkerHeartbeat.worker)]


def beat(worker: str, now: datetime | None = None) -> None:
    """Record that `worker` is going round its loop now. Commits."""
    now = now or utcnow()
    end_reads()
    touched = first_write(
        update(WorkerHeartbeat).where(WorkerHeartbeat.worker == worker).values(beat_at=now)
    )
    if touched.rowcount == 0:  # its first round: the row is its own, nobody races it
        db.session.execute(
            insert(WorkerHeartbeat).values(worker=worker, started_at=now, beat_at=now)
        )
        db.session.execute(
            delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGOTTEN_AFTER)
        )
    db.session.commit()


def last_beat() -> datetime | None:
    """When any worker last began a round, or None if none ever did."""
    return db.session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
