"""Web throughput: the application under gunicorn against bare baselines, in one run.

Baselines (bench/baseline_app.py, gunicorn, 2 sync workers, SQLite in WAL mode):
  hello GET, a minimal Flask + WTForms form GET, and that form's POST inserting one row.
The application (same settings, the demo loaded):
  the public event page GET, and the real signup POST (CSRF, validation, the capacity lock,
  the registration row, its consents and its confirmation email's draft written to the
  outbox in one transaction; the mail worker, not running here, composes the email).
Loaded from loopback with wrk (8 connections, 2 threads). Prints requests/s, p50/p99 and the
ratios the issue sets as targets. Needs wrk (apt-get install wrk). With BENCH_POSTGRES_URL set,
the application and the baselines run on fresh PostgreSQL databases instead (bench/databases.py).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import bench_run, database_label  # noqa: E402

PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 8))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()  # noqa: S310 - loopback only
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def start_gunicorn(app: str, env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            GUNICORN,
            "-w",
            "2",
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def to_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, post_body: str | None = None, cookie: str = "") -> dict[str, float]:
    command = ["wrk", f"-t{min(2, CONNECTIONS)}", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency"]
    env = dict(os.environ)
    if post_body is not None:
        command += ["-s", str(ROOT / "bench" / "post.lua")]
        env |= {"BODY": post_body, "COOKIE": cookie}
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, env=env
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = dict(re.findall(r"\s+(50|99)%\s+([\d.]+(?:us|ms|s))", output))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses")
    return {"rps": rps, "p50": to_ms(latency["50"]), "p99": to_ms(latency["99"])}


def _measure(workdir: Path, urls: dict[str, str]) -> dict[str, dict[str, float]]:
    env = {
        **os.environ,
        "SECRET_KEY": "bench-" + "x" * 40,
        "DATABASE_URL": urls["app"],
        "BASELINE_DATABASE_URL": urls["baseline"],
        "MEETUP_INSTANCE_PATH": str(workdir),  # never touch the developer's instance/
        "SIGNUP_RATE_LIMIT": "1000000 per minute",  # one client sends everything here
        "PYTHONPATH": str(ROOT),
    }
    flask = [PYTHON, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True)
    # The baseline creates its table on import: once here, not by two workers at once.
    subprocess.run([PYTHON, "-c", "import bench.baseline_app"], cwd=ROOT, env=env, check=True)

    results = {}
    servers = []
    try:
        port = free_port()
        servers.append(start_gunicorn("bench.baseline_app:app", env, port))
        wait_for(f"http://127.0.0.1:{port}/")
        base = f"http://127.0.0.1:{port}"
        results["hello (baseline)"] = run_wrk(f"{base}/")
        results["form GET (baseline)"] = run_wrk(f"{base}/form")
        results["form POST insert (baseline)"] = run_wrk(f"{base}/form", "name=Bench&email=EMAIL")

        port = free_port()
        servers.append(start_gunicorn("wsgi:app", env, port))
        wait_for(f"http://127.0.0.1:{port}/healthz")
        series = f"http://127.0.0.1:{port}/series/cafe-des-entreprenants-de-vienne"
        html = urllib.request.urlopen(series).read().decode()
        event_path = re.search(r'href="(/events/[^"]+)"', html).group(1)
        results["event page GET"] = run_wrk(f"http://127.0.0.1:{port}{event_path}")
        results["series page GET"] = run_wrk(series)
        signup = f"http://127.0.0.1:{port}{event_path}/signup"
        cookie, token = session_and_token(signup)
        body = (
            f"csrf_token={quote(token)}&first_name=Bench&last_name=Mark&email=EMAIL"
            "&company=Bench+SARL&visibility=attendees&language=fr"
        )
        results["signup POST"] = run_wrk(signup, body, cookie)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)

    return results


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk")
        return 1
    with bench_run("meetup-bench-") as (workdir, urls):
        results = _measure(workdir, urls)
    print(f"gunicorn 2 sync workers, {database_label(urls['app'])}, {CONNECTIONS} connections")
    hello = results["hello (baseline)"]["rps"]
    print(f"{'route':<30} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs hello':>9}")
    for name, figures in results.items():
        print(
            f"{name:<30} {figures['rps']:>8.0f} {figures['p50']:>8.2f} {figures['p99']:>8.2f}"
            f" {figures['rps'] / hello:>8.0%}"
        )
    targets = [
        ("signup POST / form POST insert", "signup POST", "form POST insert (baseline)", 0.50),
        ("event page GET / form GET", "event page GET", "form GET (baseline)", 0.60),
    ]
    print()
    for label, ours, theirs, target in targets:
        ratio = results[ours]["rps"] / results[theirs]["rps"]
        verdict = "ok" if ratio >= target else "BELOW TARGET"
        print(f"{label:<34} {ratio:>6.0%}  (target >= {target:.0%}) {verdict}")
    worst = max(results[name]["p99"] for name in ("event page GET", "signup POST"))
    print(f"{'p99 of the app at 8 connections':<34} {worst:>5.1f} ms (target <= 50 ms)")
    return 0


def session_and_token(url: str) -> tuple[str, str]:
    """A browser's visit: the session cookie and the form's CSRF token that go with it."""
    with urllib.request.urlopen(url) as response:  # noqa: S310 - loopback only
        cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        html = response.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return cookie, token


if __name__ == "__main__":
    sys.exit(main())
