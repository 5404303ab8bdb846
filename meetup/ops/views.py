from __future__ import annotations

from flask import jsonify

from meetup.extensions import limiter
from meetup.ops import bp, health


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Each part's state (meetup.ops.health); 503 only when the site cannot serve."""
    body, status = health.report()
    return jsonify(body), status
