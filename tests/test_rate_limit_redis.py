"""With REDIS_URL set, rate limits are shared by every worker (gunicorn runs several)."""

from __future__ import annotations

import pytest
import redis

from meetup import create_app
from meetup.config import TestConfig
from meetup.extensions import db
from tests.helpers import csrf_from, signup_data

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def two_workers(app, tmp_path):
    """Two app instances on the same database and the same Redis, like two gunicorn workers."""
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    config = type(
        "RedisConfig",
        (TestConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "SIGNUP_RATE_LIMIT": "3 per minute",
        },
    )
    workers = [create_app(config, instance_path=str(tmp_path / str(n))) for n in range(2)]
    yield workers
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_signup_limit_is_shared_between_workers(two_workers, make):
    event = make.event(make.series(), capacity=50)
    statuses = []
    for n in range(5):
        worker = two_workers[n % 2]  # the load balancer alternates
        response = worker.test_client().post(
            f"/api/v1/events/{event}/registrations",
            json={**signup_data(email=f"p{n}@example.org"), "visibility": "nobody"},
        )
        statuses.append(response.status_code)
    assert statuses == [201, 201, 201, 429, 429]


def test_a_refused_signup_says_when_to_try_again_and_no_other_signup_carries_counts(
    two_workers, make
):
    """Retry-After on the 429 (read from Redis then), and no X-RateLimit-* headers on the
    signups that go through: those cost two Redis round trips each."""
    event = make.event(make.series(), capacity=50)
    client = two_workers[0].test_client()
    html = client.get(f"/events/{event}/signup").get_data(as_text=True)
    answers = [
        client.post(
            f"/events/{event}/signup",
            data={**signup_data(email=f"q{n}@example.org"), "csrf_token": csrf_from(html)},
        )
        for n in range(4)
    ]
    assert [answer.status_code for answer in answers] == [302, 302, 302, 429]
    for answer in answers:
        assert not [name for name, _ in answer.headers if name.startswith("X-RateLimit")]
    assert "Retry-After" not in answers[0].headers
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 61
    api = [
        two_workers[n % 2]
        .test_client()
        .post(
            f"/api/v1/events/{event}/registrations",
            json={**signup_data(email=f"r{n}@example.org"), "visibility": "nobody"},
        )
        for n in range(4)
    ]
    assert [answer.status_code for answer in api] == [201, 201, 201, 429]
    assert 1 <= int(api[3].headers["Retry-After"]) <= 61
