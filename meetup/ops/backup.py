"""Backups of the database, and their restore into an empty one.

SQLite: the online backup API (a consistent copy while the site serves, whatever the
write-ahead log holds). PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore`
in one transaction. A backup names neither; its first bytes say which it is. Files are
written readable by their owner only: they hold everyone's personal data.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, Engine, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
#: Files `backup --dir` writes and prunes: meetup-2026-12-10T0330.sqlite3 or .dump.
NAMED = re.compile(r"^meetup-\d{4}-\d{2}-\d{2}T\d{4}\.(sqlite3|dump)$")


class BackupError(RuntimeError):
    """Something the operator must fix; the message says what."""


def suffix(url: URL) -> str:
    return "sqlite3" if url.get_backend_name() == "sqlite" else "dump"


def dated_name(url: URL, now: datetime) -> str:
    return f"meetup-{now:%Y-%m-%dT%H%M}.{suffix(url)}"


def back_up(engine: Engine, target: Path) -> Path:
    """Write a consistent copy of the database at `engine` into `target` (replaced if
    there). Returns the file."""
    url = engine.url
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with _owner_only():
        if url.get_backend_name() == "sqlite":
            _sqlite_backup(url.database or "", partial)
        else:
            _pg(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "-f", str(partial)],
                url,
            )
    partial.replace(target)
    return target


def restore(engine: Engine, source: Path) -> None:
    """Load a backup into the empty database at `engine` (refused if it has tables)."""
    kind = kind_of(source)
    backend = engine.url.get_backend_name()
    if (kind, backend) not in {("sqlite", "sqlite"), ("postgresql", "postgresql")}:
        raise BackupError(
            f"{source} is a {kind} backup; the database is {backend}: restore it into a "
            f"{kind} database (DATABASE_URL)."
        )
    tables = set(inspect(engine).get_table_names())
    if tables:
        raise BackupError(
            f"The database already has {len(tables)} tables: restore only into an empty one "
            "(a new SQLite file, or a new PostgreSQL database: createdb)."
        )
    engine.dispose()  # nothing of ours holds the database while it is replaced
    if backend == "sqlite":
        _sqlite_restore(source, engine.url.database or "")
    else:
        _pg(
            ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
             "--exit-on-error", "-d", "{database}", str(source)],
            engine.url,
        )  # fmt: skip


def kind_of(path: Path) -> str:
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise BackupError(f"{path} cannot be read: {error.strerror}") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a backup made by `flask backup` (SQLite or pg_dump -Fc).")


def prune(folder: Path, keep_days: int, now: datetime) -> list[Path]:
    """Delete the dated backups of `folder` older than `keep_days` (only files this
    command names); the newest always stays. Returns what went."""
    dated = sorted(p for p in folder.iterdir() if NAMED.match(p.name))
    old = [
        p
        for p in dated[:-1]
        if (now.replace(tzinfo=None) - _named_time(p)).total_seconds() > keep_days * 86400
    ]
    for path in old:
        path.unlink()
    return old


def _named_time(path: Path) -> datetime:
    return datetime.strptime(path.name[len("meetup-") : len("meetup-") + 15], "%Y-%m-%dT%H%M")


def _sqlite_backup(database: str, target: Path) -> None:
    source = sqlite3.connect(database, timeout=10)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
    finally:
        source.close()


def _sqlite_restore(source: Path, database: str) -> None:
    backup = sqlite3.connect(source)
    try:
        target = sqlite3.connect(database)
        try:
            backup.backup(target)
            target.execute("PRAGMA journal_mode=WAL")  # as the app runs it
        finally:
            target.close()
    finally:
        backup.close()


def _pg(command: list[str], url: URL) -> None:
    """Run a PostgreSQL client tool on the database of `url` (its password, if any, in the
    environment, never on the command line)."""
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is needed: apt-get install postgresql-client")
    url = make_url(str(url.set(drivername="postgresql")))
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    connection = []
    for option, value in (("-h", url.host), ("-p", url.port), ("-U", url.username)):
        if value:
            connection += [option, str(value)]
    arguments = [a.replace("{database}", url.database or "") for a in command[1:]]
    if "-d" not in arguments:
        arguments.append(url.database or "")
    result = subprocess.run(  # noqa: S603 - a fixed tool, arguments from our own settings
        [tool, *connection, *arguments], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-500:]}")


class _owner_only:
    """Files created meanwhile are readable by their owner only (umask 077)."""

    def __enter__(self) -> None:
        self.previous = os.umask(0o077)

    def __exit__(self, *exc) -> None:
        os.umask(self.previous)
