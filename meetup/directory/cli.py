"""`flask geo work`, `flask geo backfill [--retry]`, `flask geo status`; `flask directory
open|close EVENT_SLUG`."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from meetup import jobs
from meetup.directory import geocoding, services
from meetup.directory import jobs as directory_jobs
from meetup.events.models import Event
from meetup.events.queries import event_by_slug
from meetup.extensions import db
from meetup.registrations.models import LocationStatus, Registration

geo_cli = AppGroup("geo", help="Geocoding of office addresses (the GEOCODER setting).")
directory_cli = AppGroup("directory", help="Evening directories: open or close by hand.")


def _lookup():
    lookup = geocoding.configured_lookup()
    if lookup is None:
        raise click.ClickException(
            "GEOCODER is 'none': set GEOCODER=ban or nominatim (and GEOCODER_URL for your own)"
        )
    return lookup


@geo_cli.command("status")
def geo_status() -> None:
    """How many addresses are in each state."""
    counts = dict(  # (status, count) rows; a Result has keys(), so dict() wants pairs
        db.session.execute(
            select(Registration.location_status, func.count()).group_by(
                Registration.location_status
            )
        )
        .tuples()
        .all()
    )
    for status in LocationStatus:
        click.echo(f"{status.value}\t{counts.get(status, 0)}")


@geo_cli.command("backfill")
@click.option(
    "--retry",
    is_flag=True,
    help="Also send addresses marked not found or failed back to the geocoder.",
)
@click.option("--batch", default=50, show_default=True, help="Addresses per transaction.")
def geo_backfill(retry: bool, batch: int) -> None:
    """Geocode every pending address now, with a progress bar."""
    lookup = _lookup()
    if retry:
        requeued = geocoding.requeue((LocationStatus.NOT_FOUND, LocationStatus.FAILED))
        click.echo(f"{requeued} addresses sent back to the geocoder")
    total = geocoding.pending_count()
    done = geocoding.GeocodeReport()
    progressed = 0
    on_terminal = sys.stdout.isatty()
    with click.progressbar(length=total, label="Geocoding", show_pos=True) as bar:
        settings = geocoding.round_settings(current_app.config)
        for report in geocoding.backfill(lookup, batch=batch, **settings):
            bar.update(report.done)
            progressed += report.done
            if not on_terminal:  # a log, say: one line a batch instead of the bar
                click.echo(f"{progressed}/{total}")
            for name in ("found", "not_found", "failed_calls", "gave_up", "from_cache"):
                setattr(done, name, getattr(done, name) + getattr(report, name))
            done.errors += report.errors
    click.echo(done.summary())
    left = geocoding.pending_count()
    if left:
        click.echo(f"{left} still pending: the geocoder could not be reached; the worker retries")


@geo_cli.command("work")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
def geo_work(interval: float) -> None:
    """Keep geocoding what is due until SIGTERM or Ctrl-C (`flask mail work` does it too)."""
    lookup = _lookup()
    click.echo(f"geocoding worker started ({geocoding.provider_name()}), every {interval:g} s")
    with jobs.until_signalled() as stop:
        while not stop.is_set():
            try:
                report = directory_jobs.geocode_once(lookup)
            except Exception:
                db.session.rollback()
                current_app.logger.exception("geocoding round failed")
                report = None
            finally:
                db.session.remove()
            if report and (report.done or report.failed_calls):
                click.echo(report.summary())
            if report is None or report.done == 0 or report.failed_calls:
                stop.wait(interval)
    click.echo("geocoding worker stopped")


def _event(slug: str) -> Event:
    event = event_by_slug(slug)
    if event is None:
        raise click.ClickException(f"no event {slug!r}")
    return event


@directory_cli.command("open")
@click.argument("slug")
def directory_open(slug: str) -> None:
    """Open an evening's directory now (the first time, everyone who came gets their link)."""
    try:
        announcement = services.open_directory(_event(slug))
    except services.NotPublished:
        raise click.ClickException(
            f"{slug} is not published: publish it first (a draft's or a cancelled evening's "
            "directory never opens)"
        ) from None
    if announcement:
        click.echo(
            f"open; {announcement.told} links queued, "
            f"{announcement.new_neighbour_emails} new-neighbour emails"
        )
    else:
        click.echo("open (everyone was told when it first opened)")


@directory_cli.command("close")
@click.argument("slug")
def directory_close(slug: str) -> None:
    services.close_directory(_event(slug))
    click.echo("closed")
