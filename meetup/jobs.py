"""Background jobs the worker (`flask worker`) runs between mail rounds. Features register
theirs when their blueprint is registered, so the worker knows none of them.

A job registered without a period runs at every round of every worker: its work is shared
by claims of its own (geocoding claims addresses). A job with a period (the daily purge,
the directories' opening) runs once per period across every worker and host: a worker
first claims the job's lease row with one conditional UPDATE, runs it, then sets its next
run; a worker that dies mid-run holds the lease until HOLD runs out, then another takes it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite

from meetup.extensions import db
from meetup.leases import JobLease
from meetup.timeutil import utcnow
from meetup.writelock import end_reads, first_write

_KEY = "meetup.jobs"
#: How long a worker's claim on a periodic job holds: longer than any run.
HOLD = timedelta(hours=1)
#: After a failed run, the job is tried again this much later (by any worker).
RETRY_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Job:
    name: str
    #: Runs in an app context; returns a line worth printing, or None.
    run: Callable[[], str | None]
    #: None: every round; a period: once per period across all workers.
    every: timedelta | None = None


def register(app: Flask, name: str, run: Callable[[], str | None], *, every=None) -> None:
    app.extensions.setdefault(_KEY, {})[name] = Job(name, run, every)


def run_all(worker: str = "", now: datetime | None = None) -> list[str]:
    """Each job that is due, once; one failing (the geocoder down, say) does not stop the
    others. `worker` names the claims of periodic jobs ("host:pid")."""
    said = []
    for job in current_app.extensions.get(_KEY, {}).values():
        started = now or utcnow()
        if job.every is not None and not claim(job.name, worker, started):
            continue
        try:
            line = job.run()
        except Exception:
            db.session.rollback()
            current_app.logger.exception("worker job %s failed", job.name)
            if job.every is not None:
                _finish(job.name, worker, started, started + RETRY_AFTER)
            continue
        finally:
            db.session.remove()
        if job.every is not None:
            _finish(job.name, worker, started, started + job.every)
        if line:
            said.append(f"{job.name}: {line}")
    return said


def claim(name: str, worker: str, now: datetime) -> bool:
    """This worker's turn to run the periodic job `name`, if it is due and nobody else
    holds it. Commits."""
    taken = _take(name, worker, now)
    if taken is None:  # the job's first run anywhere: its row (due now), then the claim
        _create(name, now)
        taken = _take(name, worker, now)
    return bool(taken)


def _take(name: str, worker: str, now: datetime) -> bool | None:
    """True if claimed, False if not due or held, None if the job has no row yet."""
    end_reads()
    result = first_write(
        update(JobLease)
        .where(
            JobLease.name == name,
            JobLease.next_run_at <= now,
            or_(JobLease.held_until.is_(None), JobLease.held_until < now),
        )
        .values(held_by=worker, held_until=now + HOLD)
    )
    claimed = result.rowcount == 1
    exists = claimed or db.session.get(JobLease, name) is not None
    db.session.commit()
    return claimed if exists else None


def _create(name: str, now: datetime) -> None:
    """The job's row, unless another worker just made it."""
    end_reads()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    first_write(insert(JobLease).values(name=name, next_run_at=now).on_conflict_do_nothing())
    db.session.commit()


def _finish(name: str, worker: str, ran_at: datetime, next_run_at: datetime) -> None:
    end_reads()
    first_write(
        update(JobLease)
        .where(JobLease.name == name, JobLease.held_by == worker)
        .values(held_by=None, held_until=None, last_run_at=ran_at, next_run_at=next_run_at)
    )
    db.session.commit()


@contextmanager
def until_signalled() -> Iterator[threading.Event]:
    """For a worker's loop: an event set by SIGTERM or Ctrl-C (the round in hand finishes);
    the previous handlers come back after."""
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
