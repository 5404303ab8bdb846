"""Every consent given or changed is recorded (ConsentRecord), whichever way the change came:
the signup form, the personal page, the API, an import, the door. A listener sees each flush,
so no path can forget; what is read everywhere (directory, map, vCards, badges) is the
registration's current value, so a change takes effect at once."""

from __future__ import annotations

import enum

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from meetup.privacy.models import ConsentRecord
from meetup.registrations.models import CONSENT_FLAGS, Registration, RegistrationStatus
from meetup.timeutil import utcnow

#: The date of the wording people read when they agree (the form's labels, the privacy
#: page). Change it with the wording: records say which one each person saw.
WORDING_VERSION = "2026-12-06.2"

#: The registration's columns that are consents.
CONSENTS = ("visibility", *CONSENT_FLAGS)


def value_text(value) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _changed(registration: Registration) -> list[str]:
    state = inspect(registration)
    return [name for name in CONSENTS if state.attrs[name].history.has_changes()]


def _how(registration: Registration) -> str:
    """How a new registration's consents were given: its source (public form, organiser,
    import, walk-in, api), unless the request said better (meetup.api: "api" for the
    person's own choice sent by the club's website)."""
    return registration.consent_how or value_text(registration.source or "public")


def _signed_up_again(state) -> bool:
    """A cancelled registration coming back to life (registrations.services.register)."""
    history = state.attrs["status"].history
    return RegistrationStatus.CANCELLED in (history.deleted or ()) and bool(history.added)


@event.listens_for(Session, "after_flush")
def _record_consents(session: Session, flush_context) -> None:
    """After the registrations are written (their ids known), their consents in one
    statement: records are appended, never loaded back into the session."""
    rows = []
    for instance in (*session.new, *session.dirty):
        if not isinstance(instance, Registration) or instance.erased_at is not None:
            continue
        state = inspect(instance)
        is_new = instance in session.new
        how = _how(instance) if is_new else "changed"
        names = list(CONSENTS) if is_new else _changed(instance)
        if not is_new and _signed_up_again(state):
            # Agreeing again, under today's wording, as at a first signup.
            how, names = _how(instance), list(CONSENTS)
        rows += [
            {
                "registration_id": instance.id,
                "consent": name,
                "value": value_text(getattr(instance, name)),
                "wording": WORDING_VERSION,
                "how": how,
                "created_at": utcnow(),
            }
            for name in names
        ]
    if rows:
        session.connection().execute(insert(ConsentRecord), rows)
