"""Pictures kept in the database: every web host serves them, and backups hold them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetup.extensions import db
from meetup.images.processing import COPY_WIDTHS, EXTENSIONS
from meetup.timeutil import UTCDateTime, utcnow


class StoredImage(db.Model):
    """Re-encoded bytes (meetup.images.processing) under their SHA-256: the same picture is
    kept once, and its address never serves anything else (cached for a year)."""

    __tablename__ = "images"
    __table_args__ = (
        CheckConstraint("width > 0 AND height > 0", name="dimensions_positive"),
        CheckConstraint("byte_size = length(data)", name="byte_size_matches"),
    )

    #: Hex SHA-256 of `data`: the key, and the public address's only variable part.
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: image/png, image/jpeg or image/avif (a JPEG's twin), nothing else.
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    byte_size: Mapped[int] = mapped_column()
    #: PostgreSQL bytea, SQLite BLOB; loaded only to serve or print it.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    #: Last uploaded: an image nothing uses is deleted a day after this (store.purge).
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: A wide cover's next narrower copy (processing.copies), a picture of its own that
    #: names the next one in turn: 1,600 → 1,200 → 800 px. No foreign key, as the digests
    #: that point at pictures (Event.cover_sha256).
    small_sha256: Mapped[str | None] = mapped_column(String(64), index=True)

    #: A cover's (or a copy's) same pixels as AVIF (processing.avif_twin): pages offer it
    #: beside the JPEG, which emails and older browsers take. No foreign key, as above.
    avif_sha256: Mapped[str | None] = mapped_column(String(64), index=True)

    small: Mapped[StoredImage | None] = relationship(
        primaryjoin="foreign(StoredImage.small_sha256) == remote(StoredImage.sha256)",
        viewonly=True,
    )
    #: Read with the picture (its data column aside), in the same query: a page showing a
    #: cover asks for no more queries than before the twins.
    avif: Mapped[StoredImage | None] = relationship(
        primaryjoin="foreign(StoredImage.avif_sha256) == remote(StoredImage.sha256)",
        viewonly=True,
        lazy="joined",
        join_depth=1,
    )

    @property
    def with_copies(self) -> list[StoredImage]:
        """This picture and its copies, widest first (a query per copy: pages that show
        them are kept, meetup.kept_pages)."""
        chain: list[StoredImage] = [self]
        while len(chain) <= len(COPY_WIDTHS) and chain[-1].small is not None:
            chain.append(chain[-1].small)
        return chain

    def at_least(self, width: int) -> StoredImage:
        """The narrowest of this picture and its copies at least `width` wide (this one if
        none is)."""
        return next((each for each in reversed(self.with_copies) if each.width >= width), self)

    @property
    def avif_copies(self) -> list[StoredImage]:
        """The AVIF twins of with_copies, widest first; none unless each has one (a cover
        kept before twins were made gets them from the worker's daily round)."""
        twins = [each.avif for each in self.with_copies]
        return twins if all(twins) else []

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    def __repr__(self) -> str:
        return f"<StoredImage {self.sha256[:12]} {self.width}x{self.height}>"
