"""The second part of bench/neighbours.py: one attendee's neighbour page through the app, with
100,000 attendees in the database (SQLite in WAL mode, or DATABASE_URL's PostgreSQL).

The installation: 20 series × 50 past evenings × 100 registrations, offices uniform in the
same 50 × 50 km box as the first part, four in five checked in, visibility mixed, every
directory open. Each sample is a random attendee who came, looking at their evening's
directory page and at their series' community page (the page that lists "your neighbours"
first): the request through the Flask app (routing, session, queries, template), timed in
process, without the network. Target: p95 ≤ 50 ms.

Each directory's list is computed on the first view after a change and kept
(meetup/directory/listing_cache.py); those first views are counted in the figures and shown
apart. With 20 communities, 1,000 samples make 2 % of community views first views.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

SERIES = 20
EVENTS_PER_SERIES = 50
PER_EVENT = 100
TARGET_P95_MS = 50.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _populate(
    app, rng: random.Random, centre, box_metres: float
) -> list[tuple[int, str, str, bool]]:
    """Insert the installation with Core inserts; returns (registration id, event slug,
    series slug, in the community) of everyone who came."""
    from sqlalchemy import insert

    from meetup.events.models import Event, Series
    from meetup.extensions import db
    from meetup.registrations.models import Registration
    from meetup.registrations.tokens import new_ticket_code

    now = datetime.now(UTC).replace(microsecond=0)
    m_per_deg_lat = 111_320.0
    import math

    m_per_deg_lon = m_per_deg_lat * math.cos(math.radians(centre[0]))
    came = []
    sectors = ["digital", "finance", "legal", "craft", "retail", "consulting", ""]
    with app.app_context():
        for s in range(SERIES):
            series = Series(
                slug=f"bench-series-{s}",
                name=f"Bench series {s}",
                timezone="Europe/Paris",
                neighbour_radius_m=300,
                directory_delay_hours=12,
            )
            db.session.add(series)
            db.session.flush()
            for e in range(EVENTS_PER_SERIES):
                starts = now - timedelta(days=30 * (EVENTS_PER_SERIES - e))
                event = Event(
                    series_id=series.id,
                    slug=f"bench-{s}-{e}",
                    title=f"Evening {e}",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    capacity=PER_EVENT,
                    status="published",
                    directory_opened_at=starts + timedelta(hours=14),
                    directory_announced_at=starts + timedelta(hours=14),
                )
                db.session.add(event)
                db.session.flush()
                rows = []
                for p in range(PER_EVENT):
                    n = (s * EVENTS_PER_SERIES + e) * PER_EVENT + p
                    checked = rng.random() < 0.8
                    north = rng.uniform(-box_metres / 2, box_metres / 2)
                    east = rng.uniform(-box_metres / 2, box_metres / 2)
                    rows.append(
                        {
                            "event_id": event.id,
                            "manage_token_hash": f"{n:064x}",
                            "ticket_code": new_ticket_code(),
                            "source": "public",
                            "first_name": f"Prénom{n}",
                            "last_name": f"Nom{n}",
                            "email": f"person{n}@bench.example.org",
                            "company": f"Entreprise {n}",
                            "sector": rng.choice(sectors),
                            "help_with": rng.choice(
                                ["Comptabilité", "Sites internet", "Droit des sociétés", ""]
                            ),
                            "looking_for": rng.choice(["un comptable", "des clients", ""]),
                            "street": f"{n % 90 + 1} rue du Banc",
                            "postcode": "38200",
                            "city": "Vienne",
                            "latitude": centre[0] + north / m_per_deg_lat,
                            "longitude": centre[1] + east / m_per_deg_lon,
                            # As settled (registrations/positions.py): a bulk insert goes
                            # around the ORM's rule, and lists read these.
                            "near_latitude": centre[0] + north / m_per_deg_lat,
                            "near_longitude": centre[1] + east / m_per_deg_lon,
                            "location_status": "found",
                            "visibility": rng.choice(
                                ["attendees", "community", "community", "nobody"]
                            ),
                            "share_email": rng.random() < 0.3,
                            "accept_introductions": rng.random() < 0.7,
                            "status": "confirmed",
                            "status_changed_at": starts - timedelta(days=3),
                            "checked_in_at": starts + timedelta(minutes=10) if checked else None,
                            "created_at": starts - timedelta(days=3),
                        }
                    )
                result = db.session.execute(
                    insert(Registration).returning(
                        Registration.id, Registration.checked_in_at, Registration.visibility
                    ),
                    rows,
                )
                for registration_id, checked_in_at, visibility in result:
                    if checked_in_at is not None:
                        in_community = visibility == "community"
                        came.append((registration_id, event.slug, series.slug, in_community))
        db.session.commit()
    return came


def run(args, centre, box_metres: float) -> bool:
    """Prints the figures; returns whether p95 met the target on both pages."""
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
    from flask_migrate import upgrade

    from meetup import create_app
    from meetup.config import Config
    from meetup.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="meetup-bench-neighbours-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"
    config = type(
        "BenchConfig",
        (Config,),
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 40, "GEOCODER": "none"},
    )
    app = create_app(config, instance_path=str(workdir))
    import logging

    logging.getLogger("meetup.requests").setLevel(logging.WARNING)  # one line a request
    total = SERIES * EVENTS_PER_SERIES * PER_EVENT
    print(f"\nneighbour page with {total:,} attendees in the database ({url.split(':')[0]})")
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        upgrade()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    came = _populate(app, rng, centre, box_metres)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
    print(f"  loaded in {time.perf_counter() - started:.1f} s; {len(came):,} came")

    from meetup.extensions import db as _db
    from meetup.registrations.models import Registration

    samples = rng.sample(came, min(args.page_samples, len(came)))
    from meetup.directory import listing_cache

    timings: dict[str, list[float]] = {"event directory": [], "community": []}
    #: Views that had to compute their list (the first of a directory since it changed).
    first_views: dict[str, list[float]] = {"event directory": [], "community": []}
    neighbours_seen = []
    client = app.test_client()
    for registration_id, event_slug, series_slug, in_community in samples:
        with app.app_context():
            proof = _db.session.get(Registration, registration_id).manage_token_hash[:16]
        with client.session_transaction() as session:
            session["attendee"] = [registration_id, proof]
        pages = [("event directory", f"/events/{event_slug}/directory")]
        if in_community:  # the community page is for those in it; others rightly get 403
            pages.append(("community", f"/series/{series_slug}/community"))
        for name, path in pages:
            computed = listing_cache.computed
            t0 = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - t0) * 1000
            timings[name].append(elapsed)
            if listing_cache.computed != computed:
                first_views[name].append(elapsed)
            assert response.status_code == 200, (path, response.status_code)
            if name == "community":
                neighbours_seen.append(response.get_data(as_text=True).count('class="distance'))
    ok = True
    for name, values in timings.items():
        p50, p95, p99 = (_percentile(values, q) for q in (0.5, 0.95, 0.99))
        passed = p95 <= TARGET_P95_MS
        ok &= passed
        print(
            f"  {name:16} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms  "
            f"({len(values)} pages)  {'PASS' if passed else 'FAIL'} (target p95 <= "
            f"{TARGET_P95_MS:g} ms)"
        )
        if first_views[name]:
            print(
                f"    of which {len(first_views[name])} first views of a list since it changed "
                f"(computed, then kept): p50 {_percentile(first_views[name], 0.5):.1f} ms, "
                f"max {max(first_views[name]):.1f} ms"
            )
    print(
        f"  neighbours shown on a community page: mean {statistics.mean(neighbours_seen):.1f}, "
        f"max {max(neighbours_seen)}"
    )
    return ok
