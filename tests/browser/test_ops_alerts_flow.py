"""The admin dashboard's banner in a real browser: no worker for a while, an organiser logs
in and reads, in French, what is wrong and what to do; the admins' email goes out by itself.
The screenshot is test-artifacts/ops-alert-banner.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from meetup.ops import heartbeat
from meetup.timeutil import utcnow
from tests.browser.helpers import log_in, screenshot
from tests.helpers import alerts_sent

pytestmark = pytest.mark.browser


def test_an_organiser_sees_the_banner_and_the_admins_are_told(page, app, make):
    admin = make.user("admin")
    organiser = make.user("organiser")
    make.event(make.series(team=(organiser,)))
    with app.app_context():
        heartbeat.beat("host:1", now=utcnow() - timedelta(minutes=37))

    log_in(page, organiser)  # lands on the dashboard
    banner = page.locator(".ops-alert")
    expect(banner).to_have_count(1)
    expect(banner).to_have_attribute("role", "alert")
    expect(banner.locator("h2")).to_have_text("Les e-mails ne partent plus")
    expect(banner).to_contain_text("Aucun processus de fond (worker) n’a tourné depuis 37 minutes")
    expect(banner).to_contain_text("systemctl restart meetup-worker")
    screenshot(page, "ops-alert-banner", full_page=False)

    sent = alerts_sent(app)
    assert [message.recipient for message in sent] == [admin]

    with app.app_context():
        heartbeat.beat("host:1")
    page.reload()
    expect(page.locator(".ops-alert")).to_have_count(0)
