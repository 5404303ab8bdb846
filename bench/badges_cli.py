"""Badges from the command line, as organisers print them: `flask badges` on an evening of
1,000 people, first print and later prints (issue 23, point 6). Needs the sqlite3 program.

An evening of 1,000 confirmed people, signed up with the application's own service (their
confirmation drafts queued), and the mail worker's composing of those drafts run to the end,
as on a real server the day before. Then, alternating, in fresh processes (SQLite: the
database file is put back before each first print):
  first print   `flask badges SLUG -o FILE`: nothing printed yet (every badge marked)
  later print   the same again: every badge printed before (marked again)
Each is timed in the command's own process: the command itself (CPU time of the process
while it runs, and wall time), apart from Python's start and the app's import, printed
apart (the whole `flask badges` process, wall; reportlab's import, which the command
does and the floor's time leaves out, counts with the start); then the same print once
more in that process, as a web worker prints (the fonts already loaded). Targets: first print ≤ 2 s; later prints
≤ 8 × the independent floor of bench/badges.py (printed there).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import bench_run  # noqa: E402

PYTHON = sys.executable
FLASK = str(Path(PYTHON).with_name("flask"))
PEOPLE = int(os.environ.get("BENCH_BADGES", 1000))
ROUNDS = int(os.environ.get("BENCH_REPEAT", 3))

PREPARE = """
import random, time
from datetime import timedelta
from meetup import create_app
from meetup.events import services as events
from meetup.events.models import EventStatus
from meetup.extensions import db
from meetup.mail.services import compose_drafts
from meetup.registrations import services as registrations
from meetup.registrations.models import Visibility
from meetup.timeutil import utcnow

FIRST = ["Marie", "Jean-Christophe", "Sophie", "Karim", "Élodie", "Thomas", "Nathalie", "Aïcha"]
LAST = ["Dupont", "Martin", "de La Rochefoucauld", "Benali", "Durand", "Nguyen", "Moreau"]
COMPANIES = ["Boulangerie Dupont", "Cyber Sécurité Rhône", "Morel & Associés", "", "Studio Pilat"]
HELP = ["comptabilité, fiscalité", "sites vitrines, référencement local", "", "levée de fonds"]
STREETS = ["12 rue de la République", "3 cours Brillier", "", "8 quai Jean Jaurès"]
rng = random.Random(2026)
app = create_app()
with app.app_context():
    series = events.create_series(name="Café des entreprenants", city="Vienne")
    start = utcnow().replace(microsecond=0) + timedelta(days=1)
    event = events.create_event(series, title="Travailler par et sur Internet", starts_at=start,
                                ends_at=start + timedelta(hours=3), capacity=%(people)d,
                                status=EventStatus.PUBLISHED)
    db.session.commit()
    for n in range(%(people)d):
        registrations.register(event, registrations.Profile(
            first_name=rng.choice(FIRST), last_name=rng.choice(LAST) + f" {n}",
            email=f"badge{n}@example.org", company=rng.choice(COMPANIES),
            help_with=rng.choice(HELP), street=rng.choice(STREETS), postcode="38200",
            city="Vienne", street_on_badge=True, visibility=Visibility.ATTENDEES))
    started = time.perf_counter()
    while compose_drafts(200):
        pass
    print("composed in", round(time.perf_counter() - started, 2))
    print(event.slug)
