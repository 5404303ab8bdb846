"""Stand-ins for the outside world, on loopback: an SMTP server that keeps what it accepts
(aiosmtpd), and a Nominatim that places every address on one building and counts the
requests. The `smtp` fixture (conftest.py) starts the first for a test."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

from meetup.mail.delivery import SmtpTransport
from tests.servers import free_port

# -- SMTP -----------------------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps what it accepts.

    `refuse` (e.g. "451 4.3.0 Try again later") makes it refuse every message after reading
    it; `refuse_rcpt` refuses chosen recipients at RCPT TO.
    """

    def __init__(self) -> None:
        self.accepted: list = []
        self.refused: list = []
        self.refuse: str | None = None
        self.refuse_rcpt: dict[str, str] = {}
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.refuse:
                self.refused.append(envelope)
                return self.refuse
            self.accepted.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [BytesParser(policy=policy.default).parsebytes(e.content) for e in self.accepted]

    def message_ids(self) -> Counter:
        return Counter(message["Message-ID"] for message in self.messages())


class SmtpServer:
    """One port for the whole test: stop() and start() again simulate an outage."""

    def __init__(self) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def transport(self) -> SmtpTransport:
        return SmtpTransport(
            host="127.0.0.1",
            port=self.port,
            envelope_from="meetup@localhost",
            use_tls=False,
            timeout=5,
        )


# -- Nominatim ------------------------------------------------------------------------------


#: Five offices in Vienne, for several people to share (colleagues in one building).
ADDRESSES = [
    ("12 rue Marchande", "38200", "Vienne"),
    ("3 cours Romestang", "38200", "Vienne"),
    ("1 place de Miremont", "38200", "Vienne"),
    ("20 quai Jean Jaurès", "38200", "Vienne"),
    ("7 rue de la Charité", "38200", "Vienne"),
]


class FakeNominatim:
    """Answers every search with a building; keeps (arrival time, query) of each request."""

    def __init__(self) -> None:
        self.requests: list[tuple[float, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query).get("q", [""])[0]
                fake.requests.append((time.monotonic(), query))
                body = json.dumps(
                    [
                        {
                            "lat": "45.5226",
                            "lon": "4.8743",
                            "display_name": query,
                            "addresstype": "building",
                        }
                    ]
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> FakeNominatim:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- a webhook receiver ------------------------------------------------------------------------


class WebhookReceiver:
    """A club's tool on loopback: checks each body's signature with the endpoint's secret
    (as the README tells receivers to) and keeps what it accepted, in the order received.
    stop() and start() again on the same port simulate an outage (connection refused)."""

    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.port = free_port()
        self.received: list[dict] = []
        self.bad_signatures = 0
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/meetup"

    def start(self) -> None:
        from meetup.webhooks.signing import HEADER, verify

        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if not verify(receiver.secret, self.headers.get(HEADER, ""), body):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                receiver.received.append(
                    {
                        "event": self.headers.get("Meetup-Event"),
                        "delivery": self.headers.get("Meetup-Delivery"),
                        "body": json.loads(body),
                    }
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
