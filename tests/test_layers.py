"""The layers (README.md, "Layers") are a contract `make lint` checks with import-linter: a
deliberate import across them, on a copy of the code, makes `lint-imports` fail."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The package and its contract, elsewhere: the real tree is never touched."""
    shutil.copytree(ROOT / "meetup", tmp_path / "meetup", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(root: Path, module: str, line: str) -> None:
    path = root / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")


def test_the_code_keeps_its_layers(copy):
    result = lint_imports(copy)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_an_import_up_the_layers_fails(copy):
    # Registrations sit below the directory: the views cycle this contract ended.
    add_import(copy, "meetup.registrations.services", "from meetup.directory import viewer")
    result = lint_imports(copy)
    assert result.returncode != 0
    assert "meetup.registrations is not allowed to import meetup.directory" in result.stdout
    assert "meetup.registrations.services -> meetup.directory.viewer" in result.stdout


def test_an_import_into_the_base_fails(copy):
    # The audit trail is at the bottom: it may not reach back into privacy.
    add_import(copy, "meetup.audit", "import meetup.privacy.models")
    result = lint_imports(copy)
    assert result.returncode != 0
    assert "meetup.audit is not allowed to import meetup.privacy" in result.stdout


def test_flask_in_a_pure_core_fails(copy):
    add_import(copy, "meetup.directory.spatial", "import flask")
    result = lint_imports(copy)
    assert result.returncode != 0
    assert "meetup.directory.spatial is not allowed to import flask" in result.stdout
