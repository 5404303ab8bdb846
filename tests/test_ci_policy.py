"""In CI a skipped test fails the run (a missing service must not pass silently)."""

from __future__ import annotations

pytest_plugins = ["pytester"]

SKIPPING = """
import pytest

def test_needs_a_service():
    pytest.skip("Chromium not installed")
"""
CONFTEST = "from tests.conftest import pytest_runtest_makereport  # noqa: F401\n"


def test_a_skip_fails_in_ci(pytester, monkeypatch):
    monkeypatch.setattr("tests.conftest.CI", True)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(SKIPPING)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*skipped in CI*Chromium not installed*"])


def test_a_skip_is_a_skip_outside_ci(pytester, monkeypatch):
    monkeypatch.setattr("tests.conftest.CI", False)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(SKIPPING)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(skipped=1)
