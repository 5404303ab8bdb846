"""A web worker's memory (issue 23, point 7): the app loads without numpy and scipy (the
directory's batch work only), Alembic (`flask db` only), geopy (geocoding only), reportlab
and qrcode (a PDF, a new QR code), Pillow (a PDF, a picture uploaded).
bench/memory.py measures the workers' RSS."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "numpy",
    "scipy",
    "alembic",
    "flask_migrate",
    "mako",
    "geopy",
    "reportlab",
    "PIL",
    "qrcode",
)


def test_creating_the_app_does_not_import_the_heavy_libraries(tmp_path):
    code = (
        "import sys\n"
        "from meetup import create_app\n"
        f"app = create_app({{'TESTING': True, 'SECRET_KEY': 'k' * 64}}, instance_path={str(tmp_path)!r})\n"
        "with app.test_request_context('/'):\n"
        "    app.url_map.bind('localhost').match('/')\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == []


def test_flask_db_still_runs_the_migrations(tmp_path):
    env = {
        "PATH": str(Path(sys.executable).parent),
        "SECRET_KEY": "k" * 64,
        "MEETUP_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    flask = str(Path(sys.executable).with_name("flask"))
    run = subprocess.run(
        [flask, "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    current = subprocess.run(
        [flask, "--app", "wsgi", "db", "current"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "(head)" in current.stdout
