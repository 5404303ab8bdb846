"""Prometheus metrics at /metrics.

Counted as things happen: requests by method, route pattern and status, with their latency;
signups by outcome; door scans by answer. Read from the database when scraped (a collector,
not on every request): mail due and failed, registrations by geocoding state, seconds since
a worker last began a round. Labels are never personal data nor unbounded values: the route
pattern ("/r/<token>"), never the path; HTTP methods outside a fixed list count as "other".

Under gunicorn, each worker is a process of its own: with PROMETHEUS_MULTIPROC_DIR set
(deploy/meetup.service), prometheus_client writes each process's counts to files there and a
scrape, answered by any worker, adds them up (gunicorn.conf.py empties the folder at start
and tells the library when a worker exits). Without it (tests, `flask run`), one process's
own registry.

/metrics answers only with `Authorization: Bearer METRICS_TOKEN` (compared in constant time)
or to a request from loopback that came through no proxy (Prometheus on the same host
scraping 127.0.0.1:8000); anything else gets a 404, as if there were no such page.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import os
from collections.abc import Iterator

from flask import Flask, Request, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from meetup.counters import LATENCY, REGISTRY, REQUESTS
from meetup.extensions import db
from meetup.ops import health
from meetup.ops.logs import elapsed_seconds, route_pattern
from meetup.registrations.models import LocationStatus, Registration
from meetup.timeutil import utcnow

#: A shorter METRICS_TOKEN is refused at start (meetup._check_observability).
MIN_TOKEN_LENGTH = 16
#: Headers that say a request came through a proxy (nginx sends the first).
PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")
#: Methods counted by name; anything else a client sends is "other" (labels stay bounded).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _count_request(response: Response) -> Response:
    method = request.method if request.method in METHODS else "other"
    route = route_pattern()
    REQUESTS.labels(method=method, route=route, status=str(response.status_code)).inc()
    LATENCY.labels(method=method, route=route).observe(elapsed_seconds())
    return response


# -- read at scrape time ------------------------------------------------------------------------


class DatabaseCollector(Collector):
    """Gauges read from the database at each scrape, in a few small queries (health's own:
    /healthz, the admin banner and the alerts read the same state). If the database does
    not answer, only `meetup_database_up 0` is reported."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("meetup_database_up", "1 if the database answered the scrape.")
        try:
            families = list(self._families())
        except SQLAlchemyError:
            db.session.rollback()
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self) -> Iterator[Metric]:
        now = utcnow()
        mail = health.mail_state(now)
        yield _gauge("meetup_outbox_due_messages", "Emails due to be sent now.", mail.due)
        yield _gauge(
            "meetup_outbox_oldest_due_seconds",
            "How long the oldest email due has been waiting (0 if none).",
            mail.oldest_due.total_seconds(),
        )
        yield _gauge(
            "meetup_outbox_failing_last_hour",
            "Emails whose last delivery attempt, in the last hour, failed (retrying or given up).",
            mail.failing_last_hour,
        )
        yield _gauge(
            "meetup_outbox_failed_last_day",
            "Emails given up on (failed), among those written in the last day.",
            mail.failed_last_day,
        )
        last = health.last_worker_beat()
        yield _gauge(
            "meetup_worker_heartbeat_age_seconds",
            "Seconds since a background worker last began a round (+Inf if none ever did).",
            (now - last).total_seconds() if last is not None else math.inf,
        )
        states = GaugeMetricFamily(
            "meetup_registrations_by_location_state",
            "Registrations by where their office's pin stands (pending: waiting for the "
            "geocoder; failed: it kept failing; not_found, found, placed, none).",
            labels=["state"],
        )
        counts = dict(
            db.session.execute(
                select(Registration.location_status, func.count()).group_by(
                    Registration.location_status
                )
            ).all()
        )
        for state in LocationStatus:
            states.add_metric([state.value], counts.get(state, 0))
        yield states
        db.session.commit()  # end the read transaction (SQLite: let writers in)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class _ProcessMetrics(Collector):
    """This process's own registry, for a scrape in single-process mode."""

    def collect(self) -> Iterator[Metric]:
        return REGISTRY.collect()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> bytes:
    """The whole scrape: the counters (every worker's, in multiprocess mode) and the gauges
    read from the database now."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(DatabaseCollector())
    return generate_latest(registry)


# -- who may read them ------------------------------------------------------------------------


def _from_loopback_directly(req: Request) -> bool:
    """From this host and through no proxy: a request nginx forwards comes from 127.0.0.1 too,
    but carries X-Forwarded-For."""
    if any(name in req.headers for name in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(req.remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _bearer(req: Request) -> str | None:
    scheme, _, value = req.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def access(req: Request) -> int:
    """200 if `req` may read the metrics; 401 for a wrong token (one is set); else 404."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    given = _bearer(req)
    if token and given is not None:
        if hmac.compare_digest(given.encode(), token.encode()):
            return 200
        return 401
    return 200 if _from_loopback_directly(req) else 404


def init_app(app: Flask) -> None:
    app.after_request(_count_request)


__all__ = ["CONTENT_TYPE_LATEST", "access", "exposition", "init_app"]
