"""The signup widget on the club's own site: a page served from another port (another
origin), with a strict Content-Security-Policy of its own and no inline script, holds one
<script> tag; a visitor signs up through the frame it puts there, in the page's language,
with the app's CSP (frame-ancestors) in force."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from meetup.events.models import Series
from meetup.extensions import db
from meetup.registrations.models import Registration, Source, Visibility
from tests.browser.helpers import guarded_page, screenshot, wait_until
from tests.servers import free_port

pytestmark = pytest.mark.browser


class ClubSite:
    """The club's WordPress, as far as the widget can tell: one page on its own origin."""

    def __init__(self, live_server: str, tag: str) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        page = (
            '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
            "<title>Club des entreprenants de Vienne</title></head><body>"
            "<h1>Club des entreprenants de Vienne</h1><p>Notre prochaine soirée :</p>"
            f"{tag}<p>Pied de page du club</p></body></html>"
        ).encode()
        policy = (
            f"default-src 'none'; script-src {live_server}; frame-src {live_server}; "
            "style-src 'none'; img-src 'none'"
        )

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", policy)
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def club_page(request, app, browser, live_server, make) -> Iterator:
    series = make.series(name="Café des entreprenants de Vienne")
    event = make.event(series, capacity=40)
    tag = f'<script src="{live_server}/static/js/widget.js" data-series="{series}" async></script>'
    site = ClubSite(live_server, tag)
    with app.app_context():
        db.session.scalar(select(Series).where(Series.slug == series)).allowed_origins = site.origin
        db.session.commit()
    pages = guarded_page(
        request,
        browser,
        live_server,
        also_allowed=(site.origin.removeprefix("http://"),),
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = next(pages)
    page.club = site
    page.event = event
    yield page
    next(pages, None)
    site.stop()


def test_a_visitor_signs_up_through_the_widget_on_the_club_s_site(app, club_page):
    page = club_page
    page.goto(page.club.origin + "/")
    frame_element = page.locator("iframe.meetup-signup")
    expect(frame_element).to_have_attribute("title", "Inscription à la prochaine soirée")
    frame = page.frame_locator("iframe.meetup-signup")
    expect(frame.get_by_role("button", name="S’inscrire")).to_be_visible()
    # It grew to its content (the frame starts at 480 px).
    wait_until(page, "document.querySelector('iframe.meetup-signup').style.height !== '480px'")
    frame.locator("#first_name").fill("Zoé")
    frame.locator("#last_name").fill("Martin")
    frame.locator("#email").fill("zoe@example")
    frame.get_by_role("button", name="S’inscrire").click()
    expect(frame.locator("#email-error")).to_be_visible()  # the form's own errors
    expect(frame.locator("#first_name")).to_have_value("Zoé")  # nothing typed is lost
    frame.locator("#email").fill("zoe@example.org")
    frame.locator("input[name=visibility][value=attendees]").check()
    frame.locator("input[name=share_email]").check()
    screenshot(page, "widget-club-site-form")
    frame.get_by_role("button", name="S’inscrire").click()
    expect(frame.get_by_role("heading", name="À bientôt !")).to_be_visible()
    height = page.evaluate("document.querySelector('iframe.meetup-signup').offsetHeight")
    assert 150 < height < 1500
    screenshot(page, "widget-club-site-done")
    with app.app_context():
        zoe = db.session.scalar(select(Registration).where(Registration.email == "zoe@example.org"))
        assert (zoe.source, zoe.visibility, zoe.share_email) == (
            Source.PUBLIC,
            Visibility.ATTENDEES,
            True,
        )
