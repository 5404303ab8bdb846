"""The organisers write to a group of an evening's people (issue 19, point 4): the segments,
the count and the preview, the outbox as one campaign with its counts, replies to the
series' contact address, a bounded rate, and nothing sent twice by a double press."""

from __future__ import annotations

import itertools
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from meetup.events.models import Event
from meetup.extensions import db
from meetup.mail import services as mail
from meetup.mail.models import Campaign, OutboxMessage, OutboxStatus
from meetup.privacy import erasure
from meetup.registrations import campaigns
from meetup.registrations.models import Registration
from meetup.timeutil import utcnow
from tests.helpers import csrf_from, log_in, text_of

BODY = "Thank you for coming!\n\nThe slides: https://example.org/slides\nSee you <soon> & well."


def _evening(make, *, past: bool = True, **series_values):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,), contact_email="club@example.org", **series_values)
    starts = utcnow().replace(microsecond=0) + (timedelta(days=-1) if past else timedelta(days=5))
    slug = make.event(series, starts_at=starts)
    came = utcnow() - timedelta(hours=20)
    make.registration(slug, first_name="Ana", email="ana@example.org", language="fr",
                      checked_in_at=came)  # fmt: skip
    make.registration(slug, first_name="Ben", email="ben@example.org", language="en",
                      checked_in_at=came)  # fmt: skip
    make.registration(slug, first_name="Cora", email="cora@example.org")  # had a seat, not there
    make.registration(slug, first_name="Dan", email="dan@example.org", status="waitlisted")
    make.registration(slug, first_name="Eve", email="eve@example.org", status="cancelled")
    return organiser, series, slug


def _form(client, url: str) -> tuple[str, str]:
    html = client.get(url).get_data(as_text=True)
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', html)
    assert nonce, html
    return csrf_from(html), nonce.group(1)


def _post(client, slug, csrf, nonce, action, **values):
    data = {"csrf_token": csrf, "nonce": nonce, "action": action, "segment": "came",
            "subject": "Merci / Thanks", "body": BODY} | values  # fmt: skip
    return client.post(f"/admin/events/{slug}/write", data=data)


def _deliver(app, smtp, now=None) -> list:
    before = len(smtp.inbox.accepted)
    with app.app_context():
        report = mail.deliver_due(smtp.transport(), now=now)
        assert report.failed == 0 and report.retrying == 0, report.summary()
        db.session.remove()
    return smtp.inbox.messages()[before:]


def test_write_to_those_who_came_count_preview_outbox_and_delivery(app, client, make, smtp):
    organiser, _, slug = _evening(make)
    log_in(client, organiser)
    listing = client.get(f"/admin/events/{slug}/registrations?status=came").get_data(True)
    assert f"/admin/events/{slug}/write?segment=came" in listing
    page = client.get(f"/admin/events/{slug}/write?segment=came").get_data(as_text=True)
    for label in ("Those with a seat (3)", "Those on the waitlist (1)",
                  "Everyone registered (seat or waitlist) (4)", "Those who came (2)",
                  "Those who had a seat and did not come (1)"):  # fmt: skip
        assert label in page
    assert 'checked id="segment-3" name="segment" type="radio" value="came"' in page
    assert "club@example.org" in page  # where replies go
    csrf, nonce = _form(client, f"/admin/events/{slug}/write?segment=came")

    # The preview: the count, each language, the text as typed; nothing queued yet.
    response = _post(client, slug, csrf, nonce, "preview")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 people will get this message" in html and "Send to 2 people" in html
    assert "Bonjour Camille" in html and "Hello Camille" in html
    assert "See you &lt;soon&gt; &amp; well." in html
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.id)) is None

    response = _post(client, slug, csrf, nonce, "send")
    assert response.status_code == 302
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert (campaign.segment, campaign.recipients) == ("came", 2)
    assert response.headers["Location"] == f"/admin/outbox?campaign={campaign.id}"

    # The outbox: one line for the campaign with its counts, its copies behind it.
    outbox = client.get("/admin/outbox").get_data(as_text=True)
    assert "Messages from the organisers" in outbox and "Those who came" in outbox
    assert "ana@example.org" not in outbox  # the copies are not listed one by one here
    copies = client.get(f"/admin/outbox?campaign={campaign.id}").get_data(as_text=True)
    assert "ana@example.org" in copies and "ben@example.org" in copies
    assert "cora@example.org" not in copies

    received = {m["To"].addresses[0].addr_spec: m for m in _deliver(
        app, smtp, now=utcnow() + timedelta(minutes=5))}  # fmt: skip
    assert set(received) == {"ana@example.org", "ben@example.org"}
    ana, ben = received["ana@example.org"], received["ben@example.org"]
    assert ana["Subject"] == "Merci / Thanks"
    assert ana["Reply-To"].addresses[0].addr_spec == "club@example.org"
    assert ana["Content-Language"] == "fr" and "Bonjour Ana" in text_of(ana)
    assert "Hello Ben" in text_of(ben) and "See you <soon> & well." in text_of(ben)
    html_part = ben.get_body(("html",)).get_content()
    assert "<p>Thank you for coming!</p>" in html_part
    assert "See you &lt;soon&gt; &amp; well." in html_part and "<soon>" not in html_part
    assert "List-Unsubscribe" not in ben  # not news: a message about their own evening

    outbox = client.get("/admin/outbox").get_data(as_text=True)
    row = re.search(r"Those who came</td>(.*?)</tr>", outbox, re.S).group(1)
    assert re.findall(r'class="num">(\d+)<', row) == ["2", "0", "0", "2", "0"]


