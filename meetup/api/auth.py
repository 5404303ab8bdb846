"""Bearer-token authentication for the API; a token acts with its user's role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request

from meetup.api.errors import ApiError
from meetup.auth.models import ApiToken, Role, User
from meetup.auth.services import verify_api_token


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def request_token() -> ApiToken | None:
    """The valid API token this request carries, looked up once per request."""
    if "api_token" not in g:
        g.api_token = verify_api_token(bearer_token() or "")
    return g.api_token


def token_required(*roles: Role) -> Callable:
    """401 without a valid token, 403 when its user lacks every one of `roles`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            api_token = request_token()
            if api_token is None:
                raise ApiError(401, "A valid API token is required (Authorization: Bearer TOKEN).")
            if api_token.user.role not in roles:
                raise ApiError(403, "This token's role may not do that.")
            g.api_user = api_token.user
            return view(*args, **kwargs)

        return wrapped

    return decorator


def api_user() -> User:
    return g.api_user
