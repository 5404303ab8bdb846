"""Fair comparisons under load on a shared machine: the application and a bare baseline doing
the same work, both served by gunicorn with gunicorn.conf.py, measured in alternating rounds
within one run (a neighbour's load then falls on both sides alike).

Each measure is a wrk run of at least BENCH_SECONDS (5 s by default). For each pair the
figures printed are the median of the rounds' ratios of throughput and their spread (lowest
and highest ratio), the app's median p50/p95/p99, and each side's CPU time per request, read
from /proc/<pid>/stat of its gunicorn workers: CPU time depends much less on what else the
machine runs than throughput does. The machine's load average (uptime) is printed before and
after the run.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
SECONDS = float(os.environ.get("BENCH_SECONDS", 5))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 8))
WARM_UP = 2.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()  # noqa: S310 - loopback only
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, as uptime prints them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Server:
    """`app` ("module:app") under gunicorn with the production settings (gunicorn.conf.py:
    2 sync workers, unless WEB_CONCURRENCY says otherwise; gc frozen after load)."""

    def __init__(self, app: str, env: dict[str, str], probe: str = "/") -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "--log-level", "warning", app],
            cwd=ROOT,
            env={**env, "BIND": f"127.0.0.1:{self.port}"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.base + probe)

    def workers(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children")
        if children.exists():
            return [int(child) for child in children.read_text().split()]
        return [  # kernels without /proc/.../children
            int(stat.parent.name)
            for stat in Path("/proc").glob("[0-9]*/stat")
            if _field(stat, 3) == str(pid)
        ]

    def cpu_seconds(self) -> float:
        """User and system time of the workers so far."""
        total = 0
        for pid in self.workers():
            try:
                total += int(_field(Path(f"/proc/{pid}/stat"), 13))
                total += int(_field(Path(f"/proc/{pid}/stat"), 14))
            except (OSError, ValueError):
                continue
        return total / CLOCK_TICKS

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _field(stat: Path, index: int) -> str:
    """Field `index` (0-based) of a /proc stat line; the name in parentheses may hold spaces."""
    text = stat.read_text()
    return text[text.rindex(")") + 2 :].split()[index - 2]


def to_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


@dataclass
class Load:
    """What wrk sends: a URL, and a Lua script with its environment (None: plain GETs)."""

    url: str
    script: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    #: Called before each run with the round's number (fresh codes for each round, say).
    before: Callable[[int], dict[str, str]] | None = None


def run_wrk(
    load: Load, server: Server, round_number: int, seconds: float = SECONDS
) -> dict[str, float]:
    """One measure: requests/s, latency percentiles (ms) and CPU ms per request. Round
    ROUNDS is the warm-up's."""
    command = [
        "wrk",
        f"-t{min(2, CONNECTIONS)}",
        f"-c{CONNECTIONS}",
        f"-d{seconds:g}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    env = {**os.environ, "BENCH_DIR": str(ROOT / "bench"), **load.env}
    if load.before is not None:
        env |= load.before(round_number)
    if load.script:
        command += ["-s", str(ROOT / "bench" / load.script)]
    cpu = server.cpu_seconds()
    output = subprocess.run(
        [*command, load.url], capture_output=True, text=True, check=True, env=env
    ).stdout
    cpu = server.cpu_seconds() - cpu
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if errors or socket_errors or "ERROR" in output:
        raise RuntimeError(f"{load.url}: errors\n{output[-2000:]}")
    percentiles = {}
    for name in ("50", "95", "99"):
        found = re.search(rf"\bP{name}=([\d.]+(?:us|ms|s))", output) or re.search(
            rf"^\s+{name}(?:\.000)?%\s+([\d.]+(?:us|ms|s))", output, re.MULTILINE
        )
        percentiles[f"p{name}"] = to_ms(found.group(1)) if found else float("nan")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        **percentiles,
        "cpu_ms": 1000 * cpu / max(requests, 1),
        "requests": requests,
    }


@dataclass
class Pair:
    """The application's route and the baseline doing the same work (None: the app alone,
    against an absolute target)."""

    name: str
    app: Load
    baseline: Load | None = None


def alternate(
    pairs: list[Pair], app: Server, baseline: Server
) -> dict[str, list[dict[str, dict[str, float]]]]:
    """ROUNDS rounds; in each, every pair's baseline then its app route (the order flips
    every other round, so that neither side always follows the other)."""
    results: dict[str, list[dict[str, dict[str, float]]]] = {pair.name: [] for pair in pairs}
    for pair in pairs:  # warm-up, not counted: queries compiled, templates loaded, caches
        for load, server in ((pair.app, app), (pair.baseline, baseline)):
            if load is not None:
                run_wrk(load, server, ROUNDS, seconds=WARM_UP)
    for number in range(ROUNDS):
        for pair in pairs:
            sides = [("app", pair.app, app)]
            if pair.baseline is not None:
                sides.append(("baseline", pair.baseline, baseline))
            if number % 2:
                sides.reverse()
            measured = {side: run_wrk(load, server, number) for side, load, server in sides}
            results[pair.name].append(measured)
            print(f"  round {number + 1} {pair.name}: {_brief(measured)}", flush=True)
    return results


def _brief(measured: dict[str, dict[str, float]]) -> str:
    return ", ".join(
        f"{side} {m['rps']:.0f} req/s p99 {m['p99']:.1f} ms cpu {m['cpu_ms']:.2f} ms"
        for side, m in measured.items()
    )


def summary(results: dict[str, list[dict[str, dict[str, float]]]]) -> dict[str, dict]:
    """Per pair: the app's median figures, and the median ratio to the baseline with its
    spread (min, max over the rounds)."""
    out = {}
    for name, rounds in results.items():
        app = {k: statistics.median(r["app"][k] for r in rounds) for k in rounds[0]["app"]}
        line = {"app": app}
        if "baseline" in rounds[0]:
            ratios = [r["app"]["rps"] / r["baseline"]["rps"] for r in rounds]
            cpu_ratios = [r["baseline"]["cpu_ms"] / r["app"]["cpu_ms"] for r in rounds]
            line["baseline"] = {
                k: statistics.median(r["baseline"][k] for r in rounds) for k in rounds[0]["app"]
            }
            line["ratio"] = (statistics.median(ratios), min(ratios), max(ratios))
            line["cpu_ratio"] = (statistics.median(cpu_ratios), min(cpu_ratios), max(cpu_ratios))
        out[name] = line
    return out


def print_summary(figures: dict[str, dict]) -> None:
    print(
        f"{'route':<24} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'cpu ms':>7}"
        f" {'base req/s':>10} {'base cpu':>8} {'ratio (min-max)':>18} {'cpu ratio':>10}"
    )
    for name, line in figures.items():
        app = line["app"]
        text = (
            f"{name:<24} {app['rps']:>7.0f} {app['p50']:>6.2f} {app['p95']:>6.2f}"
            f" {app['p99']:>6.2f} {app['cpu_ms']:>7.2f}"
        )
        if "ratio" in line:
            ratio, low, high = line["ratio"]
            text += (
                f" {line['baseline']['rps']:>10.0f} {line['baseline']['cpu_ms']:>8.2f}"
                f" {ratio:>7.0%} ({low:.0%}-{high:.0%}) {line['cpu_ratio'][0]:>9.0%}"
            )
        print(text)
