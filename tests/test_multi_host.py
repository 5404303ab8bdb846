"""A club network on many hosts: two app servers (gunicorn, instance folders and ports of
their own) and two workers, against one PostgreSQL database and one Redis, as a regional
federation of clubs runs it. What must hold: a login made on one host works on the other; a
burst of signups over both keeps the capacity exact; rate limits are counted once for both;
every email goes out once; each office address is asked about once, the geocoder's policy
kept by both workers together; the daily purge runs once.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
import time
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetup.extensions import db
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.registrations.models import LocationStatus, Registration, RegistrationStatus
from meetup.timeutil import utcnow
from tests.factories import PASSWORD
from tests.fakes import ADDRESSES, FakeNominatim, SmtpServer
from tests.helpers import signup_data
from tests.servers import REPO, Browser, Gunicorn, RedisServer

pytestmark = pytest.mark.postgres_only

CAPACITY = 5
SIGNUPS = 12
LIMIT = 15  # signups a minute from one address, both hosts together


class Worker:
    """`flask worker` with a host's settings, in a process of its own."""

    def __init__(self, env: dict, log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Worker:
        flask = str(Path(sys.executable).with_name("flask"))
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [flask, "--app", "wsgi", "worker", "--interval", "0.3"],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)

    def output(self) -> str:
        return self.log.read_text()


def _wait_for(condition, timeout: float = 90, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_two_hosts_two_workers_one_database(app, make, database_url, tmp_path):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,), retention_nobody_days=30)
    event = make.event(series, capacity=CAPACITY)
    # Someone the retention purge must remove: there is something to run once.
    old = make.event(series, starts_at=(utcnow() - timedelta(days=40)).replace(microsecond=0))
    make.registration(old, last_name="Oubliable", visibility="nobody")

    redis, smtp = RedisServer(tmp_path), SmtpServer()
    redis.start()
    smtp.start()
    shared = {
        "SECRET_KEY": secrets.token_urlsafe(48),  # the same on every host
        "REDIS_URL": redis.url,
        "SIGNUP_RATE_LIMIT": f"{LIMIT} per minute",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "MAIL_USE_TLS": "false",
        "MAIL_DEFAULT_SENDER": "club@example.org",
    }
    try:
        with (
            FakeNominatim() as geocoder,
            Gunicorn(tmp_path / "a", database_url=database_url, instance_path=tmp_path / "a-instance", workers=2, env=shared) as host_a,
            Gunicorn(tmp_path / "b", database_url=database_url, instance_path=tmp_path / "b-instance", workers=2, env=shared) as host_b,
        ):  # fmt: skip
            # -- a login on host A works on host B (sessions live in the database)
            browser = Browser(host_a.url)
            assert browser.post_form("/login", {"email": organiser, "password": PASSWORD}) == 302
            browser.base = host_b.url
            assert browser.open("/admin/")[0] == 200

            # -- a burst of signups over both hosts, at once
            statuses: list = [None] * SIGNUPS

            def sign_up(n: int) -> None:
                host = (host_a, host_b)[n % 2]
                street, postcode, city = ADDRESSES[n % 4]  # colleagues: 4 addresses
                body = {
                    **signup_data(email=f"burst{n}@example.org"),
                    "street": street,
                    "postcode": postcode,
                    "city": city,
                }
                statuses[n] = Browser(host.url).open(
                    f"/api/v1/events/{event}/registrations", json_body=body
                )[0]

            threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(SIGNUPS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert statuses == [201] * SIGNUPS
            with app.app_context():
                seats = db.session.execute(
                    select(Registration.status, func.count())
                    .where(Registration.event.has(slug=event))
                    .group_by(Registration.status)
                ).all()
            assert dict(seats) == {
                RegistrationStatus.CONFIRMED: CAPACITY,
                RegistrationStatus.WAITLISTED: SIGNUPS - CAPACITY,
            }

            # -- rate limits counted once for both hosts (all requests from 127.0.0.1)
            more = [
                Browser((host_a, host_b)[n % 2].url).open(
                    f"/api/v1/events/{event}/registrations",
                    json_body=signup_data(email=f"more{n}@example.org"),
                )[0]
                for n in range(LIMIT - SIGNUPS + 1)
            ]
            assert more == [201] * (LIMIT - SIGNUPS) + [429]

            # -- two workers: every email once, each address asked about once, paced
            worker_env = {
                **host_a.env,
                "GEOCODER": "nominatim",
                "GEOCODER_URL": geocoder.url,
                "GEOCODER_MIN_INTERVAL": "1.1",
            }
            with (
                Worker(worker_env, tmp_path / "worker-1.log") as one,
                Worker({**worker_env, "MEETUP_INSTANCE_PATH": str(tmp_path / "b-instance")}, tmp_path / "worker-2.log") as two,
            ):  # fmt: skip

                def all_done() -> bool:
                    with app.app_context():
                        unsent = db.session.scalar(
                            select(func.count()).where(OutboxMessage.status != OutboxStatus.SENT)
                        )
                        pending = db.session.scalar(
                            select(func.count()).where(
                                Registration.location_status == LocationStatus.PENDING
                            )
                        )
                        db.session.remove()
                    return unsent == 0 and pending == 0

                _wait_for(all_done, what="the workers to send and geocode everything")
            outputs = one.output() + two.output()
    finally:
        smtp.stop()
        redis.stop()

    with app.app_context():
        sent = set(db.session.scalars(select(OutboxMessage.message_id)))
    received = smtp.inbox.message_ids()
    assert set(received) == sent and max(received.values()) == 1  # each email, once
    assert len(sent) >= LIMIT  # a confirmation or waitlist email per signup, at least

    queries = [query for _, query in geocoder.requests]
    assert len(queries) == len(set(queries)) == 4  # each address once
    gaps = [b - a for (a, _), (b, _) in pairwise(geocoder.requests)]
    assert min(gaps) >= 1.0, gaps

    assert outputs.count("privacy: ") == 1, outputs  # the purge, once for both workers
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).where(Registration.last_name == "Oubliable"))
            == 0
        )
