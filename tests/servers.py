"""The app as it runs in production, on loopback: gunicorn with gunicorn.conf.py, and Debian's
nginx serving deploy/nginx.conf over HTTPS in front of it; a Redis of the test's own; and
`Browser`, a client that keeps cookies and CSRF tokens as a browser does.

    with Gunicorn(tmp / "gunicorn", database_url=url, instance_path=path, workers=4) as web:
        urllib.request.urlopen(web.url + "/healthz")

    with serve_https(tmp, database_url=url, instance_path=path) as site:
        site.url             # https://127.0.0.1:<port>, nginx; gunicorn behind it
        site.http_url        # http://127.0.0.1:<port>, which redirects to site.url
        site.nginx.spki      # for Chromium's --ignore-certificate-errors-spki-list
        site.nginx.ca_file   # for Python's ssl.create_default_context(cafile=...)

Both share the database of the tests' `app` fixture (pass its URL and instance path), so a
test creates data with the `make` factory and reads back what a request wrote. Each process is
started by the `with` and stopped (cleanly, then killed if it must) when it ends; its output is
in `log_path`, whose end every error message carries.

nginx runs in the foreground as a child process, from a top-level configuration written into
its work folder (pid file, logs, temporary files there) that includes deploy/nginx.conf with
only the lines of SITE_REWRITES changed, each of which must be found in it. `nginx -t` checks
that configuration before it starts, and warnings count as failures. The certificate comes
from trustme (a throw-away authority).
"""

from __future__ import annotations

import base64
import contextlib
import grp
import hashlib
import http.cookiejar
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import redis
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

REPO = Path(__file__).resolve().parent.parent
SITE_CONFIG = REPO / "deploy" / "nginx.conf"
GUNICORN_CONFIG = REPO / "gunicorn.conf.py"
STATIC_ROOT = REPO / "meetup" / "static"
HOST = "127.0.0.1"

#: Settings the app (meetup/config.py) and gunicorn.conf.py read from the environment: none
#: is inherited from the environment the tests run in, so the server is configured here only.
_SETTING = re.compile(r"(?:environ\.get|_bool|_int)\(\s*\"([A-Z][A-Z0-9_]*)\"")
SETTINGS = frozenset(
    name
    for path in (REPO / "meetup" / "config.py", GUNICORN_CONFIG)
    for name in _SETTING.findall(path.read_text(encoding="utf-8"))
)


