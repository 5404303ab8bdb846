"""Errors to Sentry when SENTRY_DSN is set, without personal data.

What leaves the server is built from an allow-list, not a deny-list: the request is reduced
to its method, its route pattern ("/r/<token>", never the path: paths carry personal tokens)
and a few harmless headers; no body, cookie, query string, client address, user or local
variable is sent; email addresses in exception and log messages are masked. Only the
integrations named here run (no automatic ones: Redis' would send rate-limit keys holding
client addresses, the HTTP client's would send the geocoder's URLs holding office
addresses). The request id (meetup.request_id) is a tag, so an event and its log lines
can be found from the reference a person quotes. Performance traces are off unless
SENTRY_TRACES_SAMPLE_RATE says otherwise; they are scrubbed the same way.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, has_request_context, request

from meetup.request_id import current_request_id

#: Request headers an event may carry (compared without regard to case).
ALLOWED_HEADERS = frozenset(
    {"accept", "accept-language", "content-length", "content-type", "host", "x-request-id"}
)
EMAIL = re.compile(r"[^\s@<>()\"',;:]+@[^\s@<>()\"',;:]+\.[A-Za-z]{2,}")
MASK = "[email]"


def _mask(text: Any) -> Any:
    return EMAIL.sub(MASK, text) if isinstance(text, str) else text


def _route() -> str | None:
    if has_request_context() and request.url_rule is not None:
        return request.url_rule.rule
    return None


def scrub(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """`before_send` (and `before_send_transaction`): the event as it may leave the server."""
    given = event.get("request") or {}
    route = _route() or (event.get("transaction") if given else None)
    if given or route:
        headers = given.get("headers") or {}
        event["request"] = {
            "method": given.get("method") or (request.method if has_request_context() else None),
            "url": route or "<unmatched>",
            "headers": {k: v for k, v in headers.items() if k.lower() in ALLOWED_HEADERS},
        }
    else:
        event.pop("request", None)
    for key in ("user", "extra", "server_name_ip", "modules"):
        event.pop(key, None)
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    for exception in (event.get("exception") or {}).get("values") or []:
        exception["value"] = _mask(exception.get("value"))
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    logentry = event.get("logentry")
    if logentry:
        logentry["message"] = _mask(logentry.get("message"))
        logentry["formatted"] = _mask(logentry.get("formatted"))
        logentry.pop("params", None)
    if "message" in event:
        event["message"] = _mask(event["message"])
    crumbs = event.get("breadcrumbs")
    values = crumbs.get("values") if isinstance(crumbs, dict) else crumbs
    for crumb in values or []:
        scrub_breadcrumb(crumb)
    return event


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Breadcrumbs (log lines before the error) keep their message, masked, and no data."""
    crumb["message"] = _mask(crumb.get("message"))
    crumb.pop("data", None)
    return crumb


def _tag_request() -> None:
    import sentry_sdk

    sentry_sdk.set_tag("request_id", current_request_id())


def init_app(app: Flask) -> None:
    """Start the Sentry client (once per process) when SENTRY_DSN is set."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    # Here, not at the top: a site without Sentry never loads the SDK (a worker's memory).
    import sentry_sdk
    from sentry_sdk.integrations.atexit import AtexitIntegration
    from sentry_sdk.integrations.dedupe import DedupeIntegration
    from sentry_sdk.integrations.excepthook import ExcepthookIntegration
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        # send_default_pii is left unset: False is its default, and sentry-sdk 2.76 warns that
        # the option is deprecated when it is given at all. Its event scrubber stays on.
        include_local_variables=False,
        max_request_body_size="never",
        default_integrations=False,
        auto_enabling_integrations=False,
        integrations=[
            FlaskIntegration(transaction_style="url"),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
            DedupeIntegration(),
            ExcepthookIntegration(),
            AtexitIntegration(),
        ],
        before_send=scrub,
        before_send_transaction=scrub,
        before_breadcrumb=scrub_breadcrumb,
        traces_sample_rate=app.config["SENTRY_TRACES_SAMPLE_RATE"],
    )
    app.before_request(_tag_request)
