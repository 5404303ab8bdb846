"""What the app counts as things happen, for Prometheus (meetup.ops.metrics exposes them at
/metrics): requests and their latency, signups by outcome, door scans by answer, public pages
served from the kept ones. At the bottom of the layers, so that a feature's service counts
without importing operations.
Labels are never personal data nor unbounded values.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

#: Seconds: from a cached page (a few ms) to a full label sheet's PDF (gunicorn's timeout: 60).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

#: The process's own metrics. In multiprocess mode they are written to files as well, and
#: the scrape reads those (this registry is then never exposed, so nothing counts twice).
REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "meetup_http_requests",
    "HTTP requests answered, by method, route pattern and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "meetup_http_request_duration_seconds",
    "Time to answer HTTP requests, by method and route pattern.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
SIGNUPS = Counter(
    "meetup_signups",
    "New registrations, by outcome (confirmed or waitlisted) and source (public, api…).",
    ["outcome", "source"],
    registry=REGISTRY,
)
CHECKINS = Counter(
    "meetup_checkins",
    "Door scans and walk-ins, by answer (ok, already, waitlisted, unknown, walk_in…).",
    ["answer"],
    registry=REGISTRY,
)

KEPT_PAGES = Counter(
    "meetup_kept_pages",
    "Public pages (the evening's, its signup form) by how they were made: served from the "
    "page kept for everyone (kept), rendered and kept (rendered), rendered for one visitor "
    "only (personal: logged in, or a message to show), or rendered and not kept "
    "(unkept: its form's token showed more than once).",
    ["page", "outcome"],
    registry=REGISTRY,
)


def signup(outcome: str, source: str) -> None:
    """A new registration (meetup.registrations.services.register)."""
    SIGNUPS.labels(outcome=str(outcome), source=str(source)).inc()


def check_in(answer: str) -> None:
    """A door scan's answer (meetup.checkin.services), or "walk_in"."""
    CHECKINS.labels(answer=str(answer)).inc()


def kept_page(page: str, outcome: str) -> None:
    """A public page served (meetup.kept_pages): "kept", "rendered", "personal" or
    "unkept"."""
    KEPT_PAGES.labels(page=page, outcome=outcome).inc()