class ServerError(RuntimeError):
    """A server did not start or stop; the message ends with the end of its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen, sig: int, timeout: float) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


# -- gunicorn -------------------------------------------------------------------------------


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py wsgi:app` on http://127.0.0.1:`port`.

    No setting of the app or of gunicorn.conf.py comes from the tests' own environment
    (SETTINGS); they are: the database and instance folder (shared with the tests' app), a
    random SECRET_KEY, BASE_URL (this server's own address unless given), PROXY_COUNT,
    WEB_CONCURRENCY, no geocoder, no map tiles, no SMTP server (the outbox only); `env` adds
    or overrides any variable (REDIS_URL for rate limits shared between workers, say).
    `start()` returns once /healthz answers 200.
    """

    def __init__(
        self,
        workdir: str | os.PathLike[str],
        *,
        database_url: str,
        instance_path: str | os.PathLike[str],
        base_url: str | None = None,
        workers: int = 2,
        proxy_count: int = 0,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.log_path = self.workdir / "gunicorn.log"
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in SETTINGS and key not in {"TEST_DATABASE_URL", "FLASK_APP"}
        }
        self.env.update(
            BIND=self.address,
            WEB_CONCURRENCY=str(workers),
            DATABASE_URL=database_url,
            MEETUP_INSTANCE_PATH=str(instance_path),
            SECRET_KEY=secrets.token_urlsafe(48),
            BASE_URL=base_url or self.url,
            PROXY_COUNT=str(proxy_count),
            GEOCODER="none",
            MAP_TILE_URL="",
            MAIL_SERVER="",
            PYTHONUNBUFFERED="1",
        )
        self.env.update(env or {})
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """host:port, as nginx's proxy_pass and gunicorn's BIND want it."""
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 60.0) -> None:
        if self.running:
            return
        gunicorn = Path(sys.executable).parent / "gunicorn"
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [str(gunicorn), "-c", str(GUNICORN_CONFIG), "wsgi:app"],
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                self._process = None
                raise ServerError(f"gunicorn exited on {self.address}\n{self.log_tail()}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(self.url + "/healthz", timeout=2) as response,  # noqa: S310 (loopback)
            ):
                if response.status == 200:
                    return
            if time.monotonic() > deadline:
                self.stop()
                raise ServerError(f"gunicorn did not answer within {timeout} s\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self, timeout: float = 40.0) -> None:
        """SIGTERM: workers finish their requests (graceful_timeout), then gunicorn exits."""
        process, self._process = self._process, None
        if process is not None:
            _stop(process, signal.SIGTERM, timeout)

    def flask(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """`flask --app wsgi ARGS` with this server's settings (e.g. `mail send`)."""
        flask = Path(sys.executable).parent / "flask"
        return subprocess.run(
            [str(flask), "--app", "wsgi", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)

    def __enter__(self) -> Gunicorn:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# -- nginx ----------------------------------------------------------------------------------


def nginx_executable() -> Path | None:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    return Path(found) if found else None


def nginx_available() -> str | None:
    """None when nginx can run here, else why not (for `pytest.skip(reason)`)."""
    if nginx_executable() is None:
        return "nginx is not installed: apt-get install nginx"
    return None


#: What the test changes in deploy/nginx.conf: (line as written there, how many times,
#: replacement). Placeholders: {http_port} {https_port} {host} {upstream} {cert} {key}
#: {static} {error_log}. A replacement of None removes the line (IPv6: loopback only here).
SITE_REWRITES: tuple[tuple[str, int, str | None], ...] = (
    ("listen 80;", 1, "listen {host}:{http_port};"),
    ("listen [::]:80;", 1, None),
    ("listen 443 ssl http2;", 1, "listen {host}:{https_port} ssl http2;"),
    ("listen [::]:443 ssl http2;", 1, None),
    ("server_name meetup.example.org;", 2, "server_name {host};"),
    (
        "ssl_certificate /etc/letsencrypt/live/meetup.example.org/fullchain.pem;",
        1,
        "ssl_certificate {cert};",
    ),
    (
        "ssl_certificate_key /etc/letsencrypt/live/meetup.example.org/privkey.pem;",
        1,
        "ssl_certificate_key {key};",
    ),
    (
        "return 301 https://$host$request_uri;",
        1,
        "return 301 https://$host:{https_port}$request_uri;",
    ),
    ("error_log /var/log/nginx/error.log crit;", 1, "error_log {error_log} crit;"),
    ("alias /srv/meetup/meetup/static/;", 1, "alias {static}/;"),
    ("proxy_pass http://127.0.0.1:8000;", 2, "proxy_pass http://{upstream};"),
)


def rewrite_site(text: str, **values: object) -> str:
    """deploy/nginx.conf's text with SITE_REWRITES applied; each line must be there as often
    as said, so that a change to the file cannot leave the test running something else."""
    lines = text.splitlines()
    for original, count, replacement in SITE_REWRITES:
        found = [i for i, line in enumerate(lines) if line.strip() == original]
        if len(found) != count:
            raise ServerError(
                f"{SITE_CONFIG.name}: expected {count} line(s) {original!r}, found {len(found)};"
                " update SITE_REWRITES in tests/servers.py with the file"
            )
        for i in found:
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            if replacement is None:
                lines[i] = f"{indent}# (test: {original})"
            else:
                lines[i] = indent + replacement.format(**values)
    rewritten = "\n".join(lines) + "\n"
    directives = "\n".join(line.split("#", 1)[0] for line in lines)
    leftover = re.search(r"meetup\.example\.org|/etc/letsencrypt|/srv/meetup", directives)
    if leftover:
        raise ServerError(f"{SITE_CONFIG.name}: {leftover.group()!r} is left after the rewrites")
    return rewritten


MAIN_CONFIG = """\
# Written by tests/servers.py: deploy/nginx.conf on loopback, everything else in {workdir}.
{user}daemon off;
master_process on;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log notice;

events {{
    worker_connections 128;
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    # Anything the site does not say otherwise is logged here: the tests check it stays empty.
    access_log {workdir}/access.log;
    client_body_temp_path {workdir}/tmp/client_body;
    proxy_temp_path {workdir}/tmp/proxy;
    fastcgi_temp_path {workdir}/tmp/fastcgi;
    uwsgi_temp_path {workdir}/tmp/uwsgi;
    scgi_temp_path {workdir}/tmp/scgi;

    include {workdir}/site.conf;
}}
"""


class Nginx:
    """deploy/nginx.conf served by Debian's nginx on https://127.0.0.1:`https_port` (and
    http://127.0.0.1:`http_port`, which redirects), proxying to `upstream` (host:port).

    The certificate is issued by a trustme authority for 127.0.0.1 and localhost: `ca_file`
    for Python clients, `spki` (base64 SHA-256 of the server key) for Chromium. `check()` runs
    `nginx -t` on the configuration `start()` serves.
    """

    def __init__(
        self,
        workdir: str | os.PathLike[str],
        *,
        upstream: str,
        https_port: int | None = None,
        http_port: int | None = None,
        static_root: str | os.PathLike[str] = STATIC_ROOT,
    ) -> None:
        executable = nginx_executable()
        if executable is None:
            raise ServerError(nginx_available() or "nginx is not installed")
        self.executable = executable
        self.workdir = Path(workdir).resolve()
        (self.workdir / "tmp").mkdir(parents=True, exist_ok=True)
        self.upstream = upstream
        self.https_port = https_port or free_port()
        self.http_port = http_port or free_port()
        self.static_root = Path(static_root).resolve()
        self.config_path = self.workdir / "nginx.conf"
        self.site_path = self.workdir / "site.conf"
        self.log_path = self.workdir / "error.log"
        self.site_log_path = self.workdir / "site-error.log"
        self.access_log_path = self.workdir / "access.log"
        self.ca = trustme.CA()
        self._certificate = self.ca.issue_cert(HOST, "localhost")
        self.ca_file = self.workdir / "ca.pem"
        self.cert_file = self.workdir / "cert.pem"
        self.key_file = self.workdir / "key.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        with self.cert_file.open("wb") as chain:
            for blob in self._certificate.cert_chain_pems:
                chain.write(blob.bytes())
        self._certificate.private_key_pem.write_to_path(str(self.key_file))
        self.key_file.chmod(0o600)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.https_port}"

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    @property
    def spki(self) -> str:
        """Base64 SHA-256 of the certificate's public key (SubjectPublicKeyInfo)."""
        leaf = x509.load_pem_x509_certificate(self._certificate.cert_chain_pems[0].bytes())
        der = leaf.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(hashlib.sha256(der).digest()).decode()

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def write_config(self) -> None:
        site = rewrite_site(
            SITE_CONFIG.read_text(encoding="utf-8"),
            host=HOST,
            http_port=self.http_port,
            https_port=self.https_port,
            upstream=self.upstream,
            cert=self.cert_file,
            key=self.key_file,
            static=self.static_root,
            error_log=self.site_log_path,
        )
        self.site_path.write_text(site, encoding="utf-8")
        # nginx started by root hands requests to workers running as `user`: this one, so
        # that they read the checkout and the work folder as the tests do.
        user = ""
        if os.geteuid() == 0:
            user = (
                f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n"
            )
        self.config_path.write_text(
            MAIN_CONFIG.format(workdir=self.workdir, user=user), encoding="utf-8"
        )

    def _command(self, *args: str) -> list[str]:
        return [
            str(self.executable),
            "-p",
            f"{self.workdir}/",
            "-c",
            str(self.config_path),
            "-e",
            str(self.log_path),
            *args,
        ]

    def check(self) -> str:
        """`nginx -t` on the configuration start() serves; its output. Raises ServerError on
        an error or a warning."""
        self.write_config()
        result = subprocess.run(
            self._command("-t"), capture_output=True, text=True, timeout=30, check=False
        )
        output = result.stderr + result.stdout
        if result.returncode != 0 or re.search(r"\[(warn|emerg|alert|crit)\]", output):
            raise ServerError(f"nginx -t refused the configuration:\n{output}")
        return output

    def start(self, timeout: float = 20.0) -> None:
        if self.running:
            return
        self.check()
        self._process = subprocess.Popen(
            self._command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # everything goes to log_path (-e and error_log)
        )
        context = self.ssl_context()
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                self._process = None
                raise ServerError(f"nginx exited\n{self.log_tail()}")
            try:
                with (
                    socket.create_connection((HOST, self.https_port), timeout=2) as raw,
                    context.wrap_socket(raw, server_hostname=HOST),
                ):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise ServerError(
                        f"nginx did not answer within {timeout} s\n{self.log_tail()}"
                    ) from None
                time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGQUIT: nginx finishes the requests in hand, then exits."""
        process, self._process = self._process, None
        if process is not None:
            _stop(process, signal.SIGQUIT, timeout)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(
            part for part in (_tail(self.log_path, lines), _tail(self.site_log_path, lines)) if part
        )

    def get(
        self, path: str, *, https: bool = True, headers: Mapping[str, str] | None = None
    ) -> tuple[int, Mapping[str, str], bytes]:
        """(status, headers, body) of GET `path`, redirects not followed."""
        url = (self.url if https else self.http_url) + path
        request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310 (loopback)
        opener = urllib.request.build_opener(
            _NoRedirect, urllib.request.HTTPSHandler(context=self.ssl_context())
        )
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, error.read()

    def __enter__(self) -> Nginx:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# -- a client for them ----------------------------------------------------------------------


class Browser:
    """Cookies and CSRF tokens, as a browser keeps them."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def open(self, path: str, data: dict | None = None, *, json_body=None):
        headers = {"Accept-Language": "en"}
        body = None
        if json_body is not None:
            body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode()

    def post_form(self, path: str, data: dict) -> int:
        _, page = self.open(path)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return self.open(path, {**data, "csrf_token": token})[0]


# -- Redis ----------------------------------------------------------------------------------


class RedisServer:
    """A throw-away Redis on loopback (nothing kept on disk)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir, self.port = workdir, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port)]
        command += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.workdir)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return
            except Exception:  # noqa: S110 - not up yet
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


# -- both -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """nginx (HTTPS) in front of gunicorn, as in production."""

    nginx: Nginx
    gunicorn: Gunicorn

    @property
    def url(self) -> str:
        return self.nginx.url

    @property
    def http_url(self) -> str:
        return self.nginx.http_url


@contextlib.contextmanager
def serve_https(
    workdir: str | os.PathLike[str],
    *,
    database_url: str,
    instance_path: str | os.PathLike[str],
    workers: int = 2,
    env: Mapping[str, str] | None = None,
) -> Iterator[Site]:
    """gunicorn behind nginx: BASE_URL is nginx's https address, PROXY_COUNT=1."""
    workdir = Path(workdir)
    https_port = free_port()
    with (
        Gunicorn(
            workdir / "gunicorn",
            database_url=database_url,
            instance_path=instance_path,
            base_url=f"https://{HOST}:{https_port}",
            workers=workers,
            proxy_count=1,
            env=env,
        ) as gunicorn,
        Nginx(workdir / "nginx", upstream=gunicorn.address, https_port=https_port) as nginx,
    ):
        yield Site(nginx=nginx, gunicorn=gunicorn)
