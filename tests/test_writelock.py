"""SQLite's writer lock taken in short steps (meetup.writelock): every writer gets in, the
process lock never outlives its transaction, and a lock held too long fails as SQLite would."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from meetup import writelock
from meetup.events.models import Event
from meetup.extensions import db

pytestmark = pytest.mark.sqlite_only

BUMP = text("UPDATE events SET capacity = capacity + 1 WHERE id = :id")


@pytest.fixture
def event_id(app, make) -> int:
    slug = make.event(make.series(), capacity=10)
    with app.app_context():
        return db.session.scalar(select(Event.id).where(Event.slug == slug))


def _process_lock(app) -> threading.Lock:
    with app.app_context():
        return writelock._process_lock(str(db.engine.url))


def _capacity(app, event_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Event.capacity).where(Event.id == event_id))


def test_sixty_threads_each_write_once_and_the_lock_is_free_after(app, event_id):
    barrier = threading.Barrier(60)

    def one(_n: int) -> None:
        with app.app_context():
            barrier.wait(timeout=30)
            writelock.first_write(BUMP, {"id": event_id})
            db.session.commit()

    with ThreadPoolExecutor(max_workers=60) as pool:
        list(pool.map(one, range(60)))
    assert _capacity(app, event_id) == 70
    assert not _process_lock(app).locked()


@pytest.mark.parametrize("end", ["commit", "rollback", "remove"])
def test_the_process_lock_ends_with_the_transaction(app, event_id, end):
    with app.app_context():
        writelock.first_write(BUMP, {"id": event_id})
        assert _process_lock(app).locked()
        {
            "commit": db.session.commit,
            "rollback": db.session.rollback,
            "remove": db.session.remove,  # what the end of a request does
        }[end]()
        assert not _process_lock(app).locked()
    assert _capacity(app, event_id) == (11 if end == "commit" else 10)


def test_a_lock_held_elsewhere_too_long_fails_as_sqlite_would(app, event_id):
    with app.app_context():
        path = db.engine.url.database
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process's writer, say
    try:
        with app.app_context():
            db.session.connection().exec_driver_sql("PRAGMA busy_timeout = 150")
            with pytest.raises(OperationalError, match="database is locked"):
                writelock.first_write(BUMP, {"id": event_id})
            assert not _process_lock(app).locked()
            connection = db.session.connection()  # the same, until the transaction ends
            # The connection's own timeout is back as it was.
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 150
            connection.exec_driver_sql("PRAGMA busy_timeout = 10000")
            db.session.rollback()
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_the_writer_gets_in_as_soon_as_the_other_lets_go(app, event_id):
    with app.app_context():
        path = db.engine.url.database
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.05, lambda: other.execute("COMMIT")).start()
    try:
        with app.app_context():
            writelock.first_write(BUMP, {"id": event_id})
            db.session.commit()
    finally:
        other.close()
    assert _capacity(app, event_id) == 11
