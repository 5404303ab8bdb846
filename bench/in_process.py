"""In-process timings, which a busy machine disturbs much less than throughput: the CPU time
(time.process_time) of one request through Flask's test client, median of BENCH_REPEATS
batches of BENCH_REQUESTS requests, on a scratch SQLite database (or BENCH_POSTGRES_URL's).

  signup form GET      the empty form a visitor opens (target: <= 2 ms)
  event page GET       the public page of an evening as its registrations grow from 50 to
                       20,000 (target: flat); kept per worker (meetup.kept_pages), and at
                       500 also rendered each time, as after every signup or edit

Run: .venv/bin/python bench/in_process.py
"""

from __future__ import annotations

import logging
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import bench_run, database_label  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", 300))
REPEATS = int(os.environ.get("BENCH_REPEATS", 5))
SIZES = (50, 500, 5000, 20000)


def cpu_ms(call, requests: int = REQUESTS, repeats: int = REPEATS) -> float:
    """Median CPU milliseconds of `call()` over `repeats` batches (after a warm-up)."""
    for _ in range(50):
        call()
    batches = []
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(requests):
            call()
        batches.append(1000 * (time.process_time() - start) / requests)
    return statistics.median(batches)


def main() -> int:
    with bench_run("meetup-bench-inprocess-") as (workdir, urls):
        os.environ.update(
            SECRET_KEY="bench-" + "x" * 40,
            DATABASE_URL=urls["app"],
            MEETUP_INSTANCE_PATH=str(workdir),
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run(
            [*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        subprocess.run([*flask, "demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True)
        figures = _measure()
    print(f"in process, {database_label(urls['app'])}, CPU ms per request (median of {REPEATS})")
    for name, value in figures.items():
        print(f"  {name:<40} {value:6.2f} ms")
    return 0


def _measure() -> dict[str, float]:
    from sqlalchemy import func, insert, select

    from meetup import kept_pages
    from meetup.events.models import Event, EventStatus
    from meetup.extensions import db
    from meetup.registrations.models import Registration, RegistrationStatus
    from meetup.registrations.tokens import new_manage_token, new_ticket_code
    from meetup.timeutil import utcnow
    from wsgi import app

    logging.getLogger("meetup.requests").setLevel(logging.WARNING)
    with app.app_context():
        event = db.session.scalars(
            select(Event)
            .where(Event.status == EventStatus.PUBLISHED, Event.starts_at > utcnow())
            .order_by(Event.starts_at)
        ).first()
        slug, event_id = event.slug, event.id
        db.session.execute(
            Event.__table__.update().where(Event.id == event_id).values(capacity=10**6)
        )
        db.session.commit()
    client = app.test_client()
    figures = {}

    def get(path: str):
        def call():
            response = client.get(path)
            assert response.status_code == 200, response.status_code

        return call

    page = client.get(f"/events/{slug}/signup").text
    fields = len(set(re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', page)))
    figures[f"signup form GET ({fields} fields)"] = cpu_ms(get(f"/events/{slug}/signup"))
    client.set_cookie("lang", "en")
    figures["signup form GET, in English"] = cpu_ms(get(f"/events/{slug}/signup"))
    client.delete_cookie("lang")
    for size in SIZES:
        with app.app_context():
            have = db.session.scalar(select(func.count()).where(Registration.event_id == event_id))
            rows = [
                {
                    "event_id": event_id,
                    "manage_token_hash": new_manage_token()[1],
                    "ticket_code": new_ticket_code(),
                    "first_name": "Camille",
                    "last_name": f"Bench {n}",
                    "email": f"bench{n}@example.org",
                    "status": RegistrationStatus.CONFIRMED,
                    "checked_in_at": utcnow() if n % 3 == 0 else None,
                }
                for n in range(have, size)
            ]
            if rows:
                db.session.execute(insert(Registration), rows)
            db.session.commit()
        figures[f"event page GET, {size} registrations"] = cpu_ms(get(f"/events/{slug}"))
        if size == 500:  # what a visitor costs when the page changed since (a signup, an edit)
            figures["event page GET, 500, rendered each time"] = cpu_ms(
                _forgetting(app, kept_pages, get(f"/events/{slug}"))
            )
    return figures


def _forgetting(app, kept_pages, call):
    """`call`, with no page kept before it."""

    def forget_then_call():
        with app.app_context():
            kept_pages.forget()
        call()

    return forget_then_call


if __name__ == "__main__":
    sys.exit(main())
