"""Keeping clean pictures (meetup.images.processing) under the hash of their bytes."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from meetup.extensions import db
from meetup.images.models import StoredImage
from meetup.images.processing import COPY_WIDTHS, CleanImage, avif_twin, copies, makes_avif
from meetup.timeutil import utcnow

#: A picture nothing uses (removed, replaced, or uploaded with a form never saved) is kept
#: this long after its last upload, then deleted.
UNUSED_KEPT = timedelta(days=1)

_DIGEST = re.compile(r"[0-9a-f]{64}")


def is_digest(value: str) -> bool:
    return bool(_DIGEST.fullmatch(value or ""))


def _upsert(
    image: CleanImage, now: datetime, small: str | None = None, avif: str | None = None
) -> str:
    """The picture's row added, or only its upload time moved (and its copy and twin named)
    if the same bytes are kept already. Returns its digest."""
    digest = hashlib.sha256(image.data).hexdigest()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(StoredImage).values(
        sha256=digest,
        content_type=image.content_type,
        width=image.width,
        height=image.height,
        byte_size=len(image.data),
        data=image.data,
        uploaded_at=now,
        small_sha256=small,
        avif_sha256=avif,
    )
    changed = (
        {"uploaded_at": now}
        | ({"small_sha256": small} if small else {})
        | ({"avif_sha256": avif} if avif else {})
    )
    db.session.execute(statement.on_conflict_do_update(index_elements=["sha256"], set_=changed))
    return digest


def _with_twin(image: CleanImage, now: datetime, small: str | None) -> str:
    """The picture, naming its AVIF twin (processing.avif_twin, stored first) if it has one."""
    twin = avif_twin(image)
    return _upsert(image, now, small, _upsert(twin, now) if twin is not None else None)


def _store_with_copies(image: CleanImage, now: datetime) -> str:
    """The picture and its copies (processing.copies), each naming the next narrower one
    (small_sha256) and its AVIF twin (avif_sha256): the narrowest first, so that what a row
    names is there. Returns the picture's digest."""
    smaller = None
    for copy in reversed(copies(image)):
        smaller = _with_twin(copy, now, smaller)
    return _with_twin(image, now, smaller)


def store(image: CleanImage) -> StoredImage:
    """The picture's row, added unless the same bytes are kept already (then only its
    upload time moves, so that the purge leaves it alone), with its copies if it is a wide
    cover. Commits: the picture outlives a form sent back with an error elsewhere."""
    digest = _store_with_copies(image, utcnow())
    db.session.commit()
    return db.session.get(StoredImage, digest)


def add_copies(users: list, limit: int = 200) -> int:
    """Copies and AVIF twins of the pictures `users` (columns holding a digest) point at
    that lack them (kept before they were made). Commits each; how many pictures got theirs."""
    wanting = select(StoredImage).where(
        StoredImage.content_type == "image/jpeg",
        or_(
            and_(StoredImage.small_sha256.is_(None), StoredImage.width > min(COPY_WIDTHS)),
            *([StoredImage.avif_sha256.is_(None)] if makes_avif() else []),
        ),
        or_(*(exists().where(column == StoredImage.sha256) for column in users)),
    )
    made = 0
    for picture in db.session.scalars(wanting.limit(limit)).all():
        original = CleanImage(picture.data, picture.content_type, picture.width, picture.height)
        _store_with_copies(original, picture.uploaded_at)
        db.session.commit()
        made += 1
    return made


def find(digest: str) -> StoredImage | None:
    return db.session.get(StoredImage, digest) if is_digest(digest) else None


def unused_images(users: list) -> list:
    """Conditions "no row of these columns points at the picture", one per column, and "no
    picture names it as its copy or twin" (they go a day after the picture that named them)."""
    named_by = aliased(StoredImage)
    namers = (named_by.small_sha256, named_by.avif_sha256)  # each by its own index
    return [
        *(~exists().where(column == StoredImage.sha256) for column in users),
        *(~exists().where(column == StoredImage.sha256) for column in namers),
    ]


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
