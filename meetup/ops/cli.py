"""`flask backup` and `flask restore`: the database to a file and back (meetup.ops.backup)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from meetup.extensions import db
from meetup.ops import backup


@click.command("backup")
@with_appcontext
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The file to write."
)
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write meetup-<date>T<time>.<sqlite3|dump> there, and delete those older than --keep-days.",
)
@click.option("--keep-days", default=14, show_default=True, help="With --dir: days kept.")
def backup_command(output: Path | None, folder: Path | None, keep_days: int) -> None:
    """A consistent copy of the database while the site serves (SQLite's backup API, or
    pg_dump's custom format), readable by its owner only."""
    if (output is None) == (folder is None):
        raise click.UsageError("Give either -o FILE or --dir FOLDER.")
    now = datetime.now()
    target = output or folder / backup.dated_name(db.engine.url, now)
    try:
        backup.back_up(db.engine, target)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backed up to {target} ({target.stat().st_size:,} bytes)")
    if folder is not None:
        for path in backup.prune(folder, keep_days, now):
            click.echo(f"removed {path} (older than {keep_days} days)")


@click.command("restore")
@with_appcontext
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(source: Path) -> None:
    """Load a backup made by `flask backup` into the empty database of DATABASE_URL (a new
    SQLite file, or a database made with createdb), then run `flask db upgrade`."""
    try:
        backup.restore(db.engine, source)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {source}; now run `flask --app wsgi db upgrade` if the code is newer")
