"""A series' publishable signup keys: API tokens with the signup scope, for one series."""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetup.auth.models import ApiToken
from meetup.events.models import Series
from meetup.extensions import db


class SignupKey(db.Model):
    __tablename__ = "signup_keys"

    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    #: It signs people up for this series' evenings, and does nothing else.
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)

    token: Mapped[ApiToken] = relationship()
    series: Mapped[Series] = relationship()
