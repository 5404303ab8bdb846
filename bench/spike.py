"""A newsletter spike (issue 23, point 8): 1,000 phones arrive over 5 minutes, each opens the
event page, the signup form, signs up, then opens its personal page from its email.

Run by locust (requirements-dev.txt) as a library, against the app as production runs it:
gunicorn with gunicorn.conf.py (2 sync workers), a fresh PostgreSQL database
(bench/databases.py: BENCH_POSTGRES_URL, postgresql+psycopg://postgres@127.0.0.1:5432/postgres
by default; created for the run, dropped after it), Redis for the rate limits (a throw-away
redis-server), and the mail worker (`flask worker --interval 5`, as deploy/ runs it) writing
each email to the instance's mail folder (no SMTP server: MAIL_SERVER is empty).

Each phone is one locust user that does the journey once, with a person's pauses (reading
the page, filling in the form, opening the email), then stops. Its personal link comes from
its own confirmation email, read from the mail folder as the worker writes it: the time from
the signup to the email is reported as a step ("confirmation email").

Rate limits: signups are limited per client address (SIGNUP_RATE_LIMIT, 10 a minute), and
1,000 phones on one loopback address would be refused. Production's nginx appends the
client's address to X-Forwarded-For and the app trusts one proxy (PROXY_COUNT=1, werkzeug's
ProxyFix, meetup/config.py): the bench stands where nginx stands, gunicorn runs with
PROXY_COUNT=1, and each phone sends X-Forwarded-For with an address of its own (10.x.y.z).
The limit itself stays as production has it, counted in Redis.

After the run, the database must hold: as many confirmed as the evening's capacity, the
others waitlisted, one registration per phone (no duplicate), and, for each registration,
its email (confirmation or waitlist) sent by the worker. Figures: requests and p50/p95/p99
per step, errors, the checks, and `uptime` before and after.

    .venv/bin/python bench/spike.py            # 1,000 phones over 300 s (about 7 minutes)
    .venv/bin/python bench/spike.py --quick    # 100 phones over 30 s, short pauses
"""

# locust patches the standard library for gevent: before anything else is imported.
from locust import FastHttpUser, events, task  # isort: skip
from locust.env import Environment  # isort: skip

import argparse
import email
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from email import policy
from pathlib import Path

import gevent
import psutil  # a dependency of locust
from gevent.event import Event as Signal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import bench_databases  # noqa: E402
from tests.servers import Gunicorn, RedisServer  # noqa: E402

FLASK = str(Path(sys.executable).with_name("flask"))
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
STEPS = (
    "1 event page",
    "2 signup form",
    "3 signup POST",
    "3 signed-up page",
    "confirmation email",
    "4 personal page",
)

#: The evening the newsletter announces, in the demo's series: CAPACITY seats.
PREPARE = """
import sys
from datetime import timedelta
from sqlalchemy import select
from meetup import create_app
from meetup.events import services
from meetup.events.models import EventStatus, Series
from meetup.extensions import db
from meetup.timeutil import utcnow

app = create_app()
with app.app_context():
    series = db.session.scalar(select(Series))
    starts = (utcnow() + timedelta(days=21)).replace(hour=17, minute=0, second=0, microsecond=0)
    event = services.create_event(series, title="Café des entreprenants — la rentrée",
        theme="La rentrée", starts_at=starts, ends_at=starts + timedelta(hours=2, minutes=30),
        capacity=int(sys.argv[1]), status=EventStatus.PUBLISHED)
    db.session.commit()
    print(event.slug)
"""

