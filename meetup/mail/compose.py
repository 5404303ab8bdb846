"""Building and reading RFC 5322 messages: pure, no Flask.

`build_message` returns the exact bytes the outbox stores and sends. Headers are built from
structured values (`email.headerregistry.Address`), never by pasting strings together, and any
control character in a header value is refused: nothing typed by an attendee can add a header.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses

#: The default policy, writing CRLF line ends (the wire format) and only 7-bit bodies
#: (quoted-printable or base64), so no SMTP server needs 8BITMIME.
WIRE_POLICY = policy.SMTP.clone(cte_type="7bit")
#: Writing out: headers set raw (`set_raw`) go out exactly as given, never refolded. The
#: others are header objects, folded as WIRE_POLICY folds them.
_OUT_POLICY = WIRE_POLICY.clone(refold_source="none")

#: A mailbox: an address, or (display name, address).
Mailbox = str | tuple[str, str]


@dataclass(frozen=True)
class Attachment:
    filename: str
    #: e.g. "text/calendar; method=PUBLISH" or "application/pdf".
    content_type: str
    data: bytes


@dataclass(frozen=True)
class InlineImage:
    #: Referenced from the HTML as src="cid:<cid>", e.g. "ticket-qr@meetup".
    cid: str
    content_type: str
    data: bytes


def build_message(
    *,
    sender: Mailbox,
    recipient: Mailbox,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Iterable[Attachment] = (),
    inline_images: Iterable[InlineImage] = (),
    message_id: str,
    language: str,
    date: datetime | None = None,
    reply_to: Mailbox | None = None,
    list_unsubscribe: str | None = None,
) -> bytes:
    """The complete message: text (and HTML with its inline images), then attachments.

    Structure: text/plain alone, or multipart/alternative (text, HTML); inline images make the
    HTML a multipart/related; attachments wrap all of it in a multipart/mixed. Raises ValueError
    on a header value containing a line break or another control character, on an address that
    is not exactly one mailbox, or on an inline image without HTML that references it.

    `list_unsubscribe`: an https (or http) address that unsubscribes the recipient with one
    POST, no login (RFC 8058): the List-Unsubscribe and List-Unsubscribe-Post headers that
    let mail clients show their own "unsubscribe" button.
    """
    attachments, inline_images = tuple(attachments), tuple(inline_images)
    message = EmailMessage(policy=WIRE_POLICY)
    message["From"] = _address(sender, "sender")
    message["To"] = _address(recipient, "recipient")
    if reply_to:
        message["Reply-To"] = _address(reply_to, "reply-to address")
    message["Subject"] = _header_text(subject, "subject")
    message["Date"] = format_datetime((date or datetime.now(UTC)).astimezone(UTC))
    message["Message-ID"] = _message_id(message_id)
    language = _token(language, "language")
    #: RFC 3834: no out-of-office replies to an automatic message.
    message["Auto-Submitted"] = "auto-generated"
    if list_unsubscribe:
        url = _header_text(list_unsubscribe, "unsubscribe address")
        if (
            not url.startswith(("https://", "http://"))
            or not url.isascii()
            or any(c in url for c in " <>,")
        ):
            raise ValueError("the unsubscribe address must be one http(s) URL")
        # Raw: a URL longer than a line would otherwise be written as RFC 2047
        # encoded-words, which no mail client reads as a URI (so no unsubscribe button).
        if len(url) > 900:
            raise ValueError("the unsubscribe address is too long for one header line")
        message.set_raw("List-Unsubscribe", f"<{url}>")
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    message.set_content(text, subtype="plain")
    if html is not None:
        message.add_alternative(html, subtype="html")
        html_part = message.get_payload()[1]
        for image in inline_images:
            cid = _token(image.cid, "cid")
            if f"cid:{cid}" not in html:
                raise ValueError(f"inline image {cid!r} is not referenced from the HTML")
            maintype, subtype = _content_type(image.content_type)
            html_part.add_related(
                image.data, maintype, subtype, cid=f"<{cid}>", disposition="inline"
            )
    elif inline_images:
        raise ValueError("inline images need an HTML part that shows them")
    for attachment in attachments:
        maintype, subtype, params = _content_type_with_params(attachment.content_type)
        if maintype == "text":
            params.setdefault("charset", "utf-8")
        message.add_attachment(
            attachment.data,
            maintype,
            subtype,
            filename=_header_text(attachment.filename, "filename"),
            params=params,
        )
    # Last: set_content() and add_alternative() move or drop every Content-* header.
    message["Content-Language"] = language
    return message.as_bytes(policy=_OUT_POLICY)


def _header_text(value: str, what: str) -> str:
    """Refuse line breaks and every other control character (tab included) in a header."""
    for char in value:
        if unicodedata.category(char) in {"Cc", "Zl", "Zp"}:
            raise ValueError(f"the {what} contains a control character ({ord(char):#x})")
    return value


def _address(mailbox: Mailbox, what: str) -> Address:
    if isinstance(mailbox, tuple):
        name, address = mailbox
    else:
        _header_text(mailbox, what)
        parsed = getaddresses([mailbox])
        if len(parsed) != 1 or not parsed[0][1]:
            raise ValueError(f"the {what} must be exactly one address")
        name, address = parsed[0]
    name, address = _header_text(name, what), _header_text(address, what).strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"the {what} {address!r} is not an address")
    if not local.isascii():
        raise ValueError(f"the {what} has a non-ASCII mailbox name, which needs SMTPUTF8")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"the {what} has an invalid domain") from None
    # Address() parses addr_spec and refuses anything beyond one mailbox.
    return Address(display_name=name, addr_spec=f"{local}@{domain}")


def _message_id(value: str) -> str:
    _header_text(value, "Message-ID")
    if not (value.startswith("<") and value.endswith(">") and "@" in value) or " " in value:
        raise ValueError("a Message-ID looks like <unique@domain>")
    return value


def _token(value: str, what: str) -> str:
    """A short header word: no spaces, brackets, quotes or control characters."""
    _header_text(value, what)
    if not value or any(char in value for char in ' <>"\\;,'):
        raise ValueError(f"invalid {what}: {value!r}")
    return value


def _content_type(value: str) -> tuple[str, str]:
    maintype, subtype, _params = _content_type_with_params(value)
    return maintype, subtype


def _content_type_with_params(value: str) -> tuple[str, str, dict[str, str]]:
    """'text/calendar; method=PUBLISH' -> ('text', 'calendar', {'method': 'PUBLISH'})."""
    _header_text(value, "content type")
    kind, *raw_params = (piece.strip() for piece in value.split(";"))
    maintype, slash, subtype = kind.lower().partition("/")
    if not slash or not maintype or not subtype:
        raise ValueError(f"invalid content type: {value!r}")
    params = {}
    for raw in raw_params:
        key, equals, param = raw.partition("=")
        if not equals:
            raise ValueError(f"invalid content type parameter: {raw!r}")
        params[key.strip().lower()] = param.strip().strip('"')
    return _token(maintype, "content type"), _token(subtype, "content type"), params


# -- reading back (the admin outbox) ------------------------------------------------------


@dataclass(frozen=True)
class ReadableMessage:
    """What the admin shows of a stored message."""

    sender: str
    recipient: str
    subject: str
    date: str
    message_id: str
    text: str
    #: (filename, content type) of each attachment.
    attachments: tuple[tuple[str, str], ...]


def read_message(raw: bytes) -> ReadableMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    attachments = tuple(
        (part.get_filename() or "", part.get_content_type()) for part in message.iter_attachments()
    )
    return ReadableMessage(
        sender=str(message.get("From", "")).strip(),
        recipient=str(message.get("To", "")).strip(),
        subject=str(message.get("Subject", "")).strip(),
        date=str(message.get("Date", "")).strip(),
        message_id=str(message.get("Message-ID", "")).strip(),
        text=text.replace("\r\n", "\n"),
        attachments=attachments,
    )


#: A long random path segment in a link: someone's personal token (e.g. /r/<token>).
_SECRET_IN_LINK = re.compile(r"(https?://[^\s\"'<>]*/)([A-Za-z0-9_-]{32,})")


def redact_secrets(text: str) -> str:
    """Cut the personal tokens out of the links in `text`: "https://…/r/…"."""
    return _SECRET_IN_LINK.sub(lambda match: match.group(1) + "…", text)


def redacted(raw: bytes) -> bytes:
    """The message with the personal tokens cut out of its text parts: what staff may see.

    A personal link lets its holder act as the attendee (change their card, cancel), so it
    belongs in the attendee's inbox only, not in the organisers' outbox view.
    """
    message = BytesParser(policy=policy.default).parsebytes(raw)
    for part in message.walk():
        if part.get_content_maintype() == "text" and not part.is_attachment():
            content = part.get_content()
            cleaned = redact_secrets(content)
            if cleaned != content:
                part.set_content(cleaned, subtype=part.get_content_subtype())
    return message.as_bytes()
