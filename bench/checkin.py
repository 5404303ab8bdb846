"""Door check-in under load: 8 scanners × 500 scans through gunicorn, against an evening of
5,000 registrations, next to a bare Flask "hello" baseline started in the same run.

Both under gunicorn (2 sync workers, SQLite in WAL mode), loaded from loopback by wrk with
bench/checkin.lua: 8 connections, one per scanner; each scan is a POST /api/v1/checkins with
a door token, a code and a fresh request id (the real path: token check, code lookup, the
row lock, the write, the answer). The hello baseline gets the same 8 connections for the
same number of requests. Targets (issue 5): p95 ≤ 25 ms and ≥ 40 % of hello's throughput.
Needs wrk (apt-get install wrk). With BENCH_POSTGRES_URL set, the application and the
baseline run on fresh PostgreSQL databases instead (bench/databases.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import bench_run, database_label  # noqa: E402
from bench.web import PYTHON, free_port, start_gunicorn, wait_for  # noqa: E402

SCANNERS = 8
SCANS = int(os.environ.get("BENCH_SCANS", 500))
PEOPLE = 5000


def _prepare(env: dict[str, str], codes_file: Path) -> tuple[str, str]:
    """The evening (on now), its 5,000 registrations and a door token, written with the
    application's own services. Returns (event slug, token)."""
    script = f"""
import random
from datetime import timedelta
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
    codes = []
    for n in range({PEOPLE}):
        code = new_ticket_code()
        codes.append(code)
        db.session.add(Registration(event_id=event.id, manage_token_hash=new_manage_token()[1],
            ticket_code=code, first_name="Camille", last_name=f"Bench {{n}}",
            email=f"bench{{n}}@example.org", status=RegistrationStatus.CONFIRMED))
    token, _ = auth.create_api_token(volunteer, "bench")
    db.session.commit()
    random.Random(5).shuffle(codes)
    open({str(codes_file)!r}, "w").write("\\n".join(codes))
    print(event.slug)
    print(token)
"""
    output = subprocess.run(
        [PYTHON, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return output[-2], output[-1]


def _load(url: str, env: dict[str, str], *, get: bool = False) -> dict[str, float]:
    """SCANNERS connections, one thread each, SCANS requests each (the Lua script stops it).
    Each connection has one request in flight, so the throughput is connections / mean
    latency."""
    command = ["wrk", f"-t{SCANNERS}", f"-c{SCANNERS}", "-d60s", "--timeout", "30s"]
    command += ["-s", str(ROOT / "bench" / "checkin.lua"), url]
    env = {**env, "MODE": "get" if get else "post"}
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    figures = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", output.split("LATENCY", 1)[1])}
    if figures["status_errors"] or figures["socket_errors"]:
        raise RuntimeError(f"{url}: errors\n{output}")
    return {
        "requests": figures["requests"],
        "rps": SCANNERS * 1_000_000 / figures["mean"],
        **{p: figures[p] / 1000 for p in ("p50", "p95", "p99")},  # wrk gives µs
    }


def _measure(workdir: Path, urls: dict[str, str]) -> dict[str, dict[str, float]]:
    codes = workdir / "codes.txt"
    env = {
        **os.environ,
        "SECRET_KEY": "bench-" + "x" * 40,
        "DATABASE_URL": urls["app"],
        "BASELINE_DATABASE_URL": urls["baseline"],
        "MEETUP_INSTANCE_PATH": str(workdir),
        "PYTHONPATH": str(ROOT),
    }
    flask = [PYTHON, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    slug, token = _prepare(env, codes)
    # The baseline creates its table on import: once here, not by two workers at once.
    subprocess.run([PYTHON, "-c", "import bench.baseline_app"], cwd=ROOT, env=env, check=True)
    load = {**env, "CODES": str(codes), "SCANS": str(SCANS), "TOKEN": token, "EVENT": slug}
    servers = []
    results = {}
    try:
        port = free_port()
        servers.append(start_gunicorn("bench.baseline_app:app", env, port))
        wait_for(f"http://127.0.0.1:{port}/")
        results["hello (baseline)"] = _load(f"http://127.0.0.1:{port}/", load, get=True)
        port = free_port()
        servers.append(start_gunicorn("wsgi:app", env, port))
        wait_for(f"http://127.0.0.1:{port}/healthz")
        # For reference, the application's own cheapest route (one SELECT 1): the ceiling
        # that its per-request work (logging, headers, limiter, sessions) leaves.
        results["app /healthz (ref.)"] = _load(f"http://127.0.0.1:{port}/healthz", load, get=True)
        results["check-in POST"] = _load(f"http://127.0.0.1:{port}", load)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    return results


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk")
        return 1
    with bench_run("meetup-bench-checkin-") as (workdir, urls):
        results = _measure(workdir, urls)

    print(
        f"{SCANNERS} scanners × {SCANS} scans, {PEOPLE} registrations, gunicorn 2 sync workers,"
        f" {database_label(urls['app'])}"
    )
    print(
        f"{'route':<22} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'/hello':>6}"
    )
    for name, r in results.items():
        print(
            f"{name:<22} {r['requests']:>8} {r['rps']:>8.0f} {r['p50']:>7.2f} {r['p95']:>7.2f}"
            f" {r['p99']:>7.2f} {r['rps'] / results['hello (baseline)']['rps']:>6.0%}"
        )
    ratio = results["check-in POST"]["rps"] / results["hello (baseline)"]["rps"]
    p95 = results["check-in POST"]["p95"]
    print()
    print(
        f"check-in / hello throughput: {ratio:.0%}  (target >= 40%)  {'ok' if ratio >= 0.4 else 'BELOW TARGET'}"
    )
    print(f"check-in p95: {p95:.1f} ms  (target <= 25 ms)  {'ok' if p95 <= 25 else 'ABOVE TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
