"""deploy/nginx.conf as served in front of gunicorn (tests/servers.py): what nginx itself does.

The journeys through it are in tests/browser/test_https_flow.py.
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import ssl
import urllib.error
import urllib.request

import pytest

from tests.servers import HOST, SITE_CONFIG, STATIC_ROOT, ServerError, rewrite_site

PLACEHOLDERS = ("host", "http_port", "https_port", "cert", "key", "upstream", "static", "error_log")


def test_nginx_checks_the_configuration_it_serves(https_site):
    output = https_site.nginx.check()
    assert "syntax is ok" in output and "test is successful" in output
    served = https_site.nginx.site_path.read_text()
    assert f"listen {HOST}:{https_site.nginx.https_port} ssl http2;" in served
    assert f"proxy_pass http://{https_site.gunicorn.address};" in served


def test_the_site_file_must_keep_the_lines_the_test_changes():
    """A changed line of deploy/nginx.conf fails loudly instead of going untested."""
    text = SITE_CONFIG.read_text().replace("listen 443 ssl http2;", "listen 443 ssl;")
    with pytest.raises(ServerError, match="listen 443 ssl http2;"):
        rewrite_site(text, **dict.fromkeys(PLACEHOLDERS, "x"))


def test_plain_http_is_sent_to_https_with_the_same_path(https_site):
    status, headers, _ = https_site.nginx.get("/events/vienne?lang=fr", https=False)
    assert status == 301
    assert headers["Location"] == f"{https_site.url}/events/vienne?lang=fr"
    # Certificate renewals are answered over plain HTTP (here: no such file).
    status, _, _ = https_site.nginx.get("/.well-known/acme-challenge/nothing", https=False)
    assert status == 404


def test_the_app_behind_knows_the_request_came_over_https(https_site):
    status, headers, body = https_site.nginx.get("/healthz")
    assert status == 200 and json.loads(body)["database"] == {"ok": True}
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["Server"] == "nginx"  # no version


def test_static_files_come_from_disk_checked_back_each_time(https_site):
    status, headers, body = https_site.nginx.get("/static/css/app.css")
    assert status == 200
    assert body == (STATIC_ROOT / "css" / "app.css").read_bytes()
    assert headers["Content-Type"] == "text/css"
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, _, _ = https_site.nginx.get(
        "/static/css/app.css", headers={"If-None-Match": headers["ETag"]}
    )
    assert status == 304
    assert https_site.nginx.get("/static/../wsgi.py")[0] in {400, 404}


def test_a_body_over_the_apps_limit_gets_the_apps_own_answer(https_site):
    """Between the app's 2 MiB and nginx's 3: the API's JSON error, as its document says."""
    body = b'{"name": "' + b"x" * (2 * 1024 * 1024 + 100) + b'"}'
    request = urllib.request.Request(  # noqa: S310 (loopback)
        https_site.nginx.url + "/api/v1/series",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=https_site.nginx.ssl_context())
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(request, timeout=10)
    assert refused.value.code == 413
    assert json.loads(refused.value.read())["error"]["code"] == "too_large"


def test_a_body_far_over_the_apps_limit_is_refused_by_nginx(https_site):
    request = (
        f"POST /events/x/signup HTTP/1.1\r\nHost: {HOST}:{https_site.nginx.https_port}\r\n"
        f"Content-Length: {4 * 1024 * 1024}\r\nConnection: close\r\n\r\n"
    ).encode()
    context = https_site.nginx.ssl_context()
    with (
        socket.create_connection((HOST, https_site.nginx.https_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=HOST) as tls,
    ):
        tls.sendall(request)
        answer = tls.recv(200).decode()
    assert answer.startswith("HTTP/1.1 413")


def test_a_picture_form_may_send_more_through_nginx(https_site):
    """The forms that take a picture accept a 6 MiB body (meetup.images.uploads): nginx lets
    a 5 MiB one through to the app (here refused for its missing CSRF token, not as too
    large), and still stops one far beyond."""

    def answer(size: int) -> str:
        request = (
            f"POST /admin/series/x/edit HTTP/1.1\r\nHost: {HOST}:{https_site.nginx.https_port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {size}\r\nConnection: close\r\n\r\n"
        ).encode()
        context = https_site.nginx.ssl_context()
        with (
            socket.create_connection((HOST, https_site.nginx.https_port), timeout=30) as raw,
            context.wrap_socket(raw, server_hostname=HOST) as tls,
        ):
            tls.sendall(request)
            if size <= 7 * 1024 * 1024:
                tls.sendall(b"a=" + b"b" * (size - 2))
            return tls.recv(200).decode()

    assert answer(5 * 1024 * 1024).startswith("HTTP/1.1 400 BAD REQUEST")  # the app's
    assert answer(8 * 1024 * 1024).startswith("HTTP/1.1 413")


def _handshake(site, maximum: ssl.TLSVersion) -> tuple[str, str]:
    context = site.nginx.ssl_context()
    context.maximum_version = maximum
    with (
        socket.create_connection((HOST, site.nginx.https_port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=HOST) as tls,
    ):
        return tls.version(), tls.cipher()[0]


def test_tls_1_3_and_1_2_with_forward_secret_ciphers(https_site):
    assert _handshake(https_site, ssl.TLSVersion.MAXIMUM_SUPPORTED)[0] == "TLSv1.3"
    version, cipher = _handshake(https_site, ssl.TLSVersion.TLSv1_2)
    assert version == "TLSv1.2"
    assert cipher.startswith("ECDHE-") and ("GCM" in cipher or "CHACHA20" in cipher)


def test_no_request_is_logged(https_site):
    """Paths carry personal tokens: neither an access log nor error lines name them."""
    https_site.nginx.get("/r/a-personal-token-that-opens-nothing")
    https_site.nginx.get("/static/no-such-file.css")
    assert https_site.nginx.access_log_path.read_text() == ""
    assert "a-personal-token" not in https_site.nginx.log_tail(1000)
    assert "no-such-file" not in https_site.nginx.log_tail(1000)


def test_versioned_static_addresses_are_kept_a_year_by_nginx(https_site):
    """Every page links its files with a hash of their content (meetup/assets.py)."""
    _, _, page = https_site.nginx.get("/")
    link = re.search(rb'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page).group(1).decode()
    status, headers, body = https_site.nginx.get(link)
    assert status == 200 and body == (STATIC_ROOT / "css" / "app.css").read_bytes()
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/pico/pico.min.css",
        "/static/vendor/leaflet/leaflet.js",
        "/static/js/door.js",
        "/",
    ],
)
def test_text_goes_to_phones_compressed(https_site, path):
    """Stylesheets, scripts and pages are gzipped for browsers that say they take it
    (Lighthouse's phone profile, bench/phones.py: pages under 100 KB); Vary tells caches."""
    status, headers, body = https_site.nginx.get(path, headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]
    plain = gzip.decompress(body)
    if path.startswith("/static/"):
        assert plain == (STATIC_ROOT / path.removeprefix("/static/")).read_bytes()
        assert len(body) < len(plain) / 3
    # Without Accept-Encoding, the bytes as they are.
    status, headers, body = https_site.nginx.get(path)
    assert status == 200 and "Content-Encoding" not in headers
