"""Web origins as a series lists them (one a line) and as browsers send them (Origin):
plain Python, no Flask."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
DEFAULT_PORTS = {"http": 80, "https": 443}


class BadOrigin(ValueError):
    pass


def _is_ipv6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False


def normalise(text: str) -> str:
    """`scheme://host[:port]`, lower case, without a default port or a trailing slash;
    BadOrigin for anything else (a path, a query, credentials, a wildcard)."""
    text = text.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise BadOrigin(text) from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if (
        scheme not in DEFAULT_PORTS
        or not host
        or not (_HOST.match(host) or _is_ipv6(host))
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or text.endswith("?")
        or text.endswith("#")
    ):
        raise BadOrigin(text)
    if ":" in host:
        host = f"[{host}]"
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
            origin = normalise(line)
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
        return normalise(origin) in parse_list(listed)[0]
    except BadOrigin:
        return False
