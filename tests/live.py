"""The live server the browser tests drive (tests/conftest.py `live_server`): its app, with
the requests it is still answering counted."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator


class InFlight:
    """The live server's app, closing each answer as soon as its body is sent and counting
    the requests not answered yet.

    Werkzeug's development server closes an answer only after reading what is left of the
    request, and that read raises when the browser has reset the connection (a page closed
    at a test's end): the answer was then never closed, its static file left open until the
    garbage collector found it, in whichever test was running (a ResourceWarning, an error
    under this suite's warning filter: seen once, on PostgreSQL). Closing a page also waits
    until its requests are answered, before the next fixtures empty the tables."""

    def __init__(self) -> None:
        self.app = None
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response) -> Iterator[bytes]:
        with self.changed:
            self.count += 1
        try:
            answer = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return self._sent(answer)

    def _sent(self, answer: Iterable[bytes]) -> Iterator[bytes]:
        try:
            yield from answer
        finally:  # the body sent, or the server gave up on it
            close = getattr(answer, "close", None)
            try:
                if close is not None:
                    close()
            finally:
                self._done()

    def _done(self) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.count == 0, timeout)


#: What the browser fixtures wait for when they close a page (tests/browser/helpers.py).
LIVE_REQUESTS = InFlight()
