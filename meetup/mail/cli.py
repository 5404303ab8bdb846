"""`flask mail send`, `flask mail work` and `flask mail retry ID`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from meetup import jobs
from meetup.extensions import db
from meetup.mail import services
from meetup.mail.delivery import transport_for
from meetup.mail.models import OutboxMessage
from meetup.ops import heartbeat

mail_cli = AppGroup("mail", help="The email outbox: deliver what is due, retry what failed.")


def _summary(report: services.DeliveryReport) -> str:
    text = (
        f"sent {report.sent}, to retry later {report.retrying}, failed {report.failed}"
        f", given back {report.released}"
    )
    if report.errors:
        text += f" ({report.errors[-1]})"
    return text


@mail_cli.command("send")
@click.option("--limit", default=50, show_default=True, help="Messages per batch.")
def mail_send(limit: int) -> None:
    """Deliver what is due once, batch after batch, and print the counts."""
    transport = transport_for(current_app)
    total = services.DeliveryReport()
    while True:
        report = services.deliver_due(transport, limit=limit)
        for name in ("claimed", "sent", "retrying", "failed", "released"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        total.errors += report.errors
        # A full batch that all went well may have more behind it; anything else waits.
        if report.claimed < limit or report.sent < report.claimed:
            break
    click.echo(_summary(total))


@mail_cli.command("work")
@click.option(
    "--interval", default=5.0, show_default=True, help="Seconds between looks at the queue."
)
@click.option("--limit", default=50, show_default=True, help="Messages per batch.")
def mail_work(interval: float, limit: int) -> None:
    """Keep delivering until SIGTERM or Ctrl-C (the message in hand is finished, the rest of
    its batch goes back to the queue).

    Several workers may run at once, on one machine or several: each message is claimed by one.
    """
    transport = transport_for(current_app)
    name = heartbeat.worker_name()
    click.echo(f"mail worker started ({type(transport).__name__}), every {interval:g} s")
    with jobs.until_signalled() as stop:
        while not stop.is_set():
            try:
                heartbeat.beat(name)  # /healthz tells when a worker last came round
                report = services.deliver_due(transport, limit=limit, stop=stop.is_set)
            except Exception:  # the database went away, say: log, wait, try again
                current_app.logger.exception("mail worker: delivery round failed")
                stop.wait(interval)
                continue
            finally:
                db.session.remove()  # no transaction or stale objects kept between rounds
            if report.claimed:
                click.echo(_summary(report))
            for line in jobs.run_all():  # geocoding, directories opening (meetup.jobs)
                click.echo(line)
            if report.claimed < limit or report.sent < report.claimed:
                stop.wait(interval)
    click.echo("mail worker stopped")


@mail_cli.command("retry")
@click.argument("message_id", type=int)
def mail_retry(message_id: int) -> None:
    """Put a failed message (by its id in the outbox) back in the queue."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise click.ClickException(f"no outbox message with id {message_id}")
    try:
        services.retry(message)
    except services.NotRetryable as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"message {message_id} is queued again")
