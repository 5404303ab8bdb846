from __future__ import annotations

from flask import jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from meetup.extensions import db, limiter
from meetup.ops import bp


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """200 while the database answers, 503 otherwise (for load balancers and systemd)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database=False), 503
    return jsonify(status="ok", database=True)
