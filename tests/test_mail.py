"""The outbox: message building, queueing in the caller's transaction, files, CLI, admin page.

Delivery over a real SMTP server is in test_mail_smtp.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from meetup.events.models import Event
from meetup.extensions import db
from meetup.mail import services
from meetup.mail.compose import Attachment, InlineImage, build_message, read_message
from meetup.mail.delivery import FileTransport
from meetup.mail.models import OutboxMessage, OutboxStatus
from meetup.registrations.models import Registration
from tests.helpers import calendar_file, csrf_from, log_in, qr_png

T0 = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)


def parse(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


def full_message(**overrides) -> bytes:
    values = {
        "sender": ("Café des entreprenants", "meetup@example.org"),
        "recipient": ("Zoë O'Brien 🎉", "zoe@example.org"),
        "subject": "Votre inscription est confirmée — à jeudi ☕",
        "text": "Bonjour Zoë,\n\nVotre place est réservée.\n",
        "html": '<p>Bonjour Zoë,</p><p><img src="cid:ticket-qr@meetup" alt="QR"></p>',
        "inline_images": [InlineImage("ticket-qr@meetup", "image/png", qr_png())],
        "attachments": [Attachment("soirée.ics", "text/calendar; method=PUBLISH", calendar_file())],
        "message_id": "<test.1@meetup.test>",
        "language": "fr",
        "date": T0,
    }
    return build_message(**{**values, **overrides})


# -- compose ------------------------------------------------------------------------------


def test_message_structure_text_html_inline_image_and_calendar():
    message = parse(full_message())
    assert message.get_content_type() == "multipart/mixed"
    body, calendar = message.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    text, related = body.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert text.get_content().replace("\r\n", "\n") == "Bonjour Zoë,\n\nVotre place est réservée.\n"
    assert related.get_content_type() == "multipart/related"
    html, image = related.iter_parts()
    assert html.get_content_type() == "text/html"
    # The HTML shows the image through its Content-ID.
    assert image["Content-ID"] == "<ticket-qr@meetup>"
    assert 'src="cid:ticket-qr@meetup"' in html.get_content()
    assert image.get_content_type() == "image/png"
    assert image.get_content() == qr_png()
    assert image.get_content_disposition() == "inline"

    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "PUBLISH"
    assert calendar.get_filename() == "soirée.ics"
    assert calendar.get_content_disposition() == "attachment"
    assert message["Message-ID"] == "<test.1@meetup.test>"
    assert message["Content-Language"] == "fr"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"].datetime == T0


def test_calendar_attachment_parses_back_with_icalendar():
    _body, part = parse(full_message()).iter_parts()
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "evening-42@meetup.test"
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Paris"
    assert (start.hour, start.minute) == (18, 30)
    assert str(calendar["METHOD"]) == "PUBLISH"


def test_text_only_message_is_a_single_part():
    raw = build_message(
        sender="meetup@example.org",
        recipient="zoe@example.org",
        subject="Hello",
        text="Just text.",
        message_id="<t@x>",
        language="en",
    )
    message = parse(raw)
    assert message.get_content_type() == "text/plain"
    assert not message.is_multipart()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # wire line ends only


@pytest.mark.parametrize(
    "name",
    ["Zoë O'Brien 🎉", "فاطمة الزهراء", 'Jean "Le Boss" Dupont, PDG', "Ærøskøbing <ok>"],
)
def test_display_names_come_back_exactly_as_typed(name):
    raw = full_message(recipient=(name, "someone@example.org"))
    assert raw.isascii(), "headers and bodies must be 7-bit on the wire"
    to = parse(raw)["To"]
    (address,) = to.addresses
    assert address.display_name == name
    assert address.addr_spec == "someone@example.org"


def test_subject_with_accents_and_emoji_comes_back():
    subject = "Inscription confirmée ✅ — « Café » d'avril"
    assert parse(full_message(subject=subject))["Subject"] == subject


@pytest.mark.parametrize(
    "evil", ["\r\nBcc: victim@example.org", "\nBcc: x@y.z", "\r", "\x00", "\u2028"]
)
@pytest.mark.parametrize("where", ["subject", "recipient_name", "recipient", "sender_name"])
def test_header_injection_is_refused(evil, where):
    values = {}
    if where == "subject":
        values["subject"] = "Hello" + evil
    elif where == "recipient_name":
        values["recipient"] = ("Zoë" + evil, "zoe@example.org")
    elif where == "recipient":
        values["recipient"] = "zoe@example.org" + evil
    else:
        values["sender"] = ("Café" + evil, "meetup@example.org")
    with pytest.raises(ValueError):
        full_message(**values)


@pytest.mark.parametrize(
    "recipient",
    ["", "not an address", "a@b.c, d@e.f", "zoë@exemple.fr", ("x", "two@a.b three@c.d")],
)
def test_recipient_must_be_exactly_one_address(recipient):
    with pytest.raises(ValueError):
        full_message(recipient=recipient)


def test_international_domain_is_encoded():
    to = parse(full_message(recipient=("Zoë", "zoe@café.example")))["To"]
    assert to.addresses[0].domain == "xn--caf-dma.example"


def test_inline_image_must_be_shown_by_the_html():
    with pytest.raises(ValueError, match="not referenced"):
        full_message(html="<p>no image</p>")
    with pytest.raises(ValueError, match="HTML"):
        full_message(html=None)


def test_read_message_gives_the_admin_the_text_and_attachments():
    readable = read_message(full_message())
    assert readable.text == "Bonjour Zoë,\n\nVotre place est réservée.\n"
    assert readable.subject == "Votre inscription est confirmée — à jeudi ☕"
    assert readable.attachments == (("soirée.ics", "text/calendar"),)
    assert "Zoë O'Brien 🎉" in readable.recipient


# -- queueing -----------------------------------------------------------------------------


def queue(n: int = 0, **values) -> OutboxMessage:
    return services.queue_email(
        **{
            "recipient": f"camille{n}@example.org",
            "recipient_name": f"Camille {n}",
            "subject": f"Confirmation {n}",
            "text": f"Bonjour Camille {n}",
            "kind": "confirmation",
            **values,
        }
    )


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_queue_email_builds_the_message_once_and_does_not_commit(app, app_ctx):
    message = queue(1, registration_id=7, language="en")
    assert message.status is OutboxStatus.PENDING
    assert message.message_id.endswith("@localhost>")  # the host of BASE_URL
    sent = parse(message.raw)
    assert sent["Message-ID"] == message.message_id
    assert sent["To"].addresses[0].display_name == "Camille 1"
    assert sent["From"].addresses[0].addr_spec == app.config["MAIL_DEFAULT_SENDER"]
    assert sent["Content-Language"] == "en"
    db.session.flush()
    # Flushed but not committed: another connection does not see it.
    with db.engine.connect() as other:
        assert other.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    db.session.commit()
    with db.engine.connect() as other:
        assert other.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_rolled_back_change_takes_its_email_with_it(make, app, app_ctx):
    series = make.series()
    make.event(series, title="Soirée")
    event = db.session.scalar(select(Event))
    event.title = "Soirée renommée"
    queue(1, kind="event_changed")
    db.session.flush()
    db.session.rollback()  # the request failed after queueing: nothing is stored, nothing sent
    assert outbox_count() == 0
    assert db.session.scalar(select(Event.title)) == "Soirée"


def test_message_ids_are_unique(app_ctx):
    ids = {queue(n).message_id for n in range(200)}
    db.session.commit()
    assert len(ids) == 200


def test_queue_email_refuses_an_injected_name(app_ctx):
    with pytest.raises(ValueError):
        queue(1, recipient_name="Eve\r\nBcc: everyone@example.org")
    assert outbox_count() == 0


def test_retry_delays_double_up_to_an_hour():
    minutes = [services.retry_delay(n) / timedelta(minutes=1) for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_retry_only_applies_to_failed_messages(app_ctx):
    message = queue(1)
    db.session.commit()
    with pytest.raises(services.NotRetryable):
        services.retry(message)


# -- the file transport (MAIL_SERVER empty, the `make run` default) -------------------------


def test_file_transport_writes_eml_files_that_parse_back(app_ctx, tmp_path):
    messages = [queue(n, html=f"<p>Bonjour {n}</p>") for n in range(3)]
    db.session.commit()
    report = services.deliver_due(FileTransport(tmp_path / "mail"))
    assert (report.claimed, report.sent) == (3, 3)
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 3
    by_id = {message.message_id: message for message in messages}
    for path in files:
        assert path.name.endswith(tuple(f"-{m.id}.eml" for m in messages))
        parsed = parse(path.read_bytes())
        stored = by_id[parsed["Message-ID"]]
        assert path.read_bytes() == stored.raw
        assert parsed.get_body(("plain",)).get_content().startswith("Bonjour Camille")
    assert not list((tmp_path / "mail").glob(".*.tmp"))
    assert {m.status for m in db.session.scalars(select(OutboxMessage))} == {OutboxStatus.SENT}


def test_mail_send_without_a_server_writes_to_the_instance_folder(app, runner, app_ctx):
    assert not app.config["MAIL_SERVER"]
    messages = [queue(n) for n in range(2)]
    db.session.commit()
    ids = [message.id for message in messages]
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 2, to retry later 0, failed 0" in result.output
    folder = Path(app.instance_path) / "mail"
    for message_id in ids:
        (path,) = folder.glob(f"*-{message_id}.eml")
        assert parse(path.read_bytes())["Subject"].startswith("Confirmation")
    result = runner.invoke(args=["mail", "send"])
    assert "sent 0" in result.output  # nothing sent twice


def test_mail_retry_command(runner, app_ctx):
    message = queue(1)
    message.status, message.attempts, message.last_error = OutboxStatus.FAILED, 8, "451 busy"
    db.session.commit()
    result = runner.invoke(args=["mail", "retry", str(message.id)])
    assert result.exit_code == 0, result.output
    db.session.refresh(message)
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    again = runner.invoke(args=["mail", "retry", str(message.id)])
    assert again.exit_code == 1 and "not failed" in again.output
    missing = runner.invoke(args=["mail", "retry", "999999"])
    assert missing.exit_code == 1 and "no outbox message" in missing.output


# -- the admin outbox page ------------------------------------------------------------------

ROLES = ("anonymous", "door", "organiser", "outsider", "admin")
LOGIN = "login"
STAFF_ANY = {"anonymous": LOGIN, "door": 403, "organiser": 200, "outsider": 200, "admin": 200}
SERIES_SCOPED = {"anonymous": LOGIN, "door": 403, "organiser": 200, "outsider": 403, "admin": 200}

GET_ROUTES = {
    "mail_admin.outbox": ("/admin/outbox", STAFF_ANY),
    "mail_admin.message_detail": ("/admin/outbox/{ours}", SERIES_SCOPED),
    "mail_admin.message_eml": ("/admin/outbox/{ours}.eml", SERIES_SCOPED),
}
POST_ROUTES = {
    "mail_admin.message_retry": ("/admin/outbox/{ours}/retry", SERIES_SCOPED),
}


@dataclass
class World:
    emails: dict[str, str]
    ids: dict[str, int]


@pytest.fixture
def world(app, make) -> World:
    """Series A (organiser, door) and B (outsider); one message about a registration to each,
    and one about no registration. The message about A has failed."""
    emails = {role: make.user(role) for role in ("door", "admin")}
    emails["organiser"], emails["outsider"] = make.user("organiser"), make.user("organiser")
    ours = make.event(make.series(team=(emails["organiser"], emails["door"])))
    theirs = make.event(make.series(team=(emails["outsider"],)))
    make.registrations(ours, 1)
    make.registrations(theirs, 1)
    with app.app_context():

        def registration_of(slug):
            return db.session.scalar(select(Registration.id).join(Event).where(Event.slug == slug))

        attachment = Attachment("soirée.ics", "text/calendar; method=PUBLISH", calendar_file())
        mine = queue(1, subject="About ours", registration_id=registration_of(ours),
                     text="Bonjour, votre place est confirmée.", attachments=[attachment])  # fmt: skip
        other = queue(2, subject="About theirs", registration_id=registration_of(theirs))
        loose = queue(3, subject="About nobody")
        mine.status, mine.attempts, mine.last_error = OutboxStatus.FAILED, 8, "451 4.3.0 busy"
        db.session.commit()
        ids = {"ours": mine.id, "theirs": other.id, "loose": loose.id}
    return World(emails, ids)


def _as(client, world: World, role: str) -> None:
    if role != "anonymous":
        assert log_in(client, world.emails[role]).status_code == 302


def _check(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    else:
        assert response.status_code == expected


def _cases(routes):
    for endpoint, (url, expected) in routes.items():
        for role in ROLES:
            yield pytest.param(url, role, expected[role], id=f"{endpoint}-{role}")


def test_every_outbox_route_is_in_the_matrix(app):
    routed = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("mail_admin.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routed == {(e, "GET") for e in GET_ROUTES} | {(e, "POST") for e in POST_ROUTES}


@pytest.mark.parametrize(("url", "role", "expected"), list(_cases(GET_ROUTES)))
def test_get_matrix(client, world, url, role, expected):
    _as(client, world, role)
    response = client.get(url.format(**world.ids))
    _check(response, expected)
    if response.status_code == 200:
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("url", "role", "expected"), list(_cases(POST_ROUTES)))
def test_post_matrix(app, client, world, url, role, expected):
    _as(client, world, role)
    page = {"anonymous": "/login", "door": "/door/"}.get(role, "/admin/")
    token = csrf_from(client.get(page).get_data(as_text=True))
    response = client.post(url.format(**world.ids), data={"csrf_token": token})
    with app.app_context():
        status = db.session.get(OutboxMessage, world.ids["ours"]).status
    if expected == 200:
        assert response.status_code == 302
        assert status is OutboxStatus.PENDING
    else:
        _check(response, expected)
        assert status is OutboxStatus.FAILED, "a refused request changed the message"


def _subjects(client, query: str = "") -> set[str]:
    html = client.get("/admin/outbox" + query).get_data(as_text=True)
    return {
        subject for subject in ("About ours", "About theirs", "About nobody") if subject in html
    }


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("organiser", {"About ours"}),
        ("outsider", {"About theirs"}),
        ("admin", {"About ours", "About theirs", "About nobody"}),
    ],
)
def test_each_role_sees_only_its_series_messages(client, world, role, visible):
    _as(client, world, role)
    assert _subjects(client) == visible


def test_outbox_filters_by_status(client, world):
    _as(client, world, "admin")
    assert _subjects(client, "?status=failed") == {"About ours"}
    assert _subjects(client, "?status=pending") == {"About theirs", "About nobody"}
    assert _subjects(client, "?status=sent") == set()
    assert _subjects(client, "?status=nonsense") == {"About ours", "About theirs", "About nobody"}
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert "Failed (1)" in html and "Pending (2)" in html
    assert "451 4.3.0 busy" in html


def test_message_page_shows_the_text_and_the_eml_downloads(client, world):
    _as(client, world, "organiser")
    html = client.get(f"/admin/outbox/{world.ids['ours']}").get_data(as_text=True)
    assert "Bonjour, votre place est confirmée." in html
    assert "soirée.ics" in html
    assert "Send again" in html
    response = client.get(f"/admin/outbox/{world.ids['ours']}.eml")
    assert response.mimetype == "message/rfc822"
    assert "attachment" in response.headers["Content-Disposition"]
    assert parse(response.data)["Subject"] == "About ours"
    assert client.get("/admin/outbox/999999").status_code == 404


def test_retry_needs_a_csrf_token(app, client, world):
    _as(client, world, "admin")
    response = client.post(f"/admin/outbox/{world.ids['ours']}/retry")
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(OutboxMessage, world.ids["ours"]).status is OutboxStatus.FAILED


def test_retry_button_queues_a_failed_message_again(app, client, world):
    _as(client, world, "organiser")
    page = client.get(f"/admin/outbox/{world.ids['ours']}").get_data(as_text=True)
    response = client.post(
        f"/admin/outbox/{world.ids['ours']}/retry",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    assert "back in the queue" in response.get_data(as_text=True)
    with app.app_context():
        message = db.session.get(OutboxMessage, world.ids["ours"])
        assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    # A pending message has no button, and a second POST changes nothing.
    page = client.get(f"/admin/outbox/{world.ids['ours']}").get_data(as_text=True)
    assert "Send again" not in page
    response = client.post(
        f"/admin/outbox/{world.ids['ours']}/retry",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    assert "Only a failed message" in response.get_data(as_text=True)


def test_outbox_tab_in_the_admin_navigation(client, world):
    _as(client, world, "organiser")
    html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/outbox"' in html


# -- drafts: composed by the worker, not in the request ----------------------------------------


def _draft_for(make, app, *, language: str = "fr") -> tuple[int, str]:
    """A confirmation queued as the signup queues it; returns the message id and the token."""
    from meetup.registrations import emails

    slug = make.event(make.series())
    registration_id = make.registration(slug, first_name="Zoë", language=language)
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        message = emails.queue_signup(registration, "t" * 43)
        db.session.commit()
        return message.id, "t" * 43


def test_a_draft_holds_no_message_until_the_worker_writes_it_out(app, make, app_ctx, tmp_path):
    message_id, token = _draft_for(make, app, language="en")
    message = db.session.get(OutboxMessage, message_id)
    assert message.raw == b""
    assert message.subject.startswith("You're in: ")  # in the attendee's language
    assert token in message.draft  # the personal link, until the message is written out
    assert services.compose_drafts() == 1
    assert services.compose_drafts() == 0  # written out once
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message_id)
    assert message.draft is None
    written = parse(message.raw)
    assert written["Message-ID"] == message.message_id  # fixed when it was queued
    assert written["Subject"] == message.subject
    assert written["To"].addresses[0].display_name.startswith("Zoë")
    assert f"/r/{token}" in written.get_body(("plain",)).get_content()
    assert {part.get_content_type() for part in written.walk()} >= {"image/png", "text/calendar"}
    report = services.deliver_due(FileTransport(tmp_path / "mail"))
    assert report.sent == 1
    [path] = (tmp_path / "mail").glob("*.eml")
    assert path.read_bytes() == message.raw


def test_the_worker_sends_drafts_queued_since_its_last_round(app, make, app_ctx, tmp_path):
    _draft_for(make, app)
    report = services.deliver_due(FileTransport(tmp_path / "mail"))
    assert (report.claimed, report.sent) == (1, 1)
    assert db.session.scalar(select(OutboxMessage.draft)) is None


def test_a_draft_whose_registration_is_gone_fails_and_the_admin_page_says_so(
    app, make, client, app_ctx
):
    message_id, _ = _draft_for(make, app)
    organiser = make.user("admin")
    db.session.execute(
        Registration.__table__.delete().where(
            Registration.id == db.session.get(OutboxMessage, message_id).registration_id
        )
    )
    db.session.commit()
    assert services.compose_drafts() == 0
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message_id)
    assert message.status is OutboxStatus.FAILED
    assert message.last_error == "could not be composed (LookupError)"
    assert log_in(client, organiser).status_code == 302
    page = client.get(f"/admin/outbox/{message_id}")
    assert page.status_code == 200
    assert "cannot be written out" in page.get_data(as_text=True)
    assert client.get(f"/admin/outbox/{message_id}.eml").status_code == 404
    services.retry(message)  # put back: composed again on the next round (and fails again)
    assert services.compose_drafts() == 0
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message_id).status is OutboxStatus.FAILED


def test_the_admin_page_shows_a_draft_as_it_will_be_sent_without_the_link(
    app, make, client, app_ctx
):
    message_id, token = _draft_for(make, app)
    organiser = make.user("admin")
    assert log_in(client, organiser).status_code == 302
    html = client.get(f"/admin/outbox/{message_id}").get_data(as_text=True)
    assert "Bonjour Zoë" in html and "Attachments" in html
    assert token not in html  # the personal link is cut out, as in written messages
    eml = client.get(f"/admin/outbox/{message_id}.eml")
    assert token not in eml.get_data(as_text=True)
    assert db.session.get(OutboxMessage, message_id).draft is not None  # looking stores nothing


def test_a_signup_committed_while_a_draft_is_composed_does_not_fail_it(app, make, monkeypatch):
    """SQLite refuses a write to a transaction that read before another writer committed:
    the worker composes in one transaction and writes the message out in another."""
    from meetup.registrations import emails

    message_id, _ = _draft_for(make, app)
    compose = emails.compose

    def compose_while_someone_signs_up(message, values):
        content = compose(message, values)
        with db.engine.begin() as other:  # another request's write, committed meanwhile
            other.execute(Event.__table__.update().values(capacity=Event.capacity + 1))
        return content

    monkeypatch.setitem(services._composers, "confirmation", compose_while_someone_signs_up)
    with app.app_context():
        assert services.compose_drafts() == 1
        message = db.session.get(OutboxMessage, message_id)
        assert (message.status, message.draft) == (OutboxStatus.PENDING, None)


def test_a_claim_never_takes_a_draft(app, make, app_ctx):
    """Only written-out messages go to a transport: a draft's bytes are empty."""
    _draft_for(make, app)
    written = queue(9)
    db.session.commit()
    claim = services.claim_batch()
    assert [message.id for message in claim.messages] == [written.id]
    assert all(message.raw for message in claim.messages)


