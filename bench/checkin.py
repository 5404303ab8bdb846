"""Door check-in under load: 8 scanners through gunicorn, against an evening of thousands of
registrations, next to a bare baseline running the same statements (bench/baseline_app.py),
in alternating rounds of one run (bench/rounds.py).

Both are served by gunicorn with gunicorn.conf.py (2 sync workers), on databases of the same
schema and data (the application's migrations, then the same evening, volunteer, door token
and registrations written on each), loaded from loopback by wrk with bench/checkin.lua: 8
connections; each scan is a POST /api/v1/checkins with a door token, the evening, a code and
a fresh request id (token check, evening and team, code lookup, the claim, the webhooks'
read, the request id remembered, the answer). Every scan checks a different person in: each
round takes a fresh share of the codes. Targets (issue 23): the app >= 65 % of the baseline's
throughput, p95 <= 25 ms. Needs wrk (apt-get install wrk). With BENCH_POSTGRES_URL set, both
run on fresh PostgreSQL databases instead (bench/databases.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import rounds  # noqa: E402
from bench.databases import bench_run, database_label  # noqa: E402

#: Codes each wrk thread may use in one round: more than a thread can scan in it.
PER_THREAD = int(rounds.SECONDS * 800)
THREADS = min(2, rounds.CONNECTIONS)
#: A share per round, and one for the warm-up.
PEOPLE = (rounds.ROUNDS + 1) * THREADS * PER_THREAD


def prepare(env: dict[str, str], url: str, codes_file: Path) -> tuple[str, str]:
    """The evening (on now), its PEOPLE registrations and a door token, written with the
    application's own services. Returns (event slug, token)."""
    env = {**env, "DATABASE_URL": url}
    flask = [rounds.PYTHON, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    script = f"""
import random
from datetime import timedelta
from sqlalchemy import insert
from meetup import create_app
from meetup.auth import services as auth
from meetup.events import services as events
from meetup.events.models import EventStatus
from meetup.extensions import db
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.registrations.tokens import new_manage_token, new_ticket_code
from meetup.timeutil import utcnow

app = create_app()
with app.app_context():
    volunteer = auth.create_user("porte@bench.example.org", "door", "bench-password-123")
    series = events.create_series(name="Bench", city="Vienne", timezone="Europe/Paris", team=[volunteer])
    now = utcnow().replace(microsecond=0)
    event = events.create_event(series, title="Bench", theme="Bench", starts_at=now - timedelta(minutes=30),
                                ends_at=now + timedelta(hours=2), capacity={PEOPLE},
                                status=EventStatus.PUBLISHED)
    db.session.flush()
    codes = [new_ticket_code() for _ in range({PEOPLE})]
    db.session.execute(insert(Registration), [
        dict(event_id=event.id, manage_token_hash=new_manage_token()[1], ticket_code=code,
             first_name="Camille", last_name=f"Bench {{n}}", email=f"bench{{n}}@example.org",
             status=RegistrationStatus.CONFIRMED)
        for n, code in enumerate(codes)])
    token, _ = auth.create_api_token(volunteer, "bench")
    db.session.commit()
    random.Random(5).shuffle(codes)
    open({str(codes_file)!r}, "w").write("\\n".join(codes))
    print(event.slug)
    print(token)
"""
    output = subprocess.run(
        [rounds.PYTHON, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return output[-2], output[-1]


def scan_load(server: rounds.Server, codes: Path, slug: str, token: str) -> rounds.Load:
    share = THREADS * PER_THREAD
    return rounds.Load(
        server.base,
        "checkin.lua",
        {"CODES": str(codes), "TOKEN": token, "EVENT": slug, "PER_THREAD": str(PER_THREAD)},
        before=lambda number: {"OFFSET": str(number * share), "RUN": str(number)},
    )


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk")
        return 1
    print(f"load before: {rounds.load_average()}", flush=True)
    with bench_run("meetup-bench-checkin-") as (workdir, urls):
        env = {
            **os.environ,
            "SECRET_KEY": "bench-" + "x" * 40,
            "BASELINE_DATABASE_URL": urls["baseline"],
            "MEETUP_INSTANCE_PATH": str(workdir),
            "PYTHONPATH": str(ROOT),
        }
        loads = {}
        for side in ("app", "baseline"):
            codes = workdir / f"codes-{side}.txt"
            loads[side] = (codes, *prepare(env, urls[side], codes))
        app = rounds.Server("wsgi:app", {**env, "DATABASE_URL": urls["app"]}, "/healthz")
        baseline = rounds.Server("bench.baseline_app:app", env)
        try:
            pair = rounds.Pair(
                "door scan POST",
                scan_load(app, *loads["app"]),
                scan_load(baseline, *loads["baseline"]),
            )
            results = rounds.alternate([pair], app, baseline)
        finally:
            app.stop()
            baseline.stop()
    print(f"load after: {rounds.load_average()}")
    print(
        f"gunicorn.conf.py (2 sync workers), {database_label(urls['app'])}, {rounds.CONNECTIONS}"
        f" scanners, {rounds.ROUNDS} rounds of {rounds.SECONDS:g} s, {PEOPLE} registrations;"
        " latencies in ms, CPU ms per request (workers)"
    )
    figures = rounds.summary(results)
    rounds.print_summary(figures)
    scan = figures["door scan POST"]
    print()
    print(
        f"door scan / same-statements baseline: {scan['ratio'][0]:.0%}"
        f" ({scan['ratio'][1]:.0%}-{scan['ratio'][2]:.0%}; target >= 65%),"
        f" p95 {scan['app']['p95']:.1f} ms (target <= 25 ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
