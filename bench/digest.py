"""The monthly neighbourhood digest of one big club: how long the worker's job takes to claim
and queue every member's digest, and to write them out (compose the drafts).

The club: 24 past monthly evenings × 100 registrations (everyone new, so the community
grows by ~40 people a month), offices uniform in a 3 × 3 km town centre, four in five
checked in, half of them in the community, 40 % asking for news; the series' radius 300 m.
SQLite in WAL mode (or DATABASE_URL's PostgreSQL), in process.

usage: python bench/digest.py [--evenings 24] [--per-evening 100] [--seed 1]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CENTRE = (45.5255, 4.8745)
BOX_METRES = 3000.0


def _populate(app, args, rng: random.Random, at: datetime) -> str:
    from sqlalchemy import insert

    from meetup.events.models import Event, Series
    from meetup.extensions import db
    from meetup.registrations.models import Registration
    from meetup.registrations.tokens import new_ticket_code

    per_lat = 111_320.0
    per_lon = per_lat * math.cos(math.radians(CENTRE[0]))
    with app.app_context():
        series = Series(
            slug="bench-digest",
            name="Bench digest",
            timezone="Europe/Paris",
            neighbour_radius_m=300,
            digest_enabled=True,
            digest_day=1,
        )
        db.session.add(series)
        db.session.flush()
        for e in range(args.evenings + 1):
            starts = at - timedelta(days=30 * (args.evenings - e) + 10)
            if e == args.evenings:
                starts = at + timedelta(days=20)  # the next evening, ahead
            event = Event(
                series_id=series.id,
                slug=f"bench-digest-{e}",
                title=f"Evening {e}",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=200,
                status="published",
            )
            db.session.add(event)
            db.session.flush()
            if e == args.evenings:
                break
            rows = []
            for p in range(args.per_evening):
                n = e * args.per_evening + p
                north = rng.uniform(-BOX_METRES / 2, BOX_METRES / 2)
                east = rng.uniform(-BOX_METRES / 2, BOX_METRES / 2)
                lat, lon = CENTRE[0] + north / per_lat, CENTRE[1] + east / per_lon
                checked = rng.random() < 0.8
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
                        "help_with": rng.choice(["Comptabilité", "Sites internet", ""]),
                        "latitude": lat,
                        "longitude": lon,
                        "near_latitude": lat,
                        "near_longitude": lon,
                        "location_status": "found",
                        "visibility": rng.choice(["community", "attendees"]),
                        "news": rng.random() < 0.4,
                        "language": rng.choice(["fr", "en"]),
                        "status": "confirmed",
                        "status_changed_at": starts - timedelta(days=3),
                        "checked_in_at": starts + timedelta(minutes=10) if checked else None,
                        "created_at": starts - timedelta(days=3),
                    }
                )
            db.session.execute(insert(Registration), rows)
        db.session.commit()
        return series.slug


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evenings", type=int, default=24)
    parser.add_argument("--per-evening", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
    from flask_migrate import upgrade

    from meetup import create_app
    from meetup.config import Config
    from meetup.directory import digest
    from meetup.extensions import db
    from meetup.mail import services as mail

    workdir = Path(tempfile.mkdtemp(prefix="meetup-bench-digest-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"
    config = type(
        "BenchConfig",
        (Config,),
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 40, "GEOCODER": "none"},
    )
    app = create_app(config, instance_path=str(workdir))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        upgrade()
    now = datetime.now(UTC).replace(microsecond=0)
    at = datetime(now.year, now.month, 1, 8, tzinfo=UTC)  # 09:00 Paris in winter
    _populate(app, args, random.Random(args.seed), at)
    total = args.evenings * args.per_evening
    print(f"\nneighbourhood digest of one club: {total:,} registrations ({url.split(':')[0]})")
    with app.app_context():
        started = time.perf_counter()
        report = digest.send_due(now=at + timedelta(hours=1))
        queued = time.perf_counter() - started
        people = report.sent + report.nothing
        print(
            f"  claim and queue: {queued:.2f} s for {people} members asking for news "
            f"({queued / max(people, 1) * 1000:.1f} ms each); {report.summary()}"
        )
        started = time.perf_counter()
        written = 0
        while True:
            done = mail.compose_drafts(limit=500)
            written += done
            if not done:
                break
        composed = time.perf_counter() - started
        print(
            f"  written out: {composed:.2f} s for {written} emails "
            f"({composed / max(written, 1) * 1000:.1f} ms each)"
        )
        started = time.perf_counter()
        again = digest.send_due(now=at + timedelta(hours=2))
        print(
            f"  the next round, all claimed: {(time.perf_counter() - started) * 1000:.0f} ms, "
            f"{again.sent} queued"
        )


if __name__ == "__main__":
    main()
