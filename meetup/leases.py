"""The periodic jobs' turns, one row per job (meetup.jobs claims them): at the bottom of the
layers with the jobs, so that the features registering jobs import nothing of ops."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from meetup.extensions import db
from meetup.timeutil import UTCDateTime, utcnow


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
