"""Bearer-token authentication for the API: a token acts with its user's role in the series
concerned (meetup.auth.access: each endpoint asks it for its series), within its scopes
(meetup.auth.models.SCOPES)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request

from meetup.api.errors import ApiError
from meetup.auth.models import ApiToken, User
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


def missing_scope(api_token: ApiToken, scope: str) -> ApiError:
    held = ", ".join(api_token.scope_names) or "none"
    return ApiError(
        403, f"This token's scopes ({held}) do not include {scope}, which this request needs."
    )


def token_required(allowed: Callable[[User], bool], *, scope: str) -> Callable:
    """401 without a valid token; 403 when it lacks `scope` or `allowed(its user)` is false
    (meetup.auth.access.is_staff: organises some series; any_account). The endpoint then
    checks the user's role in the series it touches."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            api_token = request_token()
            if api_token is None:
                raise ApiError(401, "A valid API token is required (Authorization: Bearer TOKEN).")
            if not api_token.has_scope(scope):
                raise missing_scope(api_token, scope)
            if not allowed(api_token.user):
                raise ApiError(403, "This token's role may not do that.")
            g.api_user = api_token.user
            return view(*args, **kwargs)

        wrapped.api_scope = scope  # read by the OpenAPI document and the access tests
        return wrapped

    return decorator


def api_user() -> User:
    return g.api_user
