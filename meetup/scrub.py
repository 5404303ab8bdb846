"""Deleted personal data leaves SQLite's files, not only its tables.

SQLite keeps deleted rows' bytes in free space inside its pages, and the write-ahead log
keeps whole pages as they were before a change, until a checkpoint copies them back and
the log is reused. An erased name would still be readable in `meetup.sqlite3` or its
`-wal` file. Two things close that: every connection runs with `secure_delete` on (freed
content is overwritten with zeros; set in `meetup.__init__`), and after an erasure or the
retention purge, `scrub()` checkpoints the log into the database and truncates it to zero
bytes. PostgreSQL needs neither call here: its dead rows go when VACUUM reclaims them.
"""

from __future__ import annotations

import logging

from meetup.extensions import db

logger = logging.getLogger(__name__)


def scrub() -> bool:
    """Empty SQLite's write-ahead log into the database (TRUNCATE checkpoint); True when
    done, or when there is nothing to do (PostgreSQL). It waits for readers up to the busy
    timeout; a checkpoint still blocked is logged and done by the next one."""
    if db.engine.dialect.name != "sqlite":
        return True
    raw = db.engine.raw_connection()
    try:
        # The raw connection is in autocommit mode (see _sqlite_pragmas): no transaction of
        # its own holds the log.
        busy, _log_pages, _moved = raw.driver_connection.execute(
            "PRAGMA wal_checkpoint(TRUNCATE)"
        ).fetchone()
    finally:
        raw.close()
    if busy:
        logger.warning("scrub: readers kept the write-ahead log from being emptied; next time")
    return not busy
