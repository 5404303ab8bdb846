"""Redis gone for a while under gunicorn: signup and login keep working, /healthz says so.

gunicorn with two workers shares its rate limits through a Redis of the test's own (a
`redis-server` started on a free port); the test stops it in the middle, then starts it
again on the same port.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.factories import PASSWORD
from tests.helpers import signup_data
from tests.servers import Browser, Gunicorn, RedisServer


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is needed (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def test_signup_and_login_work_while_redis_is_down(app, make, database_url, tmp_path, redis_server):
    organiser = make.user("organiser")
    event = make.event(make.series(team=(organiser,)), capacity=50)
    with Gunicorn(
        tmp_path / "gunicorn",
        database_url=database_url,
        instance_path=app.instance_path,
        workers=2,
        env={"REDIS_URL": redis_server.url},
    ) as web:
        browser = Browser(web.url)

        def sign_up(n: int) -> int:
            body = {**signup_data(email=f"redis{n}@example.org"), "visibility": "nobody"}
            return browser.open(f"/api/v1/events/{event}/registrations", json_body=body)[0]

        def health() -> dict:
            return json.loads(browser.open("/healthz")[1])

        assert sign_up(0) == 201
        assert health()["redis"] == {"ok": True}

        redis_server.stop()
        statuses = [sign_up(n) for n in range(1, 5)]  # both workers, in turn
        assert statuses == [201] * 4
        assert browser.post_form("/login", {"email": organiser, "password": PASSWORD}) == 302
        body = health()
        assert body["redis"] == {"ok": False} and body["status"] == "degraded"
        assert browser.open("/healthz")[0] == 200  # the site serves: stay in the balancer
        assert "falling back to in-memory storage" in web.log_tail(200)

        redis_server.start()
        assert health()["redis"] == {"ok": True}
        assert sign_up(9) == 201
