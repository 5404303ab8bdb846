"""SQLite's writer lock: taken before a request's first read when the request may write,
or at its first write on the measured hot paths, and always in short steps.

SQLite lets one writer in at a time, and a transaction that began by reading cannot become
a writer once another connection has committed since: its write fails at once with
"database is locked", whatever the busy timeout (gunicorn's other workers are such
connections). So on SQLite a request that may write (POST, PUT, PATCH, DELETE) begins its
transactions with BEGIN IMMEDIATE, which takes the writer lock before anything is read:
reads and writes then happen in one transaction nobody can commit under (Django 5.1's
"transaction_mode": "IMMEDIATE" for SQLite answers the same trap). Views that keep the
lock shorter by hand, the signup and the door scan, say so with `@own_lock`: their reads
run in an ordinary transaction, `end_reads()` ends it, and `first_write()` takes the lock
for the write alone. A GET that writes (a page's first QR code, a session's touch) does the
same by hand.

The lock is taken in short steps. A connection that finds it taken sleeps in SQLite's busy
handler for 1, 2, 5, 10, 15… ms between tries; a signup holds it for about a millisecond,
so a waiter slept on long after it was free: under load the two workers spent more time
asleep than working (signups at a third of what the CPU allowed, p99 at 150 ms). Here a
waiter tries again after 0.1 ms, doubling up to 1 ms, for as long as the connection's busy
timeout allows, then fails as SQLite would have. Polling is for other processes: threads of
one process queue on a lock of their own first (released when the transaction ends), so a
hundred threads do not poll the database and take turns at the interpreter away from the one
thread holding the database's lock.

On PostgreSQL (row locks, waiters woken at once) none of this applies: BEGIN is BEGIN and
`first_write` just runs the statement.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, has_request_context, request
from sqlalchemy import Executable, Result, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import Pool

from meetup.extensions import db

FIRST_STEP = 0.0001
LONGEST_STEP = 0.001
#: Where a connection keeps the process lock it holds (Connection.info lives as long as the
#: database connection, across checkouts).
HELD = "meetup.writelock"

#: Methods that never write (a GET that does takes the lock by hand: end_reads, first_write).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

T = TypeVar("T")
V = TypeVar("V", bound=Callable)

_process_locks: dict[str, threading.Lock] = {}
_registry = threading.Lock()


def first_write(statement: Executable, params: dict | None = None) -> Result:
    """Execute `statement`, the first write of the session's transaction (nothing read
    before in it, or SQLite may refuse the write whatever the wait). Not reentrant: one
    such transaction at a time per thread."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite" or HELD in connection.info:
        # PostgreSQL; or a transaction that began IMMEDIATE, the lock already held.
        return connection.execute(statement, params)
    return _locked_in(connection, lambda: connection.execute(statement, params), statement)


def _locked_in(connection: Connection, take: Callable[[], T], what: object) -> T:
    """Run `take()`, a statement that needs SQLite's writer lock, under the process lock,
    trying again in short steps while the database is locked by another process."""
    # The busy timeout is read and set on the sqlite3 connection itself: three statements
    # of a microsecond each, not three trips through SQLAlchemy's execution (a tenth of a
    # millisecond on each door scan and signup).
    sqlite = connection.connection.dbapi_connection
    timeout_ms = sqlite.execute("PRAGMA busy_timeout").fetchone()[0]
    deadline = time.monotonic() + timeout_ms / 1000
    lock = _process_lock(str(connection.engine.url))
    if not lock.acquire(timeout=timeout_ms / 1000):
        raise _locked(what)
    connection.info[HELD] = lock
    sqlite.execute("PRAGMA busy_timeout = 0")
    try:
        step = FIRST_STEP
        while True:
            try:
                return take()
            except OperationalError as error:
                if "database is locked" not in str(error.orig) or time.monotonic() >= deadline:
                    raise
            time.sleep(step)
            step = min(step * 2, LONGEST_STEP)
    except BaseException:
        _release(connection.info)
        raise
    finally:
        sqlite.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")


def own_lock(view: V) -> V:
    """For a view whose every write is a `first_write` after `end_reads` (or none): its
    transactions begin deferred, and the lock is held for its writes only."""
    view.writelock = "own"  # type: ignore[attr-defined]
    return view


def writes(view: V) -> V:
    """For a GET view that writes (an audit entry, a QR matrix kept): its transactions begin
    IMMEDIATE, as those of a POST do."""
    view.writelock = "writes"  # type: ignore[attr-defined]
    return view


def _begins_immediate() -> bool:
    """In a request that may write: by its method, or as its view says."""
    if not has_request_context():
        return False
    marked = getattr(current_app.view_functions.get(request.endpoint or ""), "writelock", None)
    if request.method in SAFE_METHODS:
        return marked == "writes"
    return marked != "own"


@event.listens_for(Engine, "begin")
def _begin(connection: Connection) -> None:
    """SQLite's BEGIN, which its Python module leaves to SQLAlchemy here (isolation_level
    None, set in meetup._sqlite_pragmas: the module's own handling breaks SAVEPOINTs)."""
    if connection.dialect.name != "sqlite":
        return
    if _begins_immediate():
        _locked_in(connection, lambda: connection.exec_driver_sql("BEGIN IMMEDIATE"), "BEGIN")
    else:
        connection.exec_driver_sql("BEGIN")


def end_reads(*, expire: bool = True) -> None:
    """Before a first_write that follows reads: on SQLite, a transaction that read cannot
    become a writer once another writer has committed, so the reads' transaction ends here.
    PostgreSQL has no such rule, and the reads and the write share one transaction (a COMMIT
    and a BEGIN fewer: two round trips). Objects loaded by the reads are not expired on
    PostgreSQL, nor on SQLite with `expire=False` (no query to load them again): a write
    that depends on them must read what it needs under its lock."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    session = db.session()
    expire_on_commit = session.expire_on_commit
    session.expire_on_commit = expire and expire_on_commit
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire_on_commit


def _process_lock(url: str) -> threading.Lock:
    with _registry:
        return _process_locks.setdefault(url, threading.Lock())


def _locked(what: object) -> OperationalError:
    return OperationalError(str(what), None, sqlite3.OperationalError("database is locked"))


def _release(info: dict) -> None:
    lock = info.pop(HELD, None)
    if lock is not None:
        lock.release()


@event.listens_for(Engine, "commit")
def _on_commit(connection) -> None:
    _release(connection.info)


@event.listens_for(Engine, "rollback")
def _on_rollback(connection) -> None:
    _release(connection.info)


@event.listens_for(Pool, "reset")
def _on_reset(dbapi_connection, record, reset_state) -> None:
    """A connection given back to the pool without a commit or rollback of its own."""
    _release(record.info)


@event.listens_for(Pool, "invalidate")
def _on_invalidate(dbapi_connection, record, exception) -> None:
    _release(record.info)
