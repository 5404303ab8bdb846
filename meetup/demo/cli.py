"""`flask demo load`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from meetup.demo.loader import ADMIN_EMAIL, ensure_admin, load_demo
from meetup.events.models import Series
from meetup.extensions import db
from meetup.links import absolute_url

demo_cli = AppGroup("demo", help="A demo series to try the application with.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only when the database has no series at all.")
def demo_load(if_empty: bool) -> None:
    """Create the demo series, events, attendees and organiser (idempotent)."""
    login_file = Path(current_app.instance_path) / "demo-login.txt"
    admin_file = Path(current_app.instance_path) / "demo-admin-login.txt"
    if if_empty and db.session.scalar(select(Series.id).limit(1)) is not None:
        click.echo("the database already has series: demo not loaded")
        # A demo loaded before it had an administrator gets one (a club's database: none).
        _write_admin(admin_file, ensure_admin())
        _print_login(login_file, admin_file)
        return
    result = load_demo()
    _write_admin(admin_file, result.admin_password)
    if result.organiser_password:
        lines = [result.organiser_email, result.organiser_password]
        if result.attendee_token:
            lines.append(absolute_url("registrations.manage", token=result.attendee_token))
        login_file.write_text("\n".join(lines) + "\n")
        login_file.chmod(0o600)
    if result.created:
        click.echo(f"demo series created: {result.series.name}")
    else:
        click.echo("demo series already present: nothing changed")
    _print_login(login_file, admin_file)


def _write_admin(admin_file: Path, password: str | None) -> None:
    if password:
        admin_file.write_text(f"{ADMIN_EMAIL}\n{password}\n")
        admin_file.chmod(0o600)


def _print_login(login_file: Path, admin_file: Path) -> None:
    if admin_file.exists():
        email, password = admin_file.read_text().split()[:2]
        click.echo(
            f"demo administrator login (accounts, invitations, audit log): {email} / {password}"
        )
    if login_file.exists():
        lines = login_file.read_text().split()
        email, password = lines[:2]
        click.echo(f"demo organiser login: {email} / {password}")
        if len(lines) > 2:
            click.echo(
                f"a demo attendee's personal page (their ticket, card and directory): {lines[2]}"
            )
