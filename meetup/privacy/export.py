"""Everything the application holds about a person (their registrations, by email), for
"download my data": a dict that becomes JSON and a readable page (dates as datetimes)."""

from __future__ import annotations

import json

from sqlalchemy import func, or_, select

from meetup.directory import encounters
from meetup.directory.digest import person_key
from meetup.directory.models import Digest, Encounter, Introduction, IntroductionStatus
from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.privacy.consents import CONSENTS, value_text
from meetup.privacy.erasure import PERSONAL_FIELDS, the_person
from meetup.privacy.models import ConsentRecord
from meetup.registrations.models import Registration


def as_json(data: dict) -> str:
    """The dict as the downloadable file (dates in ISO 8601)."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=lambda v: v.isoformat())


def _status_shown(introduction: Introduction, *, asked_by_you: bool) -> str:
    """A decline is never told to the person who asked: for them it stays pending."""
    if asked_by_you and introduction.status is IntroductionStatus.DECLINED:
        return IntroductionStatus.PENDING.value
    return introduction.status.value


def person_data(registration: Registration) -> dict:
    people = the_person(registration)
    ids = [r.id for r in people]
    history = db.session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.registration_id.in_(ids))
        .order_by(ConsentRecord.registration_id, ConsentRecord.id)
    ).all()
    introductions = db.session.scalars(
        select(Introduction).where(
            or_(Introduction.requester_id.in_(ids), Introduction.recipient_id.in_(ids))
        )
    ).all()
    scanned = db.session.scalars(
        select(Encounter).where(Encounter.scanner_id.in_(ids)).order_by(Encounter.met_at)
    ).all()
    visible = {m.target.id for m in encounters.of(registration)}
    emails = {r.email.lower() for r in people}
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(
            or_(
                OutboxMessage.registration_id.in_(ids),
                func.lower(OutboxMessage.recipient).in_(emails),
            )
        )
        .order_by(OutboxMessage.created_at)
    ).all()
    digests = db.session.scalars(
        select(Digest)
        .where(
            Digest.person.in_({person_key(email) for email in emails}),
            Digest.series_id.in_({r.event.series_id for r in people}),
        )
        .order_by(Digest.created_at)
    ).all()
    series_names = {r.event.series_id: r.event.series.name for r in people}
    return {
        "email": registration.email,
        "registrations": [
            {
                "evening": r.event.one_line_title,
                "series": r.event.series.name,
                "starts_at": r.event.starts_at,
                "status": r.status.value,
                "registered_at": r.created_at,
                "checked_in_at": r.checked_in_at,
                "source": r.source.value,
                "language": r.language,
                "card": {name: getattr(r, name) for name in PERSONAL_FIELDS},
                "office_location": (
                    {
                        "latitude": r.latitude,
                        "longitude": r.longitude,
                        "how": r.location_status.value,
                    }
                    if r.is_located
                    else None
                ),
                "office_in_neighbour_lists": (
                    {
                        "latitude": r.near_latitude,
                        "longitude": r.near_longitude,
                        "moved_pin_counts_from": r.near_due_at,
                    }
                    if r.is_near_located or r.near_due_at
                    else None
                ),
                "consents": {name: value_text(getattr(r, name)) for name in CONSENTS},
                "consent_history": [
                    {
                        "consent": c.consent,
                        "value": c.value,
                        "wording": c.wording,
                        "how": c.how,
                        "at": c.created_at,
                    }
                    for c in history
                    if c.registration_id == r.id
                ],
            }
            for r in people
        ],
        "introductions": [
            {
                "asked_by_you": i.requester_id in ids,
                # The other person's name only once they agreed to exchange contacts.
                "with": (
                    (i.recipient if i.requester_id in ids else i.requester).full_name
                    if i.status is IntroductionStatus.ACCEPTED
                    else None
                ),
                "status": _status_shown(i, asked_by_you=i.requester_id in ids),
                "message": i.message,
                "at": i.created_at,
            }
            for i in introductions
        ],
        # Badges scanned with your phone ("My encounters"): the name while their card is
        # one you may see.
        "encounters": [
            {"met": e.met.full_name if e.met_id in visible else None, "at": e.met_at}
            for e in scanned
        ],
        # The monthly neighbourhood digest: which months, and whether there was news.
        "neighbourhood_digests": [
            {
                "series": series_names.get(d.series_id),
                "month": d.period,
                "status": d.status.value,
                "new_neighbours": d.people,
                "at": d.created_at,
            }
            for d in digests
        ],
        "emails": [
            {
                "kind": m.kind,
                "subject": m.subject,
                "at": m.created_at,
                "status": m.status.value,
            }
            for m in messages
        ],
    }
