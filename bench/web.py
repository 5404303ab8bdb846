"""Web throughput: the application's public pages and signup against bare baselines doing
the same work (bench/baseline_app.py), in alternating rounds of one run (bench/rounds.py).

Both are served by gunicorn with gunicorn.conf.py (2 sync workers), on databases of the same
schema and data (migrations and the demo, then 500 registrations on the demo's next
evening, whose capacity is raised so that every signup gets a seat), the signup rate limit
counted in Redis (BENCH_REDIS_URL, by default redis://127.0.0.1:6379/15; its limiter keys
only) as in production. Loaded from loopback with wrk, 8 connections.

  signup POST     the full 23-field form (what a person fills in), a fresh email each time:
                  the app's signup against the baseline's same statements and form
  signup form GET the app's page against the baseline's form (same statements, compiled
                  template, CSRF token)
  event page GET  the app alone (target: >= 800 req/s, p99 <= 50 ms)

Targets (issue 23): signup POST >= 80 % of the baseline, p99 <= 50 ms. The in-process
figures (form GET <= 2 ms, the event page as registrations grow) are bench/in_process.py's.
Needs wrk (apt-get install wrk) and Redis. With BENCH_POSTGRES_URL set, both run on fresh
PostgreSQL databases instead (bench/databases.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import rounds  # noqa: E402
from bench.databases import bench_run, database_label  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
SERIES = "/series/cafe-des-entreprenants-de-vienne"
REGISTRATIONS = int(os.environ.get("BENCH_REGISTRATIONS", 500))

#: What a person fills in: every field of the signup form (23, the bot trap left empty).
FORM = {
    "first_name": "Camille",
    "last_name": "Bench",
    "email": "EMAIL",
    "company": "Bench SARL",
    "job_title": "Gérante",
    "sector": "digital",
    "help_with": "Sites web pour les commerces, référencement local",
    "looking_for": "Un expert-comptable, des clients artisans",
    "website": "https://bench.example.org",
    "phone": "+33 4 74 00 00 00",
    "street": "12 rue de la République",
    "postcode": "38200",
    "city": "Vienne",
    "street_on_badge": "y",
    "visibility": "attendees",
    "share_email": "y",
    "share_phone": "y",
    "share_address": "y",
    "accept_introductions": "y",
    "notify_new_neighbours": "y",
    "news": "y",
    "language": "fr",
    "nickname": "",
}


def prepare(env: dict[str, str], url: str) -> str:
    """Migrations, the demo, REGISTRATIONS people on its next evening (capacity raised):
    the same on both databases. Returns the evening's slug."""
    env = {**env, "DATABASE_URL": url}
    flask = [rounds.PYTHON, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True)
    script = f"""
from sqlalchemy import func, insert, select, update
from meetup import create_app
from meetup.events.models import Event, EventStatus
from meetup.extensions import db
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.registrations.tokens import new_manage_token, new_ticket_code
from meetup.timeutil import utcnow

app = create_app()
with app.app_context():
    event = db.session.scalars(select(Event).where(Event.status == EventStatus.PUBLISHED,
        Event.starts_at > utcnow()).order_by(Event.starts_at)).first()
    have = db.session.scalar(select(func.count()).where(Registration.event_id == event.id))
    rows = [dict(event_id=event.id, manage_token_hash=new_manage_token()[1],
                 ticket_code=new_ticket_code(), first_name="Camille", last_name=f"Bench {{n}}",
                 email=f"bench{{n}}@example.org", status=RegistrationStatus.CONFIRMED)
            for n in range(max({REGISTRATIONS} - have, 0))]
    if rows:
        db.session.execute(insert(Registration), rows)
    db.session.execute(update(Event).where(Event.id == event.id).values(capacity=10**6))
    db.session.commit()
    print(event.slug)
"""
    output = subprocess.run(
        [rounds.PYTHON, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return output.stdout.split()[-1]


def session_and_token(url: str) -> tuple[str, str]:
    """A browser's visit: the session cookie and the form's CSRF token that go with it."""
    with urllib.request.urlopen(url) as response:  # noqa: S310 - loopback only
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        html = response.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    token = token or re.search(r'type="hidden" name="csrf_token" value="([^"]+)"', html)
    return cookie, token.group(1)


def signup_load(server: rounds.Server, slug: str) -> rounds.Load:
    url = f"{server.base}/events/{slug}/signup"
    cookie, token = session_and_token(url)
    body = f"csrf_token={quote(token)}&" + urlencode(FORM)
    return rounds.Load(
        url,
        "post.lua",
        {"BODY": body, "COOKIE": cookie},
        before=lambda number: {"RUN": f"{server.port}-{number}"},
    )


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk")
        return 1
    print(f"load before: {rounds.load_average()}", flush=True)
    with bench_run("meetup-bench-") as (workdir, urls):
        env = {
            **os.environ,
            "SECRET_KEY": "bench-" + "x" * 40,
            "BASELINE_DATABASE_URL": urls["baseline"],
            "MEETUP_INSTANCE_PATH": str(workdir),  # never touch the developer's instance/
            "SIGNUP_RATE_LIMIT": "1000000 per minute",  # one client sends everything here
            "REDIS_URL": REDIS_URL,
            "PYTHONPATH": str(ROOT),
            "BENCH_DIR": str(ROOT / "bench"),
        }
        slug = prepare(env, urls["app"])
        prepare(env, urls["baseline"])
        app = rounds.Server("wsgi:app", {**env, "DATABASE_URL": urls["app"]}, "/healthz")
        baseline = rounds.Server("bench.baseline_app:app", env)
        try:
            pairs = [
                rounds.Pair("signup POST", signup_load(app, slug), signup_load(baseline, slug)),
                rounds.Pair(
                    "signup form GET",
                    rounds.Load(f"{app.base}/events/{slug}/signup", "get.lua"),
                    rounds.Load(f"{baseline.base}/events/{slug}/signup", "get.lua"),
                ),
                rounds.Pair("event page GET", rounds.Load(f"{app.base}/events/{slug}", "get.lua")),
            ]
            results = rounds.alternate(pairs, app, baseline)
        finally:
            app.stop()
            baseline.stop()
    print(f"load after: {rounds.load_average()}")
    print(
        f"gunicorn.conf.py (2 sync workers), {database_label(urls['app'])},"
        f" {rounds.CONNECTIONS} connections, {rounds.ROUNDS} rounds of {rounds.SECONDS:g} s,"
        f" {REGISTRATIONS} registrations; latencies in ms, CPU ms per request (workers)"
    )
    figures = rounds.summary(results)
    rounds.print_summary(figures)
    print()
    signup = figures["signup POST"]
    event = figures["event page GET"]["app"]
    print(
        f"signup POST / same-work baseline: {signup['ratio'][0]:.0%} (target >= 80%),"
        f" p99 {signup['app']['p99']:.1f} ms (target <= 50 ms)"
    )
    print(
        f"event page: {event['rps']:.0f} req/s (target >= 800), p99 {event['p99']:.1f} ms"
        " (target <= 50 ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
