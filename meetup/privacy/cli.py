"""`flask privacy purge [--dry-run]`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from meetup import audit
from meetup.privacy import retention

privacy_cli = AppGroup("privacy", help="Retention: remove what is no longer kept.")


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only say what would go.")
def privacy_purge(dry_run: bool) -> None:
    """Apply each series' retention (the worker runs it daily); idempotent."""
    report = retention.purge(dry_run=dry_run)
    for line in report.details:
        click.echo(line)
    click.echo(("would remove: " if dry_run else "removed: ") + report.summary())
    if report.anything and not dry_run:
        audit.record_now("purge", "retention", report.people_erased)
