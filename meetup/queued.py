"""Requests queued for the worker ("send me my link again", "forgot my password"): a row the
form writes whatever the address, so its answer takes the same time, and the worker takes."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Row, delete, select

from meetup.extensions import db
from meetup.writelock import first_write


def take_each(model, *columns, limit: int = 50) -> Iterator[Row]:
    """The oldest `limit` rows of `model` (their `columns`), each deleted as it is taken, so
    two workers never take one twice (a worker stopped in between loses it, and the person
    asks again). Commits."""
    ids = db.session.scalars(select(model.id).order_by(model.id).limit(limit)).all()
    db.session.commit()
    for request_id in ids:
        taken = first_write(delete(model).where(model.id == request_id).returning(*columns)).first()
        db.session.commit()
        if taken is not None:  # else another worker took it
            yield taken
