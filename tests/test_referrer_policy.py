"""Personal pages keep their tokens out of Referers, and their forms still work over HTTPS.

Over HTTPS, Flask-WTF refuses a form whose Referer is missing or of another origin
(WTF_CSRF_SSL_STRICT, kept on). A browser sends the Referer the page's Referrer-Policy allows:
`SecureBrowser` below posts with exactly that, so these tests fail as a browser would (they
did with "no-referrer": every attendee form answered 400 "form expired"). The browser itself
goes through nginx and gunicorn in tests/browser/test_https_flow.py.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from sqlalchemy import select

from meetup import create_app
from meetup.directory import services as directory_services
from meetup.directory.models import Introduction, IntroductionStatus
from meetup.events.models import Event
from meetup.extensions import db
from meetup.mail.models import OutboxMessage
from meetup.mail.services import message_bytes
from meetup.registrations.models import LocationStatus, Registration, RegistrationStatus
from meetup.timeutil import utcnow
from tests.helpers import csrf_from

HTTPS = "https://localhost"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def referer(policy: str, page: str, target: str) -> str | None:
    """The Referer a browser sends from `page` to `target` under `policy` (W3C Referrer
    Policy; an empty policy is the browsers' default, strict-origin-when-cross-origin)."""
    source, to = urlsplit(page), urlsplit(target)
    same_origin = (source.scheme, source.netloc) == (to.scheme, to.netloc)
    downgrade = source.scheme == "https" and to.scheme != "https"
    origin = f"{source.scheme}://{source.netloc}/"
    full = urlunsplit((source.scheme, source.netloc, source.path, source.query, ""))
    return {
        "no-referrer": None,
        "same-origin": full if same_origin else None,
        "origin": origin,
        "strict-origin": None if downgrade else origin,
        "origin-when-cross-origin": full if same_origin else origin,
        "strict-origin-when-cross-origin": full if same_origin else None if downgrade else origin,
        "": full if same_origin else None if downgrade else origin,
        "no-referrer-when-downgrade": None if downgrade else full,
        "unsafe-url": full,
    }[policy]


def test_the_referer_model_follows_the_spec():
    page = "https://site.example/r/TOKEN?x=1#top"
    assert referer("no-referrer", page, "https://site.example/r/TOKEN") is None
    assert (
        referer("same-origin", page, "https://site.example/a") == "https://site.example/r/TOKEN?x=1"
    )
    assert referer("same-origin", page, "https://tiles.example/1.png") is None
    assert referer("strict-origin", page, "https://tiles.example/1.png") == "https://site.example/"
    assert referer("strict-origin", page, "http://site.example/a") is None


class SecureBrowser:
    """The test client as a browser on https://localhost: a form is posted with the Referer
    the page it is on gives under that page's Referrer-Policy."""

    def __init__(
        self, app: Flask, base_url: str = HTTPS, public_url: str | None = None, **environ: str
    ) -> None:
        self.client = app.test_client()
        self.client.environ_base.update(HTTP_ACCEPT_LANGUAGE="en", **environ)
        #: Where requests go, and what the browser's address bar shows (behind a proxy).
        self.base_url = base_url
        self.public_url = public_url or base_url
        self.page_url = ""
        self.policy = ""
        self.html = ""

    def open(self, path: str, **kwargs):
        response = self.client.get(path, base_url=self.base_url, **kwargs)
        self.page_url = self.public_url + path
        self.policy = response.headers.get("Referrer-Policy", "")
        self.html = response.get_data(as_text=True)
        return response

    def submit(self, action: str, data: dict | None = None, **kwargs):
        """POST the form of the page opened last to `action`."""
        sent = referer(self.policy, self.page_url, self.public_url + action)
        headers = {"Referer": sent} if sent else {}
        return self.client.post(
            action,
            base_url=self.base_url,
            data={**(data or {}), "csrf_token": csrf_from(self.html)},
            headers=headers,
            **kwargs,
        )


# -- a past evening with its directory open: Alice came, and so did Bruno ----------------------


ALICE = "https-alice-0123456789abcdefghijklmnopqrstuv"
BRUNO = "https-bruno-0123456789abcdefghijklmnopqrstuv"


@pytest.fixture
def evening(app, make):
    """Two who came to yesterday's evening, whose directory is open: (slug, alice, bruno)."""
    series = make.series()
    slug = make.event(series, starts_at=(utcnow() - timedelta(days=1)).replace(microsecond=0))
    came = utcnow() - timedelta(hours=20)
    shared = {"visibility": "community", "checked_in_at": came, "accept_introductions": True}
    shared |= {"street": "1 rue Marchande", "city": "Vienne"}
    alice = make.registration(slug, token=ALICE, first_name="Alice", **shared)
    bruno = make.registration(slug, token=BRUNO, first_name="Bruno", **shared)
    with app.app_context():
        directory_services.open_directory(
            db.session.scalar(select(Event).where(Event.slug == slug))
        )
    return slug, alice, bruno


@pytest.fixture
def ahead(make):
    """Alice's seat for an evening ahead (she may still cancel): her token."""
    make.registration(make.event(make.series()), token=ALICE, first_name="Alice")
    return ALICE


def _registration(app, rid: int) -> Registration:
    with app.app_context():
        registration = db.session.get(Registration, rid)
        db.session.expunge(registration)
        return registration


def _introduction_link(app) -> str:
    with app.app_context():
        message = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.kind == "introduction_request")
        )
        text = message_bytes(message).decode("utf-8", "replace")
    return re.search(r"http://localhost(/introductions/[\w-]+)", text).group(1)


