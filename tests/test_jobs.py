"""Background work shared by any number of workers: each periodic job runs once per period
across them all, a dead worker's turn is taken over, and `flask worker` runs until SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from meetup import jobs
from meetup.extensions import db
from meetup.leases import JobLease
from meetup.ops import heartbeat
from meetup.ops.models import WorkerHeartbeat
from meetup.timeutil import utcnow

T0 = utcnow().replace(microsecond=0)


@pytest.fixture
def counted(app):
    """A daily job that counts its runs (and fails when told to)."""
    runs: list[str] = []
    fail = threading.Event()

    def run() -> str:
        if fail.is_set():
            raise RuntimeError("the job failed")
        runs.append("ran")
        return "counted"

    saved = dict(app.extensions["meetup.jobs"])
    app.extensions["meetup.jobs"] = {"counted": jobs.Job("counted", run, timedelta(days=1))}
    yield runs, fail
    app.extensions["meetup.jobs"] = saved


def test_a_periodic_job_runs_once_per_period_whoever_asks(app, counted):
    runs, _ = counted
    with app.app_context():
        assert jobs.run_all("host-a:1", now=T0) == ["counted: counted"]
        assert jobs.run_all("host-b:2", now=T0 + timedelta(hours=1)) == []
        assert jobs.run_all("host-a:1", now=T0 + timedelta(hours=23)) == []
        assert jobs.run_all("host-b:2", now=T0 + timedelta(days=1)) == ["counted: counted"]
    assert len(runs) == 2


def test_workers_asking_at_the_same_moment_run_it_once(app, counted):
    runs, _ = counted
    barrier = threading.Barrier(6)
    errors = []

    def worker(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                jobs.run_all(f"host-{n}:{n}", now=T0)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert runs == ["ran"]


def test_a_dead_workers_turn_is_taken_over_when_its_claim_runs_out(app, counted):
    runs, _ = counted
    with app.app_context():
        assert jobs.claim("counted", "dead:1", T0)  # ... and the worker dies running it
        assert jobs.run_all("alive:2", now=T0 + timedelta(minutes=30)) == []
        assert jobs.run_all("alive:2", now=T0 + jobs.HOLD + timedelta(seconds=1)) == [
            "counted: counted"
        ]
        lease = db.session.get(JobLease, "counted")
        assert (lease.held_by, lease.held_until) == (None, None)
    assert runs == ["ran"]


def test_a_failed_run_is_tried_again_a_little_later_not_a_day_later(app, counted):
    runs, fail = counted
    fail.set()
    with app.app_context():
        assert jobs.run_all("host-a:1", now=T0) == []
        fail.clear()
        assert jobs.run_all("host-b:2", now=T0 + jobs.RETRY_AFTER - timedelta(seconds=1)) == []
        assert jobs.run_all("host-b:2", now=T0 + jobs.RETRY_AFTER) == ["counted: counted"]
    assert runs == ["ran"]


def test_the_registered_jobs_and_their_periods(app):
    registered = app.extensions["meetup.jobs"]
    assert registered["privacy"].every == timedelta(days=1)
    assert registered["directories"].every == timedelta(minutes=1)
    assert registered["geocoding"].every is None  # every round: addresses are claimed


def test_flask_worker_runs_beats_and_stops_cleanly_on_sigterm(app, database_url):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEETUP_INSTANCE_PATH": app.instance_path,
        "SECRET_KEY": "k" * 40,
        "GEOCODER": "none",
        "MAIL_SERVER": "",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TEST_DATABASE_URL", None)
    flask = str(Path(sys.executable).with_name("flask"))
    process = subprocess.Popen(
        [flask, "--app", "wsgi", "worker", "--interval", "0.2"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        with app.app_context():
            while heartbeat.last_beat() is None:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "no heartbeat"
                db.session.remove()
                time.sleep(0.1)
            workers = db.session.scalars(select(WorkerHeartbeat.worker)).all()
        assert workers == [f"{os.uname().nodename}:{process.pid}"]
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "started" in output and output.rstrip().endswith("stopped")
