"""Keeping clean pictures (meetup.images.processing) under the hash of their bytes."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from meetup.extensions import db
from meetup.images.models import StoredImage
from meetup.images.processing import CleanImage
from meetup.timeutil import utcnow

#: A picture nothing uses (removed, replaced, or uploaded with a form never saved) is kept
#: this long after its last upload, then deleted.
UNUSED_KEPT = timedelta(days=1)

_DIGEST = re.compile(r"[0-9a-f]{64}")


def is_digest(value: str) -> bool:
    return bool(_DIGEST.fullmatch(value or ""))


def store(image: CleanImage) -> StoredImage:
    """The picture's row, added unless the same bytes are kept already (then only its
    upload time moves, so that the purge leaves it alone). Commits: the picture outlives a
    form sent back with an error elsewhere."""
    digest = hashlib.sha256(image.data).hexdigest()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    db.session.execute(
        insert(StoredImage)
        .values(
            sha256=digest,
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            byte_size=len(image.data),
            data=image.data,
            uploaded_at=now,
        )
        .on_conflict_do_update(index_elements=["sha256"], set_={"uploaded_at": now})
    )
    db.session.commit()
    return db.session.get(StoredImage, digest)


def find(digest: str) -> StoredImage | None:
    return db.session.get(StoredImage, digest) if is_digest(digest) else None


def unused_images(users: list) -> list:
    """Conditions "no row of these columns points at the picture", one per column."""
    return [~exists().where(column == StoredImage.sha256) for column in users]


def purge(users: list, now: datetime | None = None) -> int:
    """Delete the pictures none of `users` (columns holding a digest) points at, a day after
    their last upload. Commits; how many went."""
    now = now or utcnow()
    doomed = select(StoredImage.sha256).where(
        StoredImage.uploaded_at < now - UNUSED_KEPT, *unused_images(users)
    )
    count = db.session.execute(
        delete(StoredImage)
        .where(StoredImage.sha256.in_(doomed))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count
