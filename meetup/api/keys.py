"""Signup keys: the writes and the look-ups."""

from __future__ import annotations

from sqlalchemy import select

from meetup.api.models import SignupKey
from meetup.auth.models import SIGNUP_SCOPE, ApiToken, User
from meetup.auth.services import new_api_token
from meetup.events.models import Series
from meetup.extensions import db


def create_signup_key(user: User, series: Series, name: str) -> tuple[str, ApiToken]:
    """A publishable key that signs people up for `series`' evenings; the clear text is
    returned once. Commits."""
    token, api_token = new_api_token(user, name, (SIGNUP_SCOPE,))
    db.session.add(SignupKey(token=api_token, series_id=series.id))
    db.session.commit()
    return token, api_token


def series_keys(series: Series) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .join(SignupKey, SignupKey.token_id == ApiToken.id)
            .where(SignupKey.series_id == series.id)
            .order_by(ApiToken.id.desc())
        )
    )


def key_series(api_token: ApiToken) -> Series | None:
    """The series a signup key signs people up for."""
    key = db.session.get(SignupKey, api_token.id)
    return key.series if key is not None else None
