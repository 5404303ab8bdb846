"""Web origins as a series lists them (one a line) and as browsers send them (Origin):
plain Python, no Flask."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: Letters, digits, dots and hyphens: a name or an IPv4 address (what ORIGIN_PATTERN in the
#: OpenAPI document says; an IPv6 literal is not taken).
_HOST = re.compile(r"^[a-z0-9.-]+$")
DEFAULT_PORTS = {"http": 80, "https": 443}
#: The whole of what is taken (the OpenAPI document says the same): scheme and host in any
#: case, a port from 0 to 65535, a trailing slash at most.
ORIGIN_PATTERN = (
    "^[Hh][Tt][Tt][Pp]([Ss])?://[A-Za-z0-9.-]+"
    "(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?/?$"
)
_ORIGIN = re.compile(ORIGIN_PATTERN)


class BadOrigin(ValueError):
    pass


def normalise(text: str) -> str:
    """`scheme://host[:port]`, lower case, without a default port or a trailing slash;
    BadOrigin for anything else (a path, a query, credentials, a wildcard)."""
    if not _ORIGIN.fullmatch(text):
        raise BadOrigin(text)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise BadOrigin(text) from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if (
        scheme not in DEFAULT_PORTS
        or not host
        or not _HOST.match(host)
        or text != text.strip()
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or text.endswith("?")
        or text.endswith("#")
    ):
        raise BadOrigin(text)
    if port is not None and port != DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def parse_list(text: str) -> tuple[list[str], list[str]]:
    """(the origins, normalised and without repeats; the lines that are not origins)."""
    origins: list[str] = []
    bad: list[str] = []
    for line in text.replace(",", "\n").splitlines():
        if not line.strip():
            continue
        try:
            origin = normalise(line.strip())
        except BadOrigin:
            bad.append(line.strip())
            continue
        if origin not in origins:
            origins.append(origin)
    return origins, bad


def allows(listed: str, origin: str) -> bool:
    """Whether the Origin header a browser sent is one of the listed origins."""
    if not origin or origin == "null":
        return False
    try:
        return normalise(origin.strip()) in parse_list(listed)[0]
    except BadOrigin:
        return False
