"""The admin outbox: what was sent, what waits, what failed, and a retry button."""

from __future__ import annotations

import logging

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from meetup.auth.access import staff_required
from meetup.auth.forms import ConfirmForm
from meetup.extensions import db
from meetup.mail import bp, queries, services
from meetup.mail.compose import ReadableMessage, read_message, redacted
from meetup.mail.models import SEGMENT_LABELS, OutboxMessage, OutboxStatus

PER_PAGE = 50

logger = logging.getLogger("meetup.mail")

STATUS_LABELS = {
    OutboxStatus.PENDING: _l("Pending"),
    OutboxStatus.SENDING: _l("Sending"),
    OutboxStatus.SENT: _l("Sent"),
    OutboxStatus.FAILED: _l("Failed"),
}

KIND_LABELS = {
    "confirmation": _l("Confirmation"),
    "waitlisted": _l("Waitlisted"),
    "promoted": _l("Promoted from the waitlist"),
    "cancelled": _l("Cancellation"),
    "event_changed": _l("Event changed"),
    "event_cancelled": _l("Event cancelled"),
    "event_reinstated": _l("Event on again"),
    "link": _l("Personal link sent again"),
    "directory_open": _l("Directory link"),
    "new_neighbours": _l("New neighbours"),
    "introduction_request": _l("Introduction asked"),
    "introduction_made": _l("Introduction accepted"),
    "announcement": _l("Next evening announced"),
    "reminder": _l("Reminder"),
    "reminder_waitlisted": _l("Reminder (waitlist)"),
    "campaign": _l("Organisers' message"),
    "walk_in": _l("Welcome at the door"),
    "invitation": _l("Team invitation"),
    "password_reset": _l("New password link"),
    "digest": _l("Neighbourhood digest"),
}


def _visible_message_or_abort(message_id: int) -> OutboxMessage:
    message = queries.message_or_404(message_id)
    if not queries.can_see(current_user, message):
        abort(403)
    return message


def _redacted_bytes(message: OutboxMessage) -> bytes | None:
    """What staff may see of the message (a draft composed for the occasion), or None when a
    draft cannot be composed (its registration is gone, a template fails: its last error
    says which)."""
    try:
        return redacted(services.message_bytes(message))
    except Exception:
        db.session.rollback()
        logger.warning("outbox message %s cannot be composed for the admin", message.id)
        return None


@bp.context_processor
def _labels() -> dict:
    return {
        "status_labels": STATUS_LABELS,
        "kind_labels": KIND_LABELS,
        "segment_labels": SEGMENT_LABELS,
    }


@bp.get("")
@staff_required
def outbox():
    try:
        status = OutboxStatus(request.args.get("status", ""))
    except ValueError:
        status = None
    campaign = None
    if (number := request.args.get("campaign", "")).isdigit() and len(number) < 10:
        campaign = queries.campaign_or_404(current_user, int(number))
    page = db.paginate(
        queries.messages_for(current_user, status, campaign), per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "mail/outbox.html",
        page=page,
        status=status,
        campaign=campaign,
        campaigns=[] if campaign else queries.campaigns_for(current_user),
        counts=queries.counts_for(current_user, campaign),
    )


@bp.get("/<id:message_id>")
@staff_required
def message_detail(message_id: int):
    message = _visible_message_or_abort(message_id)
    raw = _redacted_bytes(message)
    if raw is None:
        readable = ReadableMessage(
            sender="",
            recipient=message.recipient,
            subject=message.subject,
            date="",
            message_id=message.message_id,
            text=_(
                "This message cannot be written out: what it was about is gone, or its template fails."
            ),
            attachments=(),
        )
    else:
        readable = read_message(raw)
    return render_template("mail/message.html", message=message, readable=readable)


@bp.get("/<id:message_id>.eml")
@staff_required
def message_eml(message_id: int):
    message = _visible_message_or_abort(message_id)
    raw = _redacted_bytes(message)
    if raw is None:
        abort(404)
    return Response(
        raw,
        mimetype="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="message-{message.id}.eml"'},
    )


@bp.post("/<id:message_id>/retry")
@staff_required
def message_retry(message_id: int):
    message = _visible_message_or_abort(message_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.retry(message)
        except services.NotRetryable:
            flash(_("Only a failed message can be sent again."), "error")
        else:
            flash(_("The message is back in the queue: it will be sent in a moment."), "success")
    return redirect(url_for("mail_admin.message_detail", message_id=message.id))
