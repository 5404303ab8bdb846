"""`flask mail send`, `flask mail work` and `flask mail retry ID`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from meetup.extensions import db
from meetup.mail import services
from meetup.mail.delivery import transport_for
from meetup.mail.models import OutboxMessage

mail_cli = AppGroup("mail", help="The email outbox: deliver what is due, retry what failed.")


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
    click.echo(total.summary())


@mail_cli.command("work")
@click.option(
    "--interval", default=5.0, show_default=True, help="Seconds between looks at the queue."
)
@click.option("--limit", default=50, show_default=True, help="Messages per batch.")
@click.pass_context
def mail_work(context: click.Context, interval: float, limit: int) -> None:
    """The same as `flask worker` (its former name)."""
    # Found by its name in the app's commands: the worker runs every feature's jobs, mail's
    # among them, so mail cannot import it.
    worker = current_app.cli.get_command(context, "worker")
    context.invoke(worker, interval=interval, limit=limit)


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
    click.echo(f"message {message_id} is queued again")