#: After the run: what the database holds for the phones' registrations (JSON).
CHECK = """
import json, sys
from sqlalchemy import func, select
from meetup import create_app
from meetup.events.models import Event
from meetup.extensions import db
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.registrations.models import Registration

app = create_app()
with app.app_context():
    event = db.session.scalar(select(Event).where(Event.slug == sys.argv[1]))
    rows = db.session.execute(select(Registration.id, Registration.email, Registration.status)
        .where(Registration.event_id == event.id)).all()
    statuses = {}
    for _, _, status in rows:
        statuses[status.value] = statuses.get(status.value, 0) + 1
    emails = [address.lower() for _, address, _ in rows]
    mail = db.session.execute(select(OutboxMessage.registration_id, OutboxMessage.kind,
        OutboxMessage.status).where(OutboxMessage.registration_id.in_([r[0] for r in rows]))).all()
    expected = {"confirmed": "confirmation", "waitlisted": "waitlisted"}
    kinds = {}
    for registration_id, kind, status in mail:
        kinds.setdefault(registration_id, []).append((kind, status.value))
    missing = [i for i, _, status in rows
               if (expected.get(status.value), "sent") not in kinds.get(i, [])]
    pending = db.session.scalar(select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))) if len(sys.argv) > 2 else None
    print(json.dumps({"capacity": event.capacity, "registrations": len(rows),
        "statuses": statuses, "duplicates": len(emails) - len(set(emails)),
        "emails": len(mail), "without_their_email_sent": len(missing), "pending": pending}))
"""


class Mailbox:
    """The phones' inboxes: the worker's files, read as they appear."""

    def __init__(self, folder: Path, base_url: str) -> None:
        self.folder = folder
        self.link = re.compile(re.escape(base_url) + r"(/r/[A-Za-z0-9_-]+)")
        self.seen: set[str] = set()
        self.links: dict[str, tuple[str, float]] = {}
        self.arrived: dict[str, Signal] = {}
        self.stopped = False

    def signal(self, address: str) -> Signal:
        return self.arrived.setdefault(address, Signal())

    def watch(self) -> None:
        while not self.stopped:
            if self.folder.exists():
                for entry in os.scandir(self.folder):
                    if entry.name in self.seen or not entry.name.endswith(".eml"):
                        continue
                    self.seen.add(entry.name)
                    message = email.message_from_bytes(
                        Path(entry.path).read_bytes(), policy=policy.default
                    )
                    address = message["To"].addresses[0].addr_spec.lower()
                    body = message.get_body(preferencelist=("plain",)).get_content()
                    found = self.link.search(body)
                    if found and address not in self.links:
                        self.links[address] = (found.group(1), entry.stat().st_mtime)
                        self.signal(address).set()
            gevent.sleep(0.2)


class GaveUp(Exception):
    """A step failed (counted by locust): this phone goes no further."""


