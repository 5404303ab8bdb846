"""The first write of a transaction on SQLite, waiting for the writer lock in short steps.

SQLite lets one writer in at a time; a connection that finds the lock taken sleeps in its
busy handler for 1, 2, 5, 10, 15… ms between tries. A signup holds the lock for about a
millisecond, so a waiter slept on long after the lock was free: under load the two workers
spent more time asleep than working (signups at a third of what the CPU allowed, p99 at
150 ms). `first_write` tries again after 0.1 ms, doubling up to 1 ms, for as long as the
connection's busy timeout allows, then fails as SQLite would have.

Polling is for other processes. Threads of one process queue on a lock of their own first
(released when the transaction ends), so a hundred threads do not poll the database and
take turns at the interpreter away from the one thread holding the database's lock.

On PostgreSQL (row locks, waiters woken at once) `first_write` just runs the statement.
"""

from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy import Executable, Result, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import Pool

from meetup.extensions import db

FIRST_STEP = 0.0001
LONGEST_STEP = 0.001
#: Where a connection keeps the process lock it holds (Connection.info lives as long as the
#: database connection, across checkouts).
HELD = "meetup.writelock"

_process_locks: dict[str, threading.Lock] = {}
_registry = threading.Lock()


def first_write(statement: Executable, params: dict | None = None) -> Result:
    """Execute `statement`, the first write of the session's transaction (nothing read
    before in it, or SQLite may refuse the write whatever the wait). Not reentrant: one
    such transaction at a time per thread."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return connection.execute(statement, params)
    timeout_ms = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    deadline = time.monotonic() + timeout_ms / 1000
    lock = _process_lock(str(connection.engine.url))
    if not lock.acquire(timeout=timeout_ms / 1000):
        raise _locked(statement)
    connection.info[HELD] = lock
    connection.exec_driver_sql("PRAGMA busy_timeout = 0")
    try:
        step = FIRST_STEP
        while True:
            try:
                return connection.execute(statement, params)
            except OperationalError as error:
                if "database is locked" not in str(error.orig) or time.monotonic() >= deadline:
                    raise
            time.sleep(step)
            step = min(step * 2, LONGEST_STEP)
    except BaseException:
        _release(connection.info)
        raise
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout_ms)}")


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


def _locked(statement: Executable) -> OperationalError:
    return OperationalError(str(statement), None, sqlite3.OperationalError("database is locked"))


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
