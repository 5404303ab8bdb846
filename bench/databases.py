"""Where the web and door benchmarks keep their data: SQLite files (WAL mode) in the run's
work directory, as the issues' targets are set, or, with BENCH_POSTGRES_URL set to a
PostgreSQL server (for instance postgresql+psycopg://postgres@127.0.0.1:5432/test), fresh
databases created on that server for the run and dropped after it: production's database,
for comparison. Nothing already on the server is read or written.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url


@contextmanager
def bench_databases(workdir: Path, names: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """A database URL for each of `names`, empty, for this run only."""
    server = os.environ.get("BENCH_POSTGRES_URL", "")
    if not server:
        yield {name: f"sqlite:///{workdir}/{name}.sqlite3" for name in names}
        return
    import psycopg

    url = make_url(server)
    if url.get_backend_name() != "postgresql":
        raise SystemExit(f"BENCH_POSTGRES_URL must be a postgresql URL, not {url.drivername}")
    run = secrets.token_hex(4)
    databases = {name: f"meetup_bench_{run}_{name}" for name in names}
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        for database in databases.values():
            connection.execute(f'CREATE DATABASE "{database}"')
    try:
        yield {
            name: url.set(database=database).render_as_string(hide_password=False)
            for name, database in databases.items()
        }
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            for database in databases.values():
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextmanager
def bench_run(prefix: str) -> Iterator[tuple[Path, dict[str, str]]]:
    """A work directory, and the application's and the baseline's databases ("app",
    "baseline"), for one run; all of it removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        with bench_databases(workdir, ("app", "baseline")) as urls:
            yield workdir, urls
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def database_label(url: str) -> str:
    """The database's name for the figures' heading."""
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite WAL"
