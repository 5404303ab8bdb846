"""Phone pages through Lighthouse (issue 23, point 9), served as in production.

The demo is loaded into a fresh database (SQLite, or a fresh PostgreSQL one with
BENCH_POSTGRES_URL: bench/databases.py), then served by gunicorn (gunicorn.conf.py, 2 sync
workers) behind Debian's nginx running deploy/nginx.conf over HTTPS and HTTP/2 (the test
suite's harness, tests/servers.py): compression, caching headers and static files are what
production's nginx does with that file. Chromium trusts the throw-away certificate by its
key only (--ignore-certificate-errors-spki-list).

Lighthouse (bench/package.json; `cd bench && npm ci`) runs with its default mobile profile
(Moto G Power, simulated slow 4G, 4x CPU slowdown) on: the event page, the signup form, the
personal page (a ticket for the next evening, and the page after an evening), the door
screen (an organiser logged in) and the evening's directory (as an attendee who came: their
personal link opened first). Each page RUNS times (3); the median of each score is printed,
with the spread, the transfer size of the median run and its five largest resources.
Targets: performance >= 95, accessibility 100, best practices >= 95, transfer <= 100 KB.

Personal links and session cookies are never printed: pages are named, addresses shown
without their token. Lighthouse's performance score depends on the machine's load: `uptime`
is printed before and after.

    .venv/bin/python bench/phones.py [--runs 3] [--page event --page door] [--audits]
        [--cover photo.jpg]   (the event page with a real photo as its cover)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import bench_databases, database_label  # noqa: E402
from tests.servers import Gunicorn, Nginx, free_port, nginx_available  # noqa: E402

LIGHTHOUSE = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
CATEGORIES = ("performance", "accessibility", "best-practices")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95}
TRANSFER_TARGET_KB = 100
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time")
#: Audits that say why a page is slow or heavy, listed when they do not pass.
HINTS = (
    "render-blocking-resources",
    "uses-text-compression",
    "uses-long-cache-ttl",
    "unused-css-rules",
    "unused-javascript",
    "errors-in-console",
    "csp-xss",
    "uses-optimized-images",
    "uses-responsive-images",
)
#: --save: where Lighthouse's reports are kept (they hold personal links: yours only).
SAVE_TO: Path | None = None
PAGES = ("event", "signup", "ticket", "personal", "door", "directory")

#: Written into the demo's database before the server starts: the next evening's slug, the
#: past one's, and a personal link for someone with a seat at the next evening (a fresh
#: token replaces theirs; the demo keeps no token but its guide's).
PREPARE = """
import sys
from sqlalchemy import select
from meetup import create_app
from meetup.events.models import Event
from meetup.extensions import db
from meetup.registrations.models import Registration, RegistrationStatus
from meetup.registrations.tokens import new_manage_token
from meetup.timeutil import utcnow

app = create_app()
with app.app_context():
    now = utcnow()
    events = db.session.scalars(select(Event).order_by(Event.starts_at)).all()
    upcoming = next(e for e in events if e.starts_at > now)
    past = next(e for e in reversed(events) if e.ends_at < now)
    seated = db.session.scalars(select(Registration).where(
        Registration.event_id == upcoming.id,
        Registration.status == RegistrationStatus.CONFIRMED).order_by(Registration.id)).first()
    token, seated.manage_token_hash = new_manage_token()
    if len(sys.argv) > 2:  # --cover: a real photo, as an organiser uploads it
        from meetup.images.processing import Kind, clean
        from meetup.images.store import store
        with open(sys.argv[2], "rb") as photo:
            upcoming.cover_sha256 = store(clean(photo.read(), Kind.COVER)).sha256
    db.session.commit()
    with open(sys.argv[1], "w") as out:
        out.write(f"{upcoming.slug}\\n{past.slug}\\n{token}\\n")
