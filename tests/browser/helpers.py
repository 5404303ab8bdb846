"""What the browser tests share: Chromium's place and flags, the phone's user agent, pages
guarded against Content-Security-Policy violations and requests to other hosts
(`guarded_page`, what the `page` and `phone` fixtures of conftest.py open), screenshots, and
logging in."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.live import LIVE_REQUESTS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Screenshots for people to look at; git-ignored (/test-artifacts/ in .gitignore).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
)
#: What Chromium prints on the console when the Content-Security-Policy blocks something.
CSP_MESSAGE = re.compile(r"content security policy", re.IGNORECASE)
#: URLs that never leave the browser.
#: The last two: the built-in PDF viewer and the resources it loads from inside the browser.
LOCAL_SCHEMES = {"data", "blob", "about", "chrome-extension", "chrome"}


class PageGuard:
    """Records CSP violations and requests to other hosts in one browser context
    (`also_allowed`: other host:port the test itself stands in for, e.g. a tile server)."""

    def __init__(self, base_url: str, also_allowed: tuple[str, ...] = ()) -> None:
        self.hosts = {urlsplit(base_url).netloc, *also_allowed}
        self.problems: list[str] = []
        self.reported = 0

    def on_console(self, message) -> None:
        if CSP_MESSAGE.search(message.text):
            self.problems.append(f"CSP violation ({message.type}): {message.text}")

    def on_request(self, request) -> None:
        url = urlsplit(request.url)
        if url.scheme not in LOCAL_SCHEMES and url.netloc not in self.hosts:
            self.problems.append(f"request to another host: {request.method} {request.url}")

    def watch(self, context) -> None:
        context.on("console", self.on_console)
        context.on("request", self.on_request)

    def assert_clean(self) -> None:
        """Fail on problems not reported yet."""
        new, self.reported = self.problems[self.reported :], len(self.problems)
        if new:
            pytest.fail("\n".join(new), pytrace=False)


#: The guards of the pages a test opened.
GUARDS = pytest.StashKey[list[PageGuard]]()


def guarded_page(
    request, browser, live_server: str, also_allowed: tuple[str, ...] = (), **options
) -> Iterator:
    """A page in a fresh context (French browser, no cookies), closed after the test."""
    guard = PageGuard(live_server, also_allowed)
    request.node.stash.setdefault(GUARDS, []).append(guard)
    context = browser.new_context(base_url=live_server, locale="fr-FR", **options)
    context.set_default_timeout(5_000)
    guard.watch(context)
    try:
        yield context.new_page()
    finally:
        context.close()
        LIVE_REQUESTS.wait_idle()  # its last requests answered before the tables are emptied
    guard.assert_clean()  # whatever arrived after the test body fails the teardown


def wait_until(page, expression: str, *, timeout: float = 15.0) -> None:
    """Wait until `expression` (JavaScript, a promise allowed) is truthy in the page.

    Not Playwright's wait_for_function: when its first check is false it polls through an
    eval inside the page, which our Content-Security-Policy (no 'unsafe-eval') refuses; the
    test then failed only when the machine was slow. page.evaluate is not subject to it."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:g} s: {expression}")
        time.sleep(0.1)


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot (the whole page, or what is on screen) to test-artifacts/<name>.png
    (repository root)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def log_in(page, email: str, *, lands_on: str = "/admin/") -> None:
    """Through the real form; staff land on the admin, door volunteers on "/door/"."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(lands_on) + "$"))
