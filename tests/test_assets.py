"""Static files' addresses carry a hash of their content, and are kept a year."""

from __future__ import annotations

import hashlib
import re

from meetup import assets


def test_every_static_link_carries_its_files_hash(client, app):
    page = client.get("/").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="/static/([^"?]+)\?v=([0-9a-f]{12})"', page)
    assert {name for name, _ in links} >= {"css/app.css", "js/app.js", "favicon.svg"}
    for name, version in links:
        content = (app.static_folder + "/" + name).encode()
        with open(content.decode(), "rb") as f:
            assert version == hashlib.sha256(f.read()).hexdigest()[:12], name


def test_a_versioned_address_is_kept_a_year_an_unversioned_one_checked(client):
    version = assets.version(client.application.static_folder, "css/app.css")
    with client.get(f"/static/css/app.css?v={version}") as versioned:
        assert versioned.status_code == 200
        cache = set(versioned.headers["Cache-Control"].split(", "))
    assert cache == {"public", "max-age=31536000", "immutable"}
    with client.get("/static/css/app.css") as plain:
        assert "immutable" not in plain.headers.get("Cache-Control", "")


def test_a_changed_file_gets_a_new_address(tmp_path):
    (tmp_path / "a.css").write_text("body { color: red }")
    first = assets.version(str(tmp_path), "a.css")
    (tmp_path / "a.css").write_text("body { color: blue; }")
    assert assets.version(str(tmp_path), "a.css") not in (None, first)
    assert assets.version(str(tmp_path), "missing.css") is None
    assert assets.version(str(tmp_path), "../etc/passwd") is None
