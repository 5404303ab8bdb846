"""Browser fixtures: Debian's Chromium driven by Playwright (sync API), never downloaded.

Every page opened through `page` or `phone` is watched: a Content-Security-Policy violation
reported on the console, or a request to any host other than the live server, fails the test
(the product promises no inline script and no request to another host).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, GUARDS, PHONE_USER_AGENT, guarded_page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test itself, right after its body, on a CSP violation or a foreign request."""
    result = yield
    for guard in item.stash.get(GUARDS, []):
        guard.assert_clean()
    return result


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(request, browser, live_server) -> Iterator:
    """A desktop page, 1280x900."""
    yield from guarded_page(request, browser, live_server, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone(request, browser, live_server) -> Iterator:
    """A page in a separate phone context: 390x844 at 2x, touch, mobile user agent."""
    yield from guarded_page(
        request,
        browser,
        live_server,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent=PHONE_USER_AGENT,
    )
