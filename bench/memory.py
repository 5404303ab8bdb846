"""Memory of a web worker: resident size (RSS) of gunicorn's workers after they loaded the
app, and after 200 mixed requests (issue 23, point 7: ≤ 90 MB after load).

gunicorn with gunicorn.conf.py (2 sync workers) on the demo, SQLite, or PostgreSQL with
BENCH_POSTGRES_URL set (bench/databases.py). The requests, in turn: public pages (home,
event, signup form, series, calendar, privacy), an attendee's personal page, ticket PDF and
data export, and an organiser's pages (dashboard, evening with its outcome, registrations,
badges, directory, tables, door screen). Also prints which heavy modules a worker holds
(from a fresh create_app in this process's interpreter). Prints figures; never fails on them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.databases import bench_run, database_label  # noqa: E402
from bench.rounds import free_port, wait_for  # noqa: E402

PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
FLASK = str(Path(PYTHON).with_name("flask"))
REQUESTS = int(os.environ.get("BENCH_MEMORY_REQUESTS", 200))
HEAVY = ("numpy", "scipy", "alembic", "flask_migrate", "reportlab", "qrcode", "PIL", "geopy")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def settled(master: int, count: int, timeout: float = 60.0) -> dict[int, float]:
    """The workers' RSS once each stopped growing (the app loaded) for a second."""
    deadline = time.monotonic() + timeout
    last: dict[int, float] = {}
    while time.monotonic() < deadline:
        now = {pid: rss_mib(pid) for pid in workers(master)}
        if len(now) == count and now == last and min(now.values()) > 30:
            return now
        last = now
        time.sleep(1.0)
    raise RuntimeError("the workers did not settle")


def demo(env: dict[str, str]) -> tuple[str, str, str]:
    """Migrate, load the demo: the organiser's login and an attendee's personal path."""
    subprocess.run([FLASK, "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)  # fmt: skip
    out = subprocess.run(
        [FLASK, "--app", "wsgi", "demo", "load"], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    email, password = re.search(r"demo organiser login: (\S+) / (\S+)", out).groups()
    personal = re.search(r"personal page[^:]*: \S+?(/r/\S+)", out).group(1)
    return email, password, personal


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def mixed_requests(base: str, email: str, password: str, personal: str, slug: str, series: str):
    attendee, organiser = requests.Session(), requests.Session()
    page = organiser.get(f"{base}/login")
    organiser.post(
        f"{base}/login",
        data={"csrf_token": csrf(page.text), "email": email, "password": password},
    )
    public = [
        "/", f"/events/{slug}", f"/events/{slug}/signup", f"/series/{series}",
        f"/events/{slug}/calendar.ics", "/privacy",
    ]  # fmt: skip
    mine = [personal, f"{personal}/ticket.pdf", f"{personal}/my-data"]
    admin = [
        "/admin/", f"/admin/events/{slug}", f"/admin/events/{slug}/registrations",
        f"/admin/events/{slug}/badges", f"/admin/events/{slug}/directory",
        f"/admin/events/{slug}/tables", f"/door/{slug}",
    ]  # fmt: skip
    rounds = [(attendee, p) for p in public + mine] + [(organiser, p) for p in admin]
    statuses: dict[int, int] = {}
    for i in range(REQUESTS):
        session, path = rounds[i % len(rounds)]
        status = session.get(base + path).status_code
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


def heavy_modules(env: dict[str, str]) -> str:
    code = (
        "import sys; from meetup import create_app; create_app(); "
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules) or 'none')"
    )
    return subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def main() -> int:
    load = os.getloadavg()
    with bench_run("meetup-bench-memory-") as (workdir, urls):
        instance = workdir / "instance"
        instance.mkdir()
        port = free_port()
        env = dict(
            os.environ,
            SECRET_KEY="bench-" + "x" * 60,
            DATABASE_URL=urls["app"],
            MEETUP_INSTANCE_PATH=str(instance),
            BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY="2",
            BASE_URL=f"http://127.0.0.1:{port}",
        )
        email, password, personal = demo(env)
        slugs = subprocess.run(
            [PYTHON, "-c", "from meetup import create_app\nfrom meetup.events.models import Event\n"
             "from meetup.extensions import db\napp = create_app()\nwith app.app_context():\n"
             "    e = db.session.query(Event).order_by(Event.starts_at).first()\n"
             "    print(e.slug, e.series.slug)"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        slug, series = slugs[-2], slugs[-1]
        server = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            loaded = settled(server.pid, 2)
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/healthz")
            statuses = mixed_requests(base, email, password, personal, slug, series)
            after = {pid: rss_mib(pid) for pid in workers(server.pid)}
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(f"database {database_label(urls['app'])}; load average {load[0]:.2f} {load[1]:.2f}")
        print("worker RSS after load:  " + ", ".join(f"{v:.1f} MiB" for v in loaded.values()))
        print(
            f"worker RSS after {REQUESTS} mixed requests: "
            + ", ".join(f"{v:.1f} MiB" for v in after.values())
            + f"  (statuses {statuses})"
        )
        print("heavy modules after create_app: " + heavy_modules(env))
    return 0


if __name__ == "__main__":
    sys.exit(main())
