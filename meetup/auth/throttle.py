"""Failed logins are slowed three ways, and nobody can lock an account's owner out.

- Per client address (LOGIN_RATE_LIMIT): one address guessing at many accounts.
- Per account and address (LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT): one address guessing at one
  account; someone else's wrong passwords never count against the owner's address.
- Per account, from browsers that never logged in to it (LOGIN_ACCOUNT_RATE_LIMIT): many
  addresses guessing at one account. A browser that once logged in to the account keeps a
  signed cookie naming it (by a hash of its email), which exempts it from this last limit
  only: a guesser slows every stranger down, never the owner on their usual phone or laptop.
  (OWASP's "device cookies" against online guessing.)

Every key holds a hash of the email typed, never the address itself; the limits apply
alike to emails with and without an account, so nothing tells which exist.
"""

from __future__ import annotations

import hashlib

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from meetup.extensions import limiter_key

#: The cookie a browser keeps once it logged in; sent to the login page only.
DEVICE_COOKIE = "login_device"
DEVICE_COOKIE_PATH = "/login"
#: A browser unused for longer is a stranger again.
DEVICE_MAX_AGE = 365 * 24 * 3600
#: Accounts one browser is known for (a shared office computer).
DEVICE_ACCOUNTS = 5


def _typed_email() -> str:
    return request.form.get("email", "").strip().lower()


def account_id(email: str) -> str:
    """A short hash standing for the account in keys and cookies."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]


def account_key() -> str:
    return "login-account:" + account_id(_typed_email())


def account_address_key() -> str:
    return f"login-account-address:{account_id(_typed_email())}:{limiter_key()}"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _known_accounts() -> list[str]:
    cookie = request.cookies.get(DEVICE_COOKIE, "")
    if not cookie:
        return []
    try:
        accounts = _serializer().loads(cookie, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return []
    return [a for a in accounts if isinstance(a, str)] if isinstance(accounts, list) else []


def known_device() -> bool:
    """This browser logged in to the account typed before (exempt from the account limit)."""
    return account_id(_typed_email()) in _known_accounts()


def remember_device(response: Response, email: str) -> None:
    """After a successful login: this browser is known for that account from now on."""
    accounts = [account_id(email)]
    accounts += [a for a in _known_accounts() if a != accounts[0]][: DEVICE_ACCOUNTS - 1]
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps(accounts),
        max_age=DEVICE_MAX_AGE,
        path=DEVICE_COOKIE_PATH,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