class Phone(FastHttpUser):
    """One person from the newsletter: the journey once, then gone."""

    #: Set by main(): the evening, the mailbox, the pauses (seconds, min and max).
    slug = ""
    mailbox: Mailbox
    pauses = {"read": (2, 6), "fill": (20, 40), "mail": (5, 20)}
    counter = 0
    #: Phones whose journey is over (done, or given up at an error).
    finished = 0
    batch = ""

    def on_start(self) -> None:
        Phone.counter += 1
        self.number = Phone.counter
        n = self.number
        self.address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256 or 1}"
        self.email = f"phone{n}.{self.batch}@spike.example.org"

    def _pause(self, kind: str) -> None:
        low, high = self.pauses[kind]
        gevent.sleep(random.uniform(low, high))

    def _get(self, path: str, name: str, expected: int = 200):
        with self.client.get(
            path,
            name=name,
            headers={"X-Forwarded-For": self.address},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != expected:
                response.failure(f"{response.status_code}, not {expected}")
                raise GaveUp
            return response

    @task
    def once(self) -> None:
        """The journey, then nothing: locust keeps the number of users it was asked for
        (a user that stops is replaced), so a phone that is done stays, idle."""
        try:
            self.journey()
        except GaveUp:
            pass
        finally:
            Phone.finished += 1
        while True:
            gevent.sleep(3600)

    def journey(self) -> None:
        event = f"/events/{self.slug}"
        self._get(event, "1 event page")
        self._pause("read")
        form = self._get(f"{event}/signup", "2 signup form")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text)
        self._pause("fill")
        body = {
            "csrf_token": token.group(1) if token else "",
            "first_name": "Camille",
            "last_name": f"Téléphone {self.number}",
            "email": self.email,
            "company": f"Atelier {self.number}",
            "job_title": "Gérante",
            "website": "",
            "phone": "",
            "street": f"{self.number % 90 + 1} rue Marchande",
            "postcode": "38200",
            "city": "Vienne",
            "help_with": "Sites internet pour les commerces",
            "looking_for": "Un comptable",
            "visibility": "attendees",
            "accept_introductions": "y",
            "language": "fr",
            "nickname": "",
        }
        arrived = self.mailbox.signal(self.email)
        posted = time.time()
        with self.client.post(
            f"{event}/signup",
            name="3 signup POST",
            data=body,
            headers={"X-Forwarded-For": self.address, "Referer": self.host + f"{event}/signup"},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/signed-up" not in response.headers.get(
                "Location", ""
            ):
                response.failure(f"{response.status_code}, not the redirect to signed-up")
                raise GaveUp
        self._get(f"{event}/signed-up", "3 signed-up page")
        if not arrived.wait(timeout=180):
            self._mail_event(180_000, RuntimeError("no confirmation email within 3 minutes"))
            raise GaveUp
        path, written = self.mailbox.links[self.email]
        self._mail_event(max(0.0, written - posted) * 1000, None)
        self._pause("mail")
        self._get(path, "4 personal page")

    def _mail_event(self, milliseconds: float, exception: Exception | None) -> None:
        self.environment.events.request.fire(
            request_type="MAIL",
            name="confirmation email",
            response_time=milliseconds,
            response_length=0,
            exception=exception,
            context={},
        )


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _check(env: dict[str, str], slug: str, *, pending: bool = False) -> dict:
    args = [sys.executable, "-c", CHECK, slug] + (["pending"] if pending else [])
    output = subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def _print_stats(environment: Environment, seconds: float) -> int:
    print(f"\n{'step':<22} {'count':>6} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'max ms':>7}")  # fmt: skip
    errors = 0
    for name in STEPS:
        entry = next((e for e in environment.stats.entries.values() if e.name == name), None)
        if entry is None or entry.num_requests == 0:
            print(f"{name:<22} {'-':>6}")
            continue
        errors += entry.num_failures
        p50, p95, p99 = (entry.get_response_time_percentile(q) for q in (0.5, 0.95, 0.99))
        print(
            f"{name:<22} {entry.num_requests:>6} {entry.num_failures:>6} {p50:>7.0f} {p95:>7.0f}"
            f" {p99:>7.0f} {entry.max_response_time:>7.0f}"
        )
    total = environment.stats.total
    http = total.num_requests - sum(
        e.num_requests for e in environment.stats.entries.values() if e.method == "MAIL"
    )
    print(f"{http} HTTP requests in {seconds:.0f} s ({http / seconds:.1f}/s)")
    for error in environment.stats.errors.values():
        print(f"  error x{error.occurrences}: {error.name}: {error.error}")
    return errors


def _stop_on_sigterm(signum, frame) -> None:
    raise SystemExit(143)  # the `finally` blocks stop the servers and drop the database


_LOGGED = re.compile(r"\b(GET|POST) (/\S*) (\d{3}) ([\d.]+)ms")


