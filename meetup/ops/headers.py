"""Security and caching headers added to every response."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request


def content_security_policy(tile_url: str = "") -> str:
    """The policy; map tiles may come from the configured tile server (MAP_TILE_URL)."""
    images = "img-src 'self' data:"
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "*"))
        images += f" {parts.scheme}://{parts.netloc}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            images,
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


#: Paths whose pages show staff-only or personal data and must never be cached.
PRIVATE_PREFIXES = ("/admin", "/door", "/login", "/logout", "/api/")


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if "frame-ancestors 'none'" in headers["Content-Security-Policy"]:
        # (The embeddable signup lists the origins that may frame it instead: meetup.api.embed.)
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "geolocation=(), microphone=(), camera=(self)")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith(PRIVATE_PREFIXES):
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(app.config["MAP_TILE_URL"])
    app.after_request(add_security_headers)
