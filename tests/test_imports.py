"""Every package imports on its own, first, in a fresh interpreter, as the CLI, the benchmarks
and a worker may import them: an import cycle only shows in some orders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = sorted(f"meetup.{path.parent.name}" for path in (ROOT / "meetup").glob("*/__init__.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_first(package):
    result = subprocess.run(
        [sys.executable, "-c", f"import {package}"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
