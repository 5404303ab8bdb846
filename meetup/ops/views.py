from __future__ import annotations

from flask import abort, jsonify, request

from meetup.extensions import limiter
from meetup.ops import bp, health, metrics


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Each part's state (meetup.ops.health); 503 only when the site cannot serve."""
    body, status = health.report()
    return jsonify(body), status


@bp.get("/metrics")
@limiter.exempt
def prometheus_metrics():
    """Prometheus' scrape (meetup.ops.metrics): with the token, or from loopback directly."""
    status = metrics.access(request)
    if status == 401:
        return "", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}
    if status != 200:
        abort(404)
    return (
        metrics.exposition(),
        200,
        {
            "Content-Type": metrics.CONTENT_TYPE_LATEST,
            "Cache-Control": "no-store",
        },
    )
