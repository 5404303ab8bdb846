"""The session cookie. A person's session ends PERMANENT_SESSION_LIFETIME after their last
request (Flask's rule). A paired door phone's lasts from its pairing until its evening's
door window closes (DoorPhone.until, 12 hours after the evening), however long the phone
lies in a drawer between a rehearsal and the evening: the cookie says until when, signed
with the rest, and the browser keeps it that long and PHONE_GRACE more, so that a phone paired
for an evening that is then postponed (its window moves with it: meetup.checkin.pairing)
still works on the night. The server decides: the phone's account is active only until the
window's end as it is now (User.is_active), and each answer tells the cookie that end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask, Request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from meetup.timeutil import utcnow

#: The session key holding the end of a door phone's session (a POSIX timestamp).
UNTIL = "_until"
#: How much longer than its window a phone's cookie is kept: an evening postponed by up to a
#: month keeps its paired phones (further, they are paired again).
PHONE_GRACE = timedelta(days=31)


def last_until(moment: datetime) -> None:
    """This browser's session lasts until `moment`, idle or not (a paired door phone)."""
    if session.get(UNTIL) != moment.timestamp():
        session[UNTIL] = moment.timestamp()


class SessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed_at = serializer.loads(value, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        now = utcnow()
        if UNTIL in data:
            alive = now < datetime.fromtimestamp(data[UNTIL], UTC) + PHONE_GRACE
        else:
            alive = now - signed_at <= app.permanent_session_lifetime
        return self.session_class(data) if alive else self.session_class()

    def get_expiration_time(self, app: Flask, session: SecureCookieSession) -> datetime | None:
        if session.permanent and UNTIL in session:
            return datetime.fromtimestamp(session[UNTIL], UTC) + PHONE_GRACE
        return super().get_expiration_time(app, session)