def _print_app_times(log: Path) -> None:
    """The same requests as the app timed them (its request log: route pattern, status,
    duration; meetup/ops/logs.py): what the phones waited beyond that was spent in queues
    (2 sync workers) or on a busy machine's CPU."""
    times: dict[str, list[float]] = {}
    for method, route, _status, duration in _LOGGED.findall(log.read_text(errors="replace")):
        times.setdefault(f"{method} {route}", []).append(float(duration))
    print("\nin the app (its own request log)")
    for route, values in sorted(times.items(), key=lambda item: -len(item[1])):
        values.sort()
        p50, p95, p99 = (
            values[min(len(values) - 1, int(q * len(values)))] for q in (0.5, 0.95, 0.99)
        )
        print(
            f"  {route:<34} {len(values):>6} {p50:>7.1f} {p95:>7.1f} {p99:>7.1f} {values[-1]:>7.1f}"
        )


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes and their children, so far."""
    total = 0.0
    for pid in pids:
        try:
            process = psutil.Process(pid)
            for each in [process, *process.children(recursive=True)]:
                times = each.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 phones over 30 s")
    parser.add_argument("--phones", type=int)
    parser.add_argument("--seconds", type=float, help="over how long they arrive")
    parser.add_argument("--capacity", type=int, help="seats (default: 40 %% of the phones)")
    args = parser.parse_args()
    phones = args.phones or (100 if args.quick else 1000)
    seconds = args.seconds or (30 if args.quick else 300)
    capacity = args.capacity or int(phones * 0.4)
    if args.quick:
        Phone.pauses = {"read": (0.5, 1), "fill": (2, 4), "mail": (0.5, 2)}
    os.environ.setdefault("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    workdir = Path(tempfile.mkdtemp(prefix="meetup-bench-spike-"))
    redis = RedisServer(workdir)
    worker = None
    try:
        redis.start()
        with bench_databases(workdir, ("app",)) as urls:
            instance = workdir / "instance"
            instance.mkdir()
            gunicorn = Gunicorn(
                workdir / "gunicorn",
                database_url=urls["app"],
                instance_path=instance,
                proxy_count=1,  # the bench stands where nginx stands
                env={"REDIS_URL": redis.url},
            )
            gunicorn.flask("db", "upgrade")
            gunicorn.flask("demo", "load")
            slug = subprocess.run(
                [sys.executable, "-c", PREPARE, str(capacity)],
                cwd=ROOT,
                env=gunicorn.env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[-1]
            with (workdir / "worker.log").open("wb") as log:
                worker = subprocess.Popen(
                    [FLASK, "--app", "wsgi", "worker", "--interval", "5"],
                    cwd=ROOT,
                    env=gunicorn.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            mailbox = Mailbox(instance / "mail", gunicorn.url)
            Phone.slug, Phone.mailbox, Phone.batch = slug, mailbox, secrets.token_hex(3)
            print(
                f"{phones} phones over {seconds:.0f} s, {capacity} seats; gunicorn "
                f"(gunicorn.conf.py, 2 sync workers), PostgreSQL, Redis, the mail worker"
            )
            print(f"load before: {_uptime()}")
            with gunicorn:
                watcher = gevent.spawn(mailbox.watch)
                environment = Environment(user_classes=[Phone], host=gunicorn.url, events=events)
                runner = environment.create_local_runner()
                web_pid = gunicorn._process.pid  # the bench's own server
                cpu_before = (_cpu_seconds([web_pid]), _cpu_seconds([worker.pid]))
                started = time.monotonic()
                runner.start(phones, spawn_rate=phones / seconds)
                deadline = started + seconds + 600
                gevent.sleep(2)
                shown = started
                while time.monotonic() < deadline:
                    if Phone.finished >= phones:
                        break
                    gevent.sleep(1)
                    if time.monotonic() - shown >= 30:
                        shown = time.monotonic()
                        print(
                            f"  {shown - started:4.0f} s: {Phone.counter} arrived, "
                            f"{Phone.counter - Phone.finished} on the way, "
                            f"{len(mailbox.links)} emails, "
                            f"{environment.stats.total.num_failures} errors",
                            flush=True,
                        )
                elapsed = time.monotonic() - started
                cpu = (
                    _cpu_seconds([web_pid]) - cpu_before[0],
                    _cpu_seconds([worker.pid]) - cpu_before[1],
                )
                runner.quit()
                mailbox.stopped = True
                watcher.join(timeout=2)
                print(f"load after:  {_uptime()}")
                errors = _print_stats(environment, elapsed)
                _print_app_times(gunicorn.log_path)
                print(
                    f"CPU used: web workers {cpu[0]:.0f} s, mail worker {cpu[1]:.0f} s, in "
                    f"{elapsed:.0f} s on {os.cpu_count()} cores shared with the machine's load"
                )
                for _ in range(60):  # the worker sends what is left (waitlist emails)
                    result = _check(gunicorn.env, slug, pending=True)
                    if not result["pending"]:
                        break
                    time.sleep(1)
            print(f"\nthe database after the run: {json.dumps(result)}")
            confirmed = result["statuses"].get("confirmed", 0)
            waitlisted = result["statuses"].get("waitlisted", 0)
            verdicts = {
                "0 errors": errors == 0,
                f"one registration per phone ({phones})": result["registrations"] == phones
                and result["duplicates"] == 0,
                f"confirmed = capacity ({capacity})": confirmed == min(capacity, phones),
                "the rest waitlisted": waitlisted == phones - min(capacity, phones),
                "every registration's email sent": result["without_their_email_sent"] == 0,
            }
            for label, ok in verdicts.items():
                print(f"  {'ok  ' if ok else 'FAIL'} {label}")
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
