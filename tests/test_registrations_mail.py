"""Real signups with the mail server down for a while: every confirmation arrives, once."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from meetup.mail import services as mail
from meetup.timeutil import utcnow
from tests.helpers import sign_up


def test_fifty_signups_during_an_outage_are_all_confirmed_once(app, client, make, smtp):
    event = make.event(make.series(), capacity=100)
    smtp.stop()
    for n in range(50):
        client.environ_base["REMOTE_ADDR"] = f"10.0.{n}.1"  # 50 different people's phones
        response = sign_up(client, event, email=f"person{n}@example.org", language="en")
        assert response.status_code == 302

    with app.app_context():
        down = mail.deliver_due(smtp.transport())
        assert (down.sent, down.retrying) == (0, 50)
        smtp.start()
        later = utcnow() + timedelta(minutes=2)
        sent = 0
        while (report := mail.deliver_due(smtp.transport(), now=later)).claimed:
            sent += report.sent
    assert sent == 50

    received = smtp.inbox.messages()
    assert len(received) == 50
    assert len({message["Message-ID"] for message in received}) == 50
    assert {message["To"].addresses[0].addr_spec for message in received} == {
        f"person{n}@example.org" for n in range(50)
    }
    one = received[0]
    assert one["Subject"] == "You're in: Travailler par et sur Internet"
    calendar = next(p for p in one.walk() if p.get_content_type() == "text/calendar")
    assert Calendar.from_ical(calendar.get_content()).walk("VEVENT")