def test_a_second_press_of_send_sends_nothing(app, client, make):
    organiser, _, slug = _evening(make)
    log_in(client, organiser)
    csrf, nonce = _form(client, f"/admin/events/{slug}/write")
    assert _post(client, slug, csrf, nonce, "send").status_code == 302
    again = _post(client, slug, csrf, nonce, "send")
    assert again.status_code == 302
    assert "sent already" in client.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(Campaign)).all()) == 1
        assert len(db.session.scalars(select(OutboxMessage)).all()) == 2


def test_the_rate_is_bounded_across_campaigns(app, client, make, smtp):
    organiser, _, slug = _evening(make)
    app.config["MAIL_CAMPAIGN_PER_MINUTE"] = 2
    try:
        log_in(client, organiser)
        csrf, nonce = _form(client, f"/admin/events/{slug}/write")
        _post(client, slug, csrf, nonce, "send", segment="waitlisted")  # 1 person
        csrf, nonce = _form(client, f"/admin/events/{slug}/write")
        _post(client, slug, csrf, nonce, "send", segment="came")  # 2 more, after those
        with app.app_context():
            due = db.session.scalars(
                select(OutboxMessage.next_attempt_at).order_by(OutboxMessage.id)
            ).all()
        gaps = [later - earlier for earlier, later in itertools.pairwise(due)]
        assert gaps == [timedelta(seconds=30)] * 2
        assert len(_deliver(app, smtp, now=due[0])) == 1  # only the first is due
        assert len(_deliver(app, smtp, now=due[1])) == 1
        assert len(_deliver(app, smtp, now=due[2])) == 1
    finally:
        app.config["MAIL_CAMPAIGN_PER_MINUTE"] = 60


def test_bad_input_keeps_what_was_typed(app, client, make):
    organiser, _, slug = _evening(make, past=False)
    log_in(client, organiser)
    page = client.get(f"/admin/events/{slug}/write").get_data(as_text=True)
    assert "Those who came" not in page  # not before the evening
    csrf, nonce = _form(client, f"/admin/events/{slug}/write")

    response = _post(client, slug, csrf, nonce, "send", subject="", body="Un texte à garder")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Un texte à garder" in html
    response = _post(client, slug, csrf, nonce, "send", body="x" * 5001)
    assert response.status_code == 422 and "this has 5001" in response.get_data(as_text=True)
    response = _post(client, slug, csrf, nonce, "send", segment="came")  # before the evening
    assert response.status_code == 422 and "Merci / Thanks" in response.get_data(as_text=True)
    response = _post(client, slug, csrf, nonce, "send", segment="everyone-ever")
    assert response.status_code == 422
    response = _post(client, slug, csrf, "short", "send", segment="confirmed")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.id)) is None


def test_an_empty_group_sends_nothing_and_says_so(app, client, make):
    organiser = make.user("organiser")
    series = make.series(team=(organiser,))
    slug = make.event(series)
    make.registration(slug, first_name="Ana", email="ana@example.org")
    log_in(client, organiser)
    csrf, nonce = _form(client, f"/admin/events/{slug}/write")
    response = _post(client, slug, csrf, nonce, "send", segment="waitlisted")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nobody is in this group" in html
    assert "nobody will read replies" in html  # the series has no contact address
    with app.app_context():
        assert db.session.scalar(select(Campaign.id)) is None


def test_erased_people_are_not_written_to(app, client, make):
    organiser, _, slug = _evening(make)
    with app.app_context():
        ana = db.session.scalar(select(Registration).where(Registration.email == "ana@example.org"))
        erasure.erase([ana])
    log_in(client, organiser)
    csrf, nonce = _form(client, f"/admin/events/{slug}/write")
    _post(client, slug, csrf, nonce, "send")
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage.recipient)).all() == ["ben@example.org"]


def test_another_series_organiser_sees_no_campaign(app, client, make):
    organiser, _, slug = _evening(make)
    log_in(client, organiser)
    csrf, nonce = _form(client, f"/admin/events/{slug}/write")
    _post(client, slug, csrf, nonce, "send")
    with app.app_context():
        campaign_id = db.session.scalar(select(Campaign.id))
        statuses = set(db.session.scalars(select(OutboxMessage.status)))
    assert statuses == {OutboxStatus.PENDING}
    other = make.user("organiser")
    make.series(team=(other,))
    outsider = app.test_client()
    log_in(outsider, other)
    assert "Merci / Thanks" not in outsider.get("/admin/outbox").get_data(as_text=True)
    assert outsider.get(f"/admin/outbox?campaign={campaign_id}").status_code == 404
    assert outsider.get(f"/admin/events/{slug}/write").status_code == 403
    assert client.get("/admin/outbox?campaign=99999999999999").status_code == 200


@pytest.mark.postgres_only
def test_campaigns_sent_at_once_keep_to_the_rate(app, make):
    """Organisers of six evenings press "send" at the same moment: their copies still go at
    least one interval apart (each campaign starts after those queued before it)."""
    slugs = [_evening(make)[2] for _ in range(6)]
    barrier = threading.Barrier(len(slugs))

    def send(n: int) -> None:
        with app.app_context():
            event = db.session.scalar(select(Event).where(Event.slug == slugs[n]))
            db.session.commit()
            barrier.wait(timeout=30)
            try:
                campaigns.send(event, segment="came", subject="Merci", body=BODY,
                               nonce=f"race-{n}-0123456789", sent_by=None)  # fmt: skip
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(slugs)) as pool:
        list(pool.map(send, range(len(slugs))))
    with app.app_context():
        due = sorted(db.session.scalars(select(OutboxMessage.next_attempt_at)).all())
    assert len(due) == 2 * len(slugs)  # Ana and Ben came to each
    assert min(later - earlier for earlier, later in itertools.pairwise(due)) >= timedelta(
        seconds=1
    )