"""


@dataclass
class Page:
    name: str
    title: str
    path: str
    #: Cookies the page needs (a session), sent by Lighthouse as a header.
    cookie: str = ""
    runs: list[dict] = field(default_factory=list)


class Client:
    """Cookies, as a browser keeps them, over the test certificate."""

    def __init__(self, nginx: Nginx) -> None:
        self.base = nginx.url
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar),
            urllib.request.HTTPSHandler(context=nginx.ssl_context()),
        )

    def open(self, path: str, data: dict | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - loopback
        request.add_header("Referer", self.base + path)  # Flask-WTF checks it over HTTPS
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode()

    def cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _pages(nginx: Nginx, instance: Path, prepared: Path) -> list[Page]:
    upcoming, past, ticket_token = prepared.read_text().split()
    organiser_email, organiser_password, guide_link = (
        (instance / "demo-login.txt").read_text().split()
    )
    guide_path = urllib.parse.urlsplit(guide_link).path
    attendee = Client(nginx)
    attendee.open(guide_path)  # remembered in this browser: the directory knows them
    organiser = Client(nginx)
    login = organiser.open("/login")
    organiser.open(
        "/login",
        {"csrf_token": _csrf(login), "email": organiser_email, "password": organiser_password},
    )
    organiser.open(f"/door/{upcoming}")  # raises on a refusal
    return [
        Page("event", "event page", f"/events/{upcoming}"),
        Page("signup", "signup form", f"/events/{upcoming}/signup"),
        Page("ticket", "personal page, ticket", f"/r/{ticket_token}"),
        Page("personal", "personal page, after", guide_path),
        Page("door", "door screen", f"/door/{upcoming}", organiser.cookie_header()),
        Page("directory", "directory", f"/events/{past}/directory", attendee.cookie_header()),
    ]


def _shown(url: str, page: Page, base: str) -> str:
    """An address as printed: the page's own one by name, others without host or token."""
    path = url.removeprefix(base)
    if path == page.path:
        return f"({page.title})"
    path = re.sub(r"^/(r|d|b|B|p)/[^/?#]+", r"/\1/…", path)
    return path.split("?", 1)[0]


def _lighthouse(url: str, page: Page, spki: str, out: Path) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS} --ignore-certificate-errors-spki-list={spki}",
    ]
    if page.cookie:
        headers = out.with_suffix(".headers.json")
        headers.write_text(json.dumps({"Cookie": page.cookie}))
        headers.chmod(0o600)
        command.append(f"--extra-headers={headers}")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    if result.returncode != 0 or not out.exists():
        tail = "\n".join(result.stderr.replace(page.path, f"({page.title})").splitlines()[-15:])
        raise RuntimeError(f"lighthouse failed on the {page.title}:\n{tail}")
    report = json.loads(out.read_text())
    if SAVE_TO:  # Lighthouse's own report, to look into; it holds the personal links
        SAVE_TO.mkdir(mode=0o700, parents=True, exist_ok=True)
        out.replace(SAVE_TO / f"{page.name}-{len(page.runs) + 1}.json")
    else:
        out.unlink()
    if report.get("runtimeError"):
        raise RuntimeError(f"{page.title}: {report['runtimeError'].get('message')}")
    return report