# -- every attendee form, as a browser sends it over HTTPS ------------------------------------


def test_saving_ones_card(app, evening):
    _slug, alice, _bruno = evening
    browser = SecureBrowser(app)
    browser.open(f"/r/{ALICE}")
    card = {"first_name": "Alice", "last_name": "Test", "company": "Rhône Web"}
    response = browser.submit(f"/r/{ALICE}", {**card, "visibility": "community", "language": "en"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _registration(app, alice).company == "Rhône Web"


def test_placing_the_pin(app, evening):
    _slug, alice, _bruno = evening
    browser = SecureBrowser(app)
    browser.open(f"/r/{ALICE}")
    response = browser.submit(f"/r/{ALICE}/pin", {"latitude": "45.5255", "longitude": "4.8766"})
    assert response.status_code == 302
    assert _registration(app, alice).location_status is LocationStatus.PLACED


def test_cancelling(app, make, ahead):
    browser = SecureBrowser(app)
    browser.open(f"/r/{ahead}")
    assert browser.submit(f"/r/{ahead}/cancel").status_code == 302
    with app.app_context():
        status = db.session.scalar(
            select(Registration.status).where(Registration.first_name == "Alice")
        )
    assert status is RegistrationStatus.CANCELLED


def test_erasing_ones_data(app, evening):
    _slug, alice, _bruno = evening
    browser = SecureBrowser(app)
    browser.open(f"/r/{ALICE}/erase")
    response = browser.submit(f"/r/{ALICE}/erase")
    assert response.status_code == 302 and response.headers["Location"] == "/erased"
    assert _registration(app, alice).erased_at is not None


def test_asking_and_answering_an_introduction(app, evening):
    slug, _alice, bruno = evening
    alice_phone = SecureBrowser(app)
    alice_phone.open(f"/r/{ALICE}")
    alice_phone.open(f"/events/{slug}/directory")
    assert alice_phone.submit(f"/events/{slug}/directory/{bruno}/introduce").status_code == 302
    link = _introduction_link(app)
    bruno_phone = SecureBrowser(app)
    bruno_phone.open(link)
    assert bruno_phone.submit(link, {"answer": "accept"}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Introduction)).one().status is IntroductionStatus.ACCEPTED


def test_forgetting_this_phone(app, evening):
    slug, _alice, _bruno = evening
    browser = SecureBrowser(app)
    browser.open(f"/r/{ALICE}")
    assert browser.open(f"/events/{slug}/directory").status_code == 200
    assert browser.submit("/attendee/forget").status_code == 302
    assert browser.open(f"/events/{slug}/directory").status_code == 403


def test_the_check_stays_strict_a_form_without_a_referer_is_refused(app, ahead):
    browser = SecureBrowser(app)
    browser.open(f"/r/{ahead}")
    browser.policy = "no-referrer"  # as the personal page said before
    assert browser.submit(f"/r/{ahead}/cancel").status_code == 400
    browser.page_url = "https://elsewhere.example/"
    browser.policy = "unsafe-url"
    assert browser.submit(f"/r/{ahead}/cancel").status_code == 400


# -- what the private pages say ----------------------------------------------------------------


def test_every_private_page_gives_only_its_origin(app, evening):
    slug, _alice, bruno = evening
    with app.app_context():
        registration = db.session.scalar(
            select(Registration).where(Registration.first_name == "Alice")
        )
        series = registration.event.series.slug
        directory_token = directory_services.new_directory_token(registration)
        db.session.commit()
    browser = SecureBrowser(app)
    pages = [
        f"/r/{ALICE}",
        f"/r/{ALICE}/my-data",
        f"/r/{ALICE}/my-data.json",
        f"/r/{ALICE}/erase",
        "/r/no-such-link",
        f"/d/{directory_token}",
        f"/events/{slug}/directory",
        f"/events/{slug}/directory/map.json",
        f"/events/{slug}/directory/contacts.vcf",
        f"/events/{slug}/directory/{bruno}.vcf",
        f"/series/{series}/community",
        f"/series/{series}/community/map.json",
        f"/series/{series}/community/contacts.vcf",
    ]
    for path in pages:
        response = browser.open(path)
        assert response.status_code in {200, 302, 404}, path
        assert response.headers["Referrer-Policy"] == "strict-origin", path
        assert response.headers["Cache-Control"] == "no-store", path
    # The page of an introduction, opened from the email.
    browser.open(f"/events/{slug}/directory")
    browser.submit(f"/events/{slug}/directory/{bruno}/introduce")
    assert browser.open(_introduction_link(app)).headers["Referrer-Policy"] == "strict-origin"
    # And what it means: the tile server gets the origin, the site's forms too, never the path.
    for target in ("https://tile.openstreetmap.org/6/32/22.png", f"{HTTPS}/r/{ALICE}/cancel"):
        assert referer("strict-origin", f"{HTTPS}/r/{ALICE}", target) == f"{HTTPS}/"


def test_no_page_overrides_the_policy_for_its_links_or_forms():
    """A <meta name="referrer"> or a form's rel=noreferrer would take the Referer away again."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<meta[^>]+name=[\"']referrer", text, re.I), template
        assert not re.search(r"referrerpolicy=", text, re.I), template
        assert not re.search(r"<form[^>]+rel=[\"'][^\"']*noreferrer", text, re.I), template


# -- behind nginx: PROXY_COUNT ------------------------------------------------------------------


@pytest.fixture
def proxied_app(app):
    """The app as configured behind one proxy (PROXY_COUNT=1), on the tests' database."""
    config = {**app.config, "PROXY_COUNT": 1}
    proxied = create_app(config, instance_path=app.instance_path)
    yield proxied
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()


NGINX = {
    "HTTP_X_FORWARDED_PROTO": "https",
    "HTTP_X_FORWARDED_HOST": "meetup.example.org:8443",
    "HTTP_X_FORWARDED_FOR": "203.0.113.7",
}


def test_behind_one_proxy_a_personal_form_over_https_works(proxied_app, ahead):
    """nginx speaks plain HTTP to gunicorn and passes on the scheme, host and port the
    browser used."""
    browser = SecureBrowser(
        proxied_app,
        base_url="http://127.0.0.1:8000",
        public_url="https://meetup.example.org:8443",
        **NGINX,
    )
    page = browser.open(f"/r/{ahead}")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    # A page of the same name on another port is another origin: refused.
    browser.page_url = f"https://meetup.example.org/r/{ahead}"
    assert browser.submit(f"/r/{ahead}/cancel").status_code == 400
    browser.open(f"/r/{ahead}")
    assert browser.submit(f"/r/{ahead}/cancel").status_code == 302


def test_without_a_proxy_forwarded_headers_are_not_believed(app, ahead):
    """PROXY_COUNT=0: a browser talking to the app directly cannot claim HTTPS."""
    browser = SecureBrowser(app, base_url="http://localhost", **NGINX)
    page = browser.open(f"/r/{ahead}")
    assert "Strict-Transport-Security" not in page.headers
