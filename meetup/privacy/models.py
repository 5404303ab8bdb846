"""What privacy keeps: the history of each person's consents (the audit of exports is
meetup.audit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetup.extensions import db
from meetup.registrations.models import Registration
from meetup.timeutil import UTCDateTime, utcnow


class ConsentRecord(db.Model):
    """One consent given or changed: which, to what, when, under which wording. Appended,
    never changed; erased with the person."""

    __tablename__ = "consent_records"
    __table_args__ = (Index("ix_consent_records_registration_id_id", "registration_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    #: A name of meetup.privacy.consents.CONSENTS: visibility, share_email, …
    consent: Mapped[str] = mapped_column(String(40))
    #: The value chosen: "nobody"/"attendees"/"community" for visibility, "yes"/"no" otherwise.
    value: Mapped[str] = mapped_column(String(20))
    #: meetup.privacy.consents.WORDING_VERSION when it was given: what the person read.
    wording: Mapped[str] = mapped_column(String(20))
    #: How: at signup (public, organiser, api, import, walk_in) or "changed" later.
    how: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    registration: Mapped[Registration] = relationship()
