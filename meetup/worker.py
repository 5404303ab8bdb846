"""`flask worker`: every background job, in one process per host (or several).

Each round: say it is alive (the heartbeat /healthz reads), deliver the email that is due,
then run the registered jobs (meetup.jobs: geocoding, the directories' opening, the daily
purge…). Any number of workers may run, on one host or many: messages, addresses and
periodic jobs are each claimed by one. SIGTERM or Ctrl-C: the message in hand is finished,
the rest of its batch goes back to the queue, and the worker exits.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from meetup import jobs
from meetup.extensions import db
from meetup.mail import services as mail
from meetup.mail.delivery import transport_for
from meetup.ops import heartbeat


def work(interval: float, limit: int) -> None:
    transport = transport_for(current_app)
    name = heartbeat.worker_name()
    click.echo(f"worker {name} started ({type(transport).__name__}), every {interval:g} s")
    with jobs.until_signalled() as stop:
        while not stop.is_set():
            try:
                heartbeat.beat(name)
                report = mail.deliver_due(transport, limit=limit, stop=stop.is_set)
            except Exception:  # the database went away, say: log, wait, try again
                db.session.rollback()
                current_app.logger.exception("worker: mail round failed")
                stop.wait(interval)
                continue
            finally:
                db.session.remove()  # no transaction or stale objects kept between rounds
            if report.claimed:
                click.echo(f"mail: {report.summary()}")
            for line in jobs.run_all(name):
                click.echo(line)
            # A full batch that all went well may have more behind it; anything else waits.
            if report.claimed < limit or report.sent < report.claimed:
                stop.wait(interval)
    click.echo(f"worker {name} stopped")


@click.command("worker")
@with_appcontext
@click.option(
    "--interval", default=5.0, show_default=True, help="Seconds between rounds when idle."
)
@click.option("--limit", default=50, show_default=True, help="Messages per batch.")
def worker_command(interval: float, limit: int) -> None:
    """Deliver email and run every background job until SIGTERM or Ctrl-C."""
    work(interval, limit)
