"""Keeping clean pictures (meetup.images.processing) under the hash of their bytes."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from meetup.extensions import db
from meetup.images.models import StoredImage
from meetup.images.processing import COPY_WIDTHS, CleanImage, avif_twin, copies, makes_avif
from meetup.timeutil import utcnow
from meetup.writelock import end_reads, first_write

logger = logging.getLogger(__name__)

#: A picture nothing uses (removed, replaced, or uploaded with a form never saved) is kept
#: this long after its last upload, then deleted.
UNUSED_KEPT = timedelta(days=1)

_DIGEST = re.compile(r"[0-9a-f]{64}")


def is_digest(value: str) -> bool:
    return bool(_DIGEST.fullmatch(value or ""))


def _digest(image: CleanImage) -> str:
    return hashlib.sha256(image.data).hexdigest()


def _upsert(
    image: CleanImage, now: datetime, small: str | None = None, avif: str | None = None
) -> str:
    """The picture's row added, or only its upload time moved (and its copy and twin named)
    if the same bytes are kept already. Takes SQLite's writer lock if the transaction does
    not hold it yet (meetup.writelock). Returns its digest."""
    digest = _digest(image)
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
    first_write(statement.on_conflict_do_update(index_elements=["sha256"], set_=changed))
    return digest


def _chain(image: CleanImage) -> list[CleanImage]:
    """The picture's copies (processing.copies) and itself, narrowest first: each names the
    next narrower one, which is written before it."""
    return [*reversed(copies(image)), image]


def _kept_twins(chain: list[CleanImage]) -> dict[str, str]:
    """The AVIF twins these pictures are kept with already (digest: twin's digest), rows
    there: never made again, since an encoder's bytes may change with its version and a page
    kept with the twin's address must go on finding it."""
    twin = aliased(StoredImage)
    return dict(
        db.session.execute(
            select(StoredImage.sha256, StoredImage.avif_sha256)
            .join(twin, twin.sha256 == StoredImage.avif_sha256)
            .where(StoredImage.sha256.in_([_digest(each) for each in chain]))
        ).all()
    )


def _twins(chain: list[CleanImage], kept: dict[str, str]) -> list[CleanImage | None]:
    """The twins to store (encoded now, before any write): none for those kept with one."""
    return [None if _digest(each) in kept else avif_twin(each) for each in chain]


def _write(
    chain: list[CleanImage], twins: list[CleanImage | None], kept: dict[str, str], now: datetime
) -> str:
    """The chain's rows, each naming its copy and its twin (stored first). Returns the
    widest's digest."""
    smaller = None
    for image, twin in zip(chain, twins, strict=True):
        named = _upsert(twin, now) if twin is not None else kept.get(_digest(image))
        smaller = _upsert(image, now, smaller, named)
    assert smaller is not None
    return smaller


def store(image: CleanImage) -> StoredImage:
    """The picture's row, added unless the same bytes are kept already (then only its
    upload time moves, so that the purge leaves it alone), with its copies if it is a wide
    cover and the AVIF twins of all (processing.avif_twin). Commits: the picture outlives a
    form sent back with an error elsewhere. Nothing is encoded inside a transaction: on
    SQLite a POST holds the writer lock from its first read, and every worker's signups and
    door scans would wait for the encoding (a fifth of a second and more); the caller's
    reads end first, and the lock is taken again for the writes alone."""
    end_reads()
    chain = _chain(image)
    kept = _kept_twins(chain)
    end_reads()
    digest = _write(chain, _twins(chain, kept), kept, utcnow())
    db.session.commit()
    return db.session.get(StoredImage, digest)


def _wanting(users: list):
    """The JPEGs `users` point at that lack their copies, or whose twin or one of whose
    copies' twins is missing (never made, or its row gone)."""
    twin = aliased(StoredImage)
    chain, query = [StoredImage], select(StoredImage.sha256)
    for _ in COPY_WIDTHS:
        copy = aliased(StoredImage)
        query = query.outerjoin(copy, copy.sha256 == chain[-1].small_sha256)
        chain.append(copy)
    lacking = [and_(StoredImage.small_sha256.is_(None), StoredImage.width > min(COPY_WIDTHS))]
    if makes_avif():
        lacking += [
            and_(each.sha256.is_not(None), ~exists().where(twin.sha256 == each.avif_sha256))
            for each in chain
        ]
    return query.where(
        StoredImage.content_type == "image/jpeg",
        or_(*lacking),
        or_(*(exists().where(column == StoredImage.sha256) for column in users)),
    )


def add_copies(users: list, limit: int = 200) -> int:
    """Copies and AVIF twins of the pictures `users` (columns holding a digest) point at
    that lack them (kept before they were made, or a twin's row gone). Each picture is read,
    then encoded outside any transaction, then written in a short one of its own (on SQLite a
    transaction that read may not write once another committed). Commits each; how many
    pictures got theirs. One that fails is logged and left for the next round."""
    made = 0
    for digest in db.session.scalars(_wanting(users).limit(limit)).all():
        try:
            picture = db.session.get(StoredImage, digest)
            original = CleanImage(picture.data, picture.content_type, picture.width, picture.height)
            uploaded_at = picture.uploaded_at
            chain = _chain(original)
            kept = _kept_twins(chain)
            end_reads()
            _write(chain, _twins(chain, kept), kept, uploaded_at)
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("copies of picture %s not made", digest[:12])
            continue
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