"""

FLOOR = """
import random, sys, time
sys.argv = ["floor"]
import bench.badges as badges
from meetup.badges.layouts import LAYOUTS
people = badges._people(random.Random(2026))[:%(people)d]
cpu = time.process_time()
badges._floor(people, LAYOUTS["a4-2x5"])
print(time.process_time() - cpu)
"""

PRINT = """
import resource, sys, time
started = time.perf_counter()
from meetup import create_app
app = create_app()
import meetup.badges.pdf  # reportlab: imported by the command, outside the floor's time too
loaded = time.perf_counter()
runner = app.test_cli_runner()
cpu = time.process_time()
wall = time.perf_counter()
result = runner.invoke(args=["badges", sys.argv[1], "-o", sys.argv[2]])
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
assert result.exit_code == 0, result.output
again = time.process_time()  # the same print again in this process: as in a web worker
result = runner.invoke(args=["badges", sys.argv[1], "-o", sys.argv[2]])
print(cpu, wall, loaded - started, time.process_time() - again)
assert result.exit_code == 0, result.output
"""


def main() -> int:
    load = os.getloadavg()
    with bench_run("meetup-bench-badges-") as (workdir, urls):
        url = urls["app"]
        if not url.startswith("sqlite"):
            raise SystemExit(
                "bench/badges_cli.py puts the SQLite file back between rounds: SQLite only"
            )
        instance = workdir / "instance"
        instance.mkdir()
        env = dict(
            os.environ,
            SECRET_KEY="bench-" + "x" * 60,
            DATABASE_URL=url,
            MEETUP_INSTANCE_PATH=str(instance),
            BASE_URL="https://cafe-entreprenants.example.org",
        )
        subprocess.run([FLASK, "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)  # fmt: skip
        started = time.perf_counter()
        out = subprocess.run(
            [PYTHON, "-c", PREPARE % {"people": PEOPLE}], cwd=ROOT, env=env, check=True,
            capture_output=True, text=True,
        ).stdout.split("\n")  # fmt: skip
        slug = [line for line in out if line.strip()][-1]
        print(f"{PEOPLE} people signed up and their confirmations composed in "
              f"{time.perf_counter() - started:.1f} s ({out[0]} s composing)")  # fmt: skip
        database = Path(url.removeprefix("sqlite:///"))
        fresh = workdir / "fresh.sqlite3"
        subprocess.run(["sqlite3", str(database), f"VACUUM INTO '{fresh}'"], check=True)

        runs: dict[str, list[tuple[float, ...]]] = {"first": [], "later": []}
        floors: list[float] = []
        for _ in range(ROUNDS):
            floors.append(float(subprocess.run(
                [PYTHON, "-c", FLOOR % {"people": PEOPLE}], cwd=ROOT, env=env, check=True,
                capture_output=True, text=True,
            ).stdout))  # fmt: skip
            for wal in ("-wal", "-shm"):
                Path(str(database) + wal).unlink(missing_ok=True)
            shutil.copyfile(fresh, database)
            for label in ("first", "later"):
                began = time.perf_counter()
                line = subprocess.run(
                    [PYTHON, "-c", PRINT, slug, str(workdir / f"{label}.pdf")],
                    cwd=ROOT, env=env, check=True, capture_output=True, text=True,
                ).stdout.split()  # fmt: skip
                whole = time.perf_counter() - began
                cpu, wall, startup, again = map(float, line)
                runs[label].append((cpu, wall, startup, whole, again))
        print(f"load average {load[0]:.2f} {load[1]:.2f} (at start); {ROUNDS} rounds, alternating")
        for label, values in runs.items():
            cpus = [v[0] for v in values]
            print(
                f"  {label:<6} print: command {statistics.median(cpus):.3f} s CPU "
                f"(runs {', '.join(f'{c:.3f}' for c in cpus)}), "
                f"{statistics.median(v[1] for v in values):.3f} s wall; "
                f"process start and app import {statistics.median(v[2] for v in values):.2f} s; "
                f"whole `flask badges` {statistics.median(v[3] for v in values):.2f} s"
            )
        floor = statistics.median(floors)
        later = statistics.median(v[0] for v in runs["later"])
        warm = statistics.median(v[4] for run in runs.values() for v in run)
        print(
            f"  floor (bench/badges.py, reportlab alone, in a fresh process): {floor:.3f} s CPU "
            f"(runs {', '.join(f'{f:.3f}' for f in floors)}); later print / floor: "
            f"{later / floor:.1f} (target ≤ 8)"
        )
        print(
            f"  later print again in the same process (a web worker's): {warm:.3f} s CPU, "
            f"{warm / floor:.1f} × the floor"
        )
        size = (workdir / "later.pdf").stat().st_size
        print(f"  PDF {size / 1024:.0f} KB; target first print ≤ 2 s: "
              f"{'ok' if statistics.median(v[0] for v in runs['first']) <= 2 else 'MISSED'}")  # fmt: skip
        if os.environ.get("BENCH_KEEP_PDF"):  # to look at it
            shutil.copyfile(workdir / "later.pdf", os.environ["BENCH_KEEP_PDF"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
