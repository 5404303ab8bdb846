"""Settings, read from the environment with safe defaults.

Every setting is documented in README.md; keep the two in step.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Values of SECRET_KEY that must never reach production.
UNSAFE_SECRET_KEYS = frozenset({"", "dev", "change-me", "secret", "testing"})
MIN_SECRET_KEY_LENGTH = 24


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def normalise_database_url(url: str) -> str:
    """Make `postgres://` and `postgresql://` URLs use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


#: Where `make run` serves. Emails, QR codes and badges carry absolute links to BASE_URL.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


class Config:
    """Production-safe defaults; everything can be overridden by the environment."""

    TESTING = False
    DEBUG = False

    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    BASE_URL = os.environ.get("BASE_URL", DEVELOPMENT_BASE_URL).rstrip("/")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL", ""))
    #: hide_parameters: SQL errors in logs never show the values (names, emails) they carried.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}

    DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "Europe/Paris")
    BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LOCALE", "fr")
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("fr", "en")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "meetup@localhost")
    #: Where bounces go (the envelope sender, Return-Path): a mailbox someone reads, or that a
    #: tool turns into "address unknown"; empty: the sender's address.
    MAIL_BOUNCE_ADDRESS = os.environ.get("MAIL_BOUNCE_ADDRESS", "")
    #: Seconds to wait for the SMTP server on each step.
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 30)
    #: Attempts before an outbox message is marked failed (backoff 1, 2, 4 … 60 minutes).
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 8)
    #: The organisers' messages to many people go out at most this many a minute (a mail
    #: provider's sending limit; a burst from a small server looks like spam).
    MAIL_CAMPAIGN_PER_MINUTE = _int("MAIL_CAMPAIGN_PER_MINUTE", 60)
    #: Seconds after which a message a worker claimed but never finished is taken over.
    MAIL_CLAIM_TIMEOUT = _int("MAIL_CLAIM_TIMEOUT", 15 * 60)

    #: Webhooks (meetup.webhooks): seconds to wait for the receiver; attempts before a
    #: delivery is marked failed (backoff 1, 2, 4 … 60 minutes); seconds after which a
    #: delivery a worker claimed but never finished is taken over.
    WEBHOOK_TIMEOUT = _int("WEBHOOK_TIMEOUT", 10)
    WEBHOOK_MAX_ATTEMPTS = _int("WEBHOOK_MAX_ATTEMPTS", 10)
    WEBHOOK_CLAIM_TIMEOUT = _int("WEBHOOK_CLAIM_TIMEOUT", 5 * 60)
    #: Receivers on loopback or private addresses (a CRM on the club's own network): off by
    #: default, so that nobody can make the server call its neighbours on the host's LAN.
    WEBHOOK_ALLOW_PRIVATE = _bool("WEBHOOK_ALLOW_PRIVATE", False)
    #: Days a delivered or failed webhook delivery (its body may hold what people agreed to
    #: share with the club's tools) is kept for the delivery log; then the daily purge.
    WEBHOOK_KEEP_DAYS = _int("WEBHOOK_KEEP_DAYS", 30)

    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    #: Rate limits fail open: while Redis cannot be reached, each worker counts in its own
    #: memory (and /healthz says so) rather than answer 500; Redis is tried again from time
    #: to time. A Redis that hangs costs a request half a second, not a worker's timeout.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    #: No X-RateLimit-* headers: they cost two Redis round trips on every limited request
    #: (each signup's), for figures nothing reads. A refused client still learns when to try
    #: again: Retry-After on every 429 (meetup.ops.errors).
    RATELIMIT_HEADERS_ENABLED = False
    #: Failed logins per client address (meetup.auth.throttle).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute;20 per hour")
    #: Failed logins per account from one address.
    LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT = os.environ.get(
        "LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT", "5 per minute;10 per hour"
    )
    #: Failed logins per account from browsers that never logged in to it, all addresses
    #: together; a browser that did is not slowed by this one.
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "10 per hour")
    #: Public signups per client address (the form and the API; organiser tokens are exempt).
    SIGNUP_RATE_LIMIT = os.environ.get("SIGNUP_RATE_LIMIT", "10 per minute;60 per hour")
    #: "Send me my link again" per email address asked for (both forms together; the
    #: client address has SIGNUP_RATE_LIMIT, also shared by both forms).
    LINK_AGAIN_EMAIL_RATE_LIMIT = os.environ.get(
        "LINK_AGAIN_EMAIL_RATE_LIMIT", "3 per minute;10 per day"
    )
    #: "Forgot your password?" requests per client address.
    PASSWORD_RESET_RATE_LIMIT = os.environ.get(
        "PASSWORD_RESET_RATE_LIMIT", "5 per minute;20 per hour"
    )

    #: Geocoding of office addresses (README: ban, nominatim or none), by the worker.
    GEOCODER = os.environ.get("GEOCODER", "ban")
    #: A self-hosted geocoder (an Addok for ban, a Nominatim), e.g. http://127.0.0.1:7878.
    GEOCODER_URL = os.environ.get("GEOCODER_URL", "")
    GEOCODER_TIMEOUT = _int("GEOCODER_TIMEOUT", 10)
    #: BAN answers below this score (0–1) count as "not found" (good matches score above 0.9;
    #: an unknown street in a known town comes back as another street at about 0.4–0.55).
    GEOCODER_MIN_SCORE = float(os.environ.get("GEOCODER_MIN_SCORE", "0.6"))
    GEOCODER_USER_AGENT = os.environ.get("GEOCODER_USER_AGENT", "meetup (" + BASE_URL + ")")
    #: Seconds between two calls to the geocoder, all workers together; empty: the provider's
    #: policy (meetup.directory.geocoding.min_interval).
    GEOCODER_MIN_INTERVAL = (
        float(os.environ["GEOCODER_MIN_INTERVAL"])
        if os.environ.get("GEOCODER_MIN_INTERVAL")
        else None
    )
    #: Failed geocoder calls (unreachable, timeout) before an address is marked failed.
    GEOCODE_MAX_ATTEMPTS = _int("GEOCODE_MAX_ATTEMPTS", 8)
    #: Map tiles (Leaflet URL template); empty: maps show markers on a plain background.
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    MAP_TILE_ATTRIBUTION = os.environ.get(
        "MAP_TILE_ATTRIBUTION",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
    )

    #: How often an attendee's phone asks who is in the room now (seconds).
    TONIGHT_POLL_SECONDS = _int("TONIGHT_POLL_SECONDS", 20)

    #: Delivered (or failed) emails are deleted after this many days (`privacy purge`).
    MAIL_KEEP_DAYS = _int("MAIL_KEEP_DAYS", 30)
    #: Who people write to about their data (the privacy page); the sender address if empty.
    PRIVACY_CONTACT = os.environ.get("PRIVACY_CONTACT", "")

    #: /healthz answers 503 (take this host out) when the instance folder's disk has less.
    HEALTH_MIN_FREE_MB = _int("HEALTH_MIN_FREE_MB", 50)

    #: Number of reverse proxies in front of the app (for X-Forwarded-*), 0 when none.
    PROXY_COUNT = _int("PROXY_COUNT", 0)

    #: "text" or "json" (one object per line) for the log lines on stderr (meetup.ops.logs).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
    #: /metrics answers with `Authorization: Bearer <this>`; without it, only to requests
    #: from loopback that came through no proxy (meetup.ops.metrics).
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    #: Errors go to Sentry when set (meetup.ops.sentry), scrubbed of personal data.
    SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
    #: Share of requests traced for Sentry's performance view (0 to 1).
    SENTRY_TRACES_SAMPLE_RATE = os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", BASE_URL.startswith("https://"))
    REMEMBER_COOKIE_DURATION = 0
    #: werkzeug hash method for staff passwords (memory-hard scrypt by default).
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
    #: Staff sessions end after this many seconds without a request (12 hours).
    PERMANENT_SESSION_LIFETIME = _int("SESSION_LIFETIME", 60 * 60 * 12)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "testing"  # noqa: S105 - refused outside TESTING
    SERVER_NAME = None
    BASE_URL = "http://localhost"
    RATELIMIT_STORAGE_URI = "memory://"
    #: Tests that geocode start their own Addok (tests/addok.py); no test reaches the Internet.
    GEOCODER = "none"
    MAP_TILE_URL = ""
    #: Fast hashing in tests only: hundreds of logins would otherwise take minutes.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("TEST_DATABASE_URL", ""))


def load_secret_key(instance_path: str) -> str | None:
    """SECRET_KEY from the environment, else from `instance/secret_key` (written by `make run`)."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip() or None
    return None
