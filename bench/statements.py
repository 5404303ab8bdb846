"""The SQL statements of one signup POST and one door scan, in the application and in the
bare baseline (bench/baseline_app.py), side by side: the baseline must run the same ones for
the comparison to be fair. Logged with an engine listener, on a scratch SQLite database (or
BENCH_POSTGRES_URL's) prepared as the benchmarks prepare theirs. Prints, for each request,
both lists (verb and table of each statement) and whether they match.

Run: .venv/bin/python bench/statements.py   (add -v for the full statements)
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import checkin, web  # noqa: E402
from bench.databases import bench_run, database_label  # noqa: E402

_SHAPE = re.compile(
    r"^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA\s+\w+|SELECT|INSERT INTO|UPDATE|DELETE FROM)"
    r"(?:.*?\bFROM\s+(\w+)|\s+(\w+))?",
    re.IGNORECASE | re.DOTALL,
)


def shape(statement: str) -> str:
    """What a statement is, in short: its verb and its (first) table."""
    match = _SHAPE.match(statement.strip())
    if not match:
        return statement.split()[0]
    verb, from_table, table = match.groups()
    return f"{verb.upper()} {from_table or table or ''}".strip()


def main() -> int:
    verbose = "-v" in sys.argv
    with bench_run("meetup-bench-statements-") as (workdir, urls):
        env = {
            **os.environ,
            "SECRET_KEY": "bench-" + "x" * 40,
            "MEETUP_INSTANCE_PATH": str(workdir),
            "SIGNUP_RATE_LIMIT": "1000000 per minute",
            "PYTHONPATH": str(ROOT),
        }
        slug = web.prepare(env, urls["app"])
        checkin.PEOPLE = 20
        codes = workdir / "codes.txt"
        door_slug, token = checkin.prepare(env, urls["app"], codes)
        os.environ.update(env, DATABASE_URL=urls["app"], BASELINE_DATABASE_URL=urls["app"])
        lists = _trace(slug, door_slug, token, codes.read_text().split())
    print(f"{database_label(urls['app'])}: statements of one request (verb and table)")
    same = True
    for request, sides in lists.items():
        app, baseline = ([shape(s) for s in sides[side]] for side in ("app", "baseline"))
        match = app == baseline
        same &= match
        print(f"\n{request}: app {len(app)}, baseline {len(baseline)}, same: {match}")
        for n in range(max(len(app), len(baseline))):
            left = app[n] if n < len(app) else ""
            right = baseline[n] if n < len(baseline) else ""
            print(f"  {'' if left == right else '≠'}{left:<34} {right}")
            if verbose:
                for side in ("app", "baseline"):
                    if n < len(sides[side]):
                        print(f"      {side}: {sides[side][n][:400]}")
    return 0 if same else 1


def _trace(slug: str, door_slug: str, token: str, codes: list[str]) -> dict:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from bench.baseline_app import app as baseline
    from wsgi import app

    logging.getLogger("meetup.requests").setLevel(logging.WARNING)
    log: list[str] = []

    @event.listens_for(Engine, "before_cursor_execute")
    def _log(connection, cursor, statement, parameters, context, executemany) -> None:
        log.append(" ".join(statement.split()))

    @event.listens_for(Engine, "commit")
    def _commit(connection) -> None:
        log.append("COMMIT")

    lists: dict[str, dict[str, list[str]]] = {"signup POST": {}, "door scan POST": {}}
    for side, wsgi_app in (("app", app), ("baseline", baseline)):
        client = wsgi_app.test_client()
        page = client.get(f"/events/{slug}/signup").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        csrf = csrf or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
        body = f"csrf_token={quote(csrf.group(1))}&" + urlencode(
            {**web.FORM, "email": f"statements-{side}@example.org"}
        )
        client.post(  # the first of each compiles and caches what it needs
            f"/events/{slug}/signup",
            data=body.replace("statements-", "warm-"),
            content_type="application/x-www-form-urlencoded",
        )
        log.clear()
        response = client.post(
            f"/events/{slug}/signup", data=body, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 302, (side, response.status_code)
        lists["signup POST"][side] = list(log)
        headers = {"Authorization": f"Bearer {token}"}
        for n, code in enumerate((codes.pop(), codes.pop())):  # a warm-up, then the one
            log.clear()
            scan = {"code": code, "event": door_slug, "door": "A", "request_id": f"{side}-{n}"}
            response = client.post("/api/v1/checkins", json=scan, headers=headers)
            assert response.status_code == 200, (side, response.get_data(as_text=True))
        lists["door scan POST"][side] = list(log)
    return lists


if __name__ == "__main__":
    sys.exit(main())
