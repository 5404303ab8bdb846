"""Transports: hand a stored message to an SMTP server, or write it to a file.

A transport is opened once per batch (`with transport.open() as connection:`) and sends
`Outgoing` messages, raw bytes unchanged. Errors are sorted for the outbox:

- `ServerUnavailable`: no connection, or it broke; nothing more can be sent in this batch.
- `DeliveryError`: the server refused this message; `permanent` (a 5xx answer) means retrying
  will not help.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

from flask import Flask

from meetup.mail.models import OutboxMessage
from meetup.models_base import column_length

#: Longest error text kept: what the outbox's column holds.
MAX_ERROR_LENGTH = column_length(OutboxMessage.last_error)


@dataclass(frozen=True)
class Outgoing:
    """One message as a transport sees it: no ORM object, nothing to lazy-load."""

    id: int
    message_id: str
    recipient: str
    raw: bytes


class ServerUnavailable(Exception):
    """Could not connect, log in, or keep the connection: try again later."""


class DeliveryError(Exception):
    """The server answered this message with an error code."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Connection(Protocol):
    def send(self, message: Outgoing) -> None: ...


class Transport(Protocol):
    def open(self) -> AbstractContextManager[Connection]: ...


def short_error(error: BaseException) -> str:
    """The error's class and text, cut to fit the outbox column."""
    text = str(error).strip() or type(error).__name__
    text = " ".join(text.split())  # one line
    return text[:MAX_ERROR_LENGTH]


def _smtp_reply(code: int, reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return f"{code} {reply}"


class SmtpTransport:
    """SMTP with STARTTLS (never falling back to plain text when TLS is asked for) and login."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        envelope_from: str,
        username: str = "",
        password: str = "",
        use_tls: bool = True,
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.envelope_from = host, port, envelope_from
        self.username, self.password = username, password
        self.use_tls, self.timeout = use_tls, timeout

    @contextmanager
    def open(self) -> Iterator[_SmtpConnection]:
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as error:
            raise ServerUnavailable(
                f"cannot connect to {self.host}:{self.port}: {error}"
            ) from error
        try:
            try:
                smtp.ehlo()
                if self.use_tls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password)
            except (OSError, smtplib.SMTPException) as error:
                raise ServerUnavailable(f"SMTP session refused: {error}") from error
            yield _SmtpConnection(smtp, self.envelope_from)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


class _SmtpConnection:
    def __init__(self, smtp: smtplib.SMTP, envelope_from: str) -> None:
        self.smtp, self.envelope_from = smtp, envelope_from

    def send(self, message: Outgoing) -> None:
        try:
            self.smtp.sendmail(self.envelope_from, [message.recipient], message.raw)
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise DeliveryError(_smtp_reply(code, reply), permanent=code >= 500) from error
        except smtplib.SMTPDataError as error:
            reply = _smtp_reply(error.smtp_code, error.smtp_error)
            raise DeliveryError(reply, permanent=error.smtp_code >= 500) from error
        except smtplib.SMTPSenderRefused as error:
            # Our own address refused: a setting to fix, not this message's fault.
            reply = _smtp_reply(error.smtp_code, error.smtp_error)
            raise DeliveryError(reply, permanent=False) from error
        except (OSError, smtplib.SMTPException) as error:
            raise ServerUnavailable(f"SMTP connection lost: {error}") from error


class FileTransport:
    """Writes each message to `<directory>/<UTC timestamp>-<id>.eml` (development)."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)

    @contextmanager
    def open(self) -> Iterator[FileTransport]:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ServerUnavailable(f"cannot write to {self.directory}: {error}") from error
        yield self

    def send(self, message: Outgoing) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.directory / f"{stamp}-{message.id}.eml"
        # Written under a temporary name, then renamed: a reader never sees half a file.
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed after
            dir=self.directory, prefix=".", suffix=".tmp", delete=False
        )
        try:
            with handle:
                handle.write(message.raw)
            os.replace(handle.name, target)
        except OSError as error:
            Path(handle.name).unlink(missing_ok=True)
            raise ServerUnavailable(f"cannot write {target.name}: {error}") from error

    def discard(self, message: Outgoing) -> None:
        """Take back a message whose row vanished while it was written (an erasure)."""
        for path in self.directory.glob(f"*-{message.id}.eml"):
            path.unlink(missing_ok=True)


def transport_for(app: Flask) -> SmtpTransport | FileTransport:
    """SMTP when MAIL_SERVER is set, otherwise files in instance/mail/."""
    config = app.config
    if not config.get("MAIL_SERVER"):
        return FileTransport(Path(app.instance_path) / "mail")
    return SmtpTransport(
        host=config["MAIL_SERVER"],
        port=int(config.get("MAIL_PORT", 587)),
        envelope_from=config.get("MAIL_BOUNCE_ADDRESS")
        or parseaddr(config.get("MAIL_DEFAULT_SENDER", ""))[1],
        username=config.get("MAIL_USERNAME", ""),
        password=config.get("MAIL_PASSWORD", ""),
        use_tls=bool(config.get("MAIL_USE_TLS", True)),
        timeout=float(config.get("MAIL_TIMEOUT", 30)),
    )