def _summary(report: dict, page: Page, base: str) -> dict:
    categories = report["categories"]
    audits = report["audits"]
    weight = audits["total-byte-weight"]
    items = sorted(weight["details"]["items"], key=lambda item: -item["totalBytes"])
    failing = []
    for name in ("accessibility", "best-practices"):
        for ref in categories[name]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                failing.append(f"{name}: {ref['id']} ({audit['title']})")
    for ref in categories["performance"]["auditRefs"]:
        audit = audits.get(ref["id"], {})
        if ref.get("weight") and audit.get("score") is not None and audit["score"] < 0.9:
            failing.append(f"performance: {ref['id']} {audit.get('displayValue', '')}")
    for audit_id in HINTS:
        audit = audits.get(audit_id)
        if audit and audit.get("score") is not None and audit["score"] < 1:
            failing.append(f"hint: {audit_id} {audit.get('displayValue', '')}".rstrip())
    return {
        "scores": {name: round(categories[name]["score"] * 100) for name in CATEGORIES},
        "transfer": weight["numericValue"],
        "largest": [(_shown(i["url"], page, base), i["totalBytes"]) for i in items[:5]],
        "requests": len(items),
        "metrics": {key: audits[key]["numericValue"] for key in METRICS},
        "failing": sorted(set(failing)),
    }


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _report(pages: list[Page], show_audits: bool) -> bool:
    ok = True
    print(
        f"{'page':<24} {'perf':>11} {'a11y':>11} {'best':>11} {'KB':>6}  FCP/LCP ms  TBT  verdict"
    )
    for page in pages:
        medians = {}
        cells = []
        for name in CATEGORIES:
            values = [run["scores"][name] for run in page.runs]
            medians[name] = statistics.median(values)
            cells.append(f"{medians[name]:>3.0f} {min(values):>3}-{max(values):<3}")
        middle = sorted(page.runs, key=lambda run: run["scores"]["performance"])[
            len(page.runs) // 2
        ]
        kb = middle["transfer"] / 1024
        met = all(medians[n] >= TARGETS[n] for n in CATEGORIES) and kb <= TRANSFER_TARGET_KB
        ok &= met
        m = middle["metrics"]
        print(
            f"{page.title:<24} {' '.join(cells)} {kb:>6.1f}  "
            f"{m['first-contentful-paint']:>4.0f}/{m['largest-contentful-paint']:<5.0f} "
            f"{m['total-blocking-time']:>4.0f}  {'ok' if met else 'BELOW TARGET'}"
        )
        largest = ", ".join(f"{url} {size / 1024:.1f}" for url, size in middle["largest"])
        print(f"    {middle['requests']} requests; largest (KB): {largest}")
        # What a page loads after it is shown (the door's offline cache) may land inside
        # Lighthouse's window or not: every run's transfer, and the worst against the target.
        each = [run["transfer"] / 1024 for run in page.runs]
        if len(each) > 1:
            worst = max(each)
            print(
                f"    transfer of each run (KB): {', '.join(f'{kb:.1f}' for kb in each)}"
                + ("" if worst <= TRANSFER_TARGET_KB else f"  (worst over {TRANSFER_TARGET_KB})")
            )
        if show_audits or not met:
            for line in middle["failing"]:
                print(f"    - {line}")
    print(
        "\ntargets: performance >= 95, accessibility 100, best practices >= 95 (median of "
        f"the runs, min-max beside), transfer <= {TRANSFER_TARGET_KB} KB (the median run)"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 3)))
    parser.add_argument("--page", action="append", choices=PAGES, help="only these pages")
    parser.add_argument("--audits", action="store_true", help="list what fails on every page")
    parser.add_argument("--save", type=Path, help="keep Lighthouse's JSON reports there")
    parser.add_argument(
        "--cover", type=Path, help="this photo as the next evening's cover (the demo's drawn one)"
    )
    args = parser.parse_args()
    global SAVE_TO  # a setting for the whole run
    SAVE_TO = args.save
    if not LIGHTHOUSE.exists():
        print("Lighthouse is needed: cd bench && npm ci")
        return 1
    if nginx_available() or not Path(CHROMIUM).exists():
        print("nginx and chromium are needed: apt-get install nginx chromium")
        return 1
    print(f"load before: {_uptime()}")
    workdir = Path(tempfile.mkdtemp(prefix="meetup-bench-phones-"))
    try:
        with bench_databases(workdir, ("app",)) as urls:
            https_port = free_port()
            instance = workdir / "instance"
            instance.mkdir()
            gunicorn = Gunicorn(
                workdir / "gunicorn",
                database_url=urls["app"],
                instance_path=instance,
                base_url=f"https://127.0.0.1:{https_port}",
                proxy_count=1,
            )
            gunicorn.flask("db", "upgrade")
            gunicorn.flask("demo", "load")
            prepared = workdir / "prepared.txt"
            subprocess.run(
                [sys.executable, "-c", PREPARE, str(prepared)]
                + ([str(args.cover.resolve())] if args.cover else []),
                cwd=ROOT,
                env=gunicorn.env,
                check=True,
                capture_output=True,
            )
            with (
                gunicorn,
                Nginx(workdir / "nginx", upstream=gunicorn.address, https_port=https_port) as nginx,
            ):
                pages = [
                    p for p in _pages(nginx, instance, prepared) if p.name in (args.page or PAGES)
                ]
                print(
                    f"gunicorn 2 sync workers behind nginx (deploy/nginx.conf, HTTPS, HTTP/2), "
                    f"{database_label(urls['app'])}; Lighthouse mobile, {args.runs} runs a page\n"
                )
                for _ in range(args.runs):  # rounds: a burst of load spreads over the pages
                    for page in pages:
                        report = _lighthouse(
                            nginx.url + page.path, page, nginx.spki, workdir / "report.json"
                        )
                        page.runs.append(_summary(report, page, nginx.url))
                _report(pages, args.audits)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"load after:  {_uptime()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
