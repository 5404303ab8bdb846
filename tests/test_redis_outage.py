"""Redis gone for a while under gunicorn: signup and login keep working, /healthz says so.

gunicorn with two workers shares its rate limits through a Redis of the test's own (a
`redis-server` started on a free port); the test stops it in the middle, then starts it
again on the same port.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.factories import PASSWORD
from tests.servers import Gunicorn, free_port
from tests.test_registrations import signup_data


class RedisServer:
    """A throw-away Redis on loopback (nothing kept on disk)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir, self.port = workdir, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port)]
        command += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.workdir)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import redis

                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return
            except Exception:  # noqa: S110 - not up yet
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is needed (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


class Browser:
    """Cookies and CSRF tokens, as a browser keeps them."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def open(self, path: str, data: dict | None = None, *, json_body=None):
        headers = {"Accept-Language": "en"}
        body = None
        if json_body is not None:
            body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode()

    def post_form(self, path: str, data: dict) -> int:
        _, page = self.open(path)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return self.open(path, {**data, "csrf_token": token})[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


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