def test_delivery_goes_on_when_composing_fails_on_the_database(
    app, make, app_ctx, tmp_path, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    _draft_for(make, app)
    queue(9)
    db.session.commit()

    def busy(statement, params=None):
        raise OperationalError("UPDATE outbox_messages", None, Exception("database is locked"))

    monkeypatch.setattr(services, "first_write", busy)  # writing the draft out fails
    report = services.deliver_due(FileTransport(tmp_path / "mail"))
    assert report.sent == 1  # the written message went; the draft waits for the next round
    assert db.session.scalar(select(OutboxMessage.draft).where(OutboxMessage.draft.is_not(None)))


def test_a_draft_whose_template_fails_is_failed_and_its_page_still_opens(
    app, make, client, app_ctx, monkeypatch
):
    message_id, _ = _draft_for(make, app)
    admin = make.user("admin")

    def broken(message, values):
        raise ValueError("a header with a line break")

    monkeypatch.setitem(services._composers, "confirmation", broken)
    assert services.compose_drafts() == 0
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message_id)
    assert (message.status, message.last_error) == (
        OutboxStatus.FAILED,
        "could not be composed (ValueError)",
    )
    assert log_in(client, admin).status_code == 302
    page = client.get(f"/admin/outbox/{message_id}")
    assert page.status_code == 200
    assert "cannot be written out" in page.get_data(as_text=True)
    assert client.get(f"/admin/outbox/{message_id}.eml").status_code == 404


def test_every_kind_of_email_has_a_name_in_the_outbox():
    """The outbox's Type column says what an email is in words, never its template's name."""
    from pathlib import Path

    from meetup.mail.views import KIND_LABELS

    templates = Path(__file__).resolve().parent.parent / "templates" / "email"
    kinds = {path.stem for path in templates.glob("*.txt") if not path.stem.startswith("_")}
    assert kinds and kinds <= set(KIND_LABELS)
