"""Web throughput: the public event page under gunicorn, against a bare Flask baseline.

Runs, in the same session and on this machine:
  - baseline: a bare Flask "hello" route (bench/baseline_app.py) under gunicorn, 2 sync workers;
  - the app on a fresh SQLite database in WAL mode with the demo loaded, 2 sync workers;
and loads each from loopback with wrk (8 connections, 2 threads). Prints requests/s, p50/p99
and the ratio to the baseline. Needs wrk (apt-get install wrk).

The signup POST and the form baselines of issue #3 are to be added here with that issue.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = 8


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


def run_wrk(url: str) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = dict(re.findall(r"\s+(50|99)%\s+([\d.]+(?:us|ms|s))", output))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses")
    return {"rps": rps, "p50": to_ms(latency["50"]), "p99": to_ms(latency["99"])}


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk")
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="meetup-bench-"))
    env = {
        **os.environ,
        "SECRET_KEY": "bench-" + "x" * 40,
        "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
        "MEETUP_INSTANCE_PATH": str(workdir),  # never touch the developer's instance/
        "PYTHONPATH": str(ROOT),
    }
    flask = [PYTHON, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo", "load"], cwd=ROOT, env=env, check=True, capture_output=True)

    results = {}
    servers = []
    try:
        port = free_port()
        servers.append(start_gunicorn("bench.baseline_app:app", env, port))
        wait_for(f"http://127.0.0.1:{port}/")
        results["hello (baseline)"] = run_wrk(f"http://127.0.0.1:{port}/")

        port = free_port()
        servers.append(start_gunicorn("wsgi:app", env, port))
        wait_for(f"http://127.0.0.1:{port}/healthz")
        series = f"http://127.0.0.1:{port}/series/cafe-des-entreprenants-de-vienne"
        html = urllib.request.urlopen(series).read().decode()
        event_path = re.search(r'href="(/events/[^"]+)"', html).group(1)
        results["event page GET"] = run_wrk(f"http://127.0.0.1:{port}{event_path}")
        results["series page GET"] = run_wrk(series)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    baseline = results["hello (baseline)"]["rps"]
    print(f"{'route':<20} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs hello':>9}")
    for name, figures in results.items():
        ratio = figures["rps"] / baseline
        print(
            f"{name:<20} {figures['rps']:>9.0f} {figures['p50']:>8.2f} {figures['p99']:>8.2f} {ratio:>8.0%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
