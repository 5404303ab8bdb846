"""The attendee's journey and an organiser's login over HTTPS, through nginx (deploy/nginx.conf)
and gunicorn (gunicorn.conf.py) as in production (tests/servers.py, the `https_site` fixture).

Chromium trusts the test certificate by its public key only
(--ignore-certificate-errors-spki-list): any other certificate error still fails the page.
"""

from __future__ import annotations

import contextlib
import email
import re
from email import policy
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.mail.services import message_bytes
from meetup.registrations.models import Registration
from tests.browser.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE_USER_AGENT,
    guarded_page,
    screenshot,
)
from tests.factories import PASSWORD
from tests.helpers import TILE_HOST

pytestmark = pytest.mark.browser

#: A 1×1 PNG, every tile of the map.
TILE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a7d9b5e3"
    "0000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def https_browser(browser, https_site):
    """Chromium that accepts the site's certificate, and only that one, by its key."""
    pinned = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={https_site.nginx.spki}"],
        headless=True,
    )
    yield pinned
    pinned.close()


@pytest.fixture
def tile_referers() -> list[str]:
    """The Referer of each map tile the page asked for (what a tile server would learn)."""
    return []


@pytest.fixture
def secure_phone(request, https_browser, https_site, tile_referers):
    """A phone on https://127.0.0.1:<port>, watched like `phone`; map tiles answered here."""
    pages = guarded_page(
        request,
        https_browser,
        https_site.url,
        also_allowed=(TILE_HOST,),
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent=PHONE_USER_AGENT,
    )
    page = next(pages)

    def tile(route):
        tile_referers.append(route.request.headers.get("referer", ""))
        route.fulfill(status=200, content_type="image/png", body=TILE)

    page.context.route(f"https://{TILE_HOST}/**", tile)
    yield page
    with contextlib.suppress(StopIteration):
        next(pages)


def _personal_link(app, base_url: str, monkeypatch) -> str:
    """The personal link in the confirmation email, composed as the mail worker of this site
    would (its BASE_URL)."""
    monkeypatch.setitem(app.config, "BASE_URL", base_url)
    with app.app_context():
        message = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "confirmation")
        )
        parsed = email.message_from_bytes(message_bytes(message), policy=policy.default)
    text = parsed.get_body(("plain",)).get_content()
    return re.search(re.escape(base_url) + r"/r/[\w-]+", text).group()


def _registration(app, email_address: str) -> Registration:
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(Registration.email == email_address)
        )
        db.session.expunge(registration)
        return registration


def test_an_attendee_signs_up_changes_and_erases_everything_over_https(
    app, https_site, secure_phone, make, tile_referers, monkeypatch
):
    phone = secure_phone
    slug = make.event(make.series(name="Café des entreprenants de Vienne"), capacity=40)
    phone.goto(f"/events/{slug}/signup")
    phone.fill("#first_name", "Zoë")
    phone.fill("#last_name", "O’Brien")
    phone.fill("#email", "zoe@example.org")
    phone.locator("summary", has_text="Votre bureau").click()
    phone.fill("#street", "Lieu-dit des Granges")
    phone.fill("#city", "Vienne")
    phone.check("input[name=visibility][value=attendees]")
    phone.get_by_role("button", name="S’inscrire").click()
    expect(phone.locator("h1")).to_have_text("À bientôt !")

    # The link of the confirmation email, https like the site.
    link = _personal_link(app, https_site.url, monkeypatch)
    token = urlsplit(link).path.rsplit("/", 1)[1]
    phone.goto(link)
    expect(phone.locator(".ticket-box h2")).to_have_text("Votre billet")
    # The browser keeps who this is (directory, scanned badges) in a cookie sent over HTTPS only.
    [cookie] = [c for c in phone.context.cookies() if c["name"] == "session"]
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    # Save the card.
    phone.fill("#company", "Atelier Rhône Web")
    phone.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(phone.locator(".flash").first).to_contain_text("C’est enregistré")
    assert _registration(app, "zoe@example.org").company == "Atelier Rhône Web"

    # Place the pin where the office is.
    office_map = phone.locator("#office-map")
    expect(office_map).to_have_attribute("data-ready", "1")
    office_map.scroll_into_view_if_needed()
    box = office_map.bounding_box()
    phone.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    phone.get_by_role("button", name="Enregistrer le repère").click()
    expect(phone.locator(".flash").first).to_contain_text("repère")
    assert _registration(app, "zoe@example.org").location_status.value == "placed"
    # The tile server learns which site shows its map, never the page (nor its token).
    assert tile_referers
    assert set(tile_referers) == {https_site.url + "/"}

    # Cancel (the page asks first).
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="Annuler mon inscription").click()
    expect(phone.locator(".flash").first).to_contain_text("Votre inscription est annulée")
    assert _registration(app, "zoe@example.org").status.value == "cancelled"

    # Erase everything.
    phone.get_by_role("button", name="Effacer mes données").click()
    phone.get_by_role("button", name="Tout effacer maintenant").click()
    expect(phone).to_have_url(f"{https_site.url}/erased")
    expect(phone.locator("h1")).to_have_text("Vos données sont effacées")
    screenshot(phone, "https-erased-phone-fr")
    assert phone.goto(f"/r/{token}").status == 404


def test_an_organiser_logs_in_over_https_and_lands_where_they_were_going(
    https_site, secure_phone, make
):
    organiser = make.user("organiser")
    page = secure_phone
    page.goto("/admin/series")
    login = re.compile(re.escape(https_site.url) + r"/login\?next=%2Fadmin%2Fseries$")
    expect(page).to_have_url(login)
    # In English, please: the choice is kept in a cookie, and the login page with its `next`.
    page.locator(".language-switch a[hreflang=en]").click()
    expect(page).to_have_url(login)
    page.fill("#email", organiser)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{https_site.url}/admin/series")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["session"]["secure"] and cookies["session"]["httpOnly"]
    assert cookies["lang"]["secure"]
    # Logging out is a form too.
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{https_site.url}/")
