"""Admins read the audit; organisers erase a person on their request."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from meetup import audit
from meetup.audit import AuditEntry
from meetup.auth.access import admin_required, staff_required
from meetup.auth.forms import ConfirmForm
from meetup.auth.models import User
from meetup.extensions import db
from meetup.privacy import admin_bp as bp
from meetup.privacy import erasure
from meetup.registrations.queries import managed_registration_or_404

AUDIT_PAGE = 100


@bp.get("/audit")
@admin_required
def audit_log():
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)
    rows = db.session.execute(
        select(AuditEntry, User.email)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * AUDIT_PAGE)
        .limit(AUDIT_PAGE + 1)
    ).all()
    return render_template(
        "privacy/audit.html",
        rows=rows[:AUDIT_PAGE],
        page=page,
        more=len(rows) > AUDIT_PAGE,
    )


@bp.post("/events/<slug>/registrations/<id:registration_id>/erase")
@staff_required
def erase_on_request(slug: str, registration_id: int):
    """The person asked the organisers: their registrations in this series go."""
    registration = managed_registration_or_404(slug, registration_id, current_user)
    event = registration.event
    if ConfirmForm().validate_on_submit() and registration.erased_at is None:
        people = erasure.the_person(registration, {event.series_id})
        done = erasure.erase(people, whole_person=False)
        audit.record_now(
            "erase", f"{len(done.registrations)} registrations in {event.series.slug}", 1
        )
        flash(_("Erased: what this person gave is gone, in this series."), "success")
    return redirect(url_for("registrations_admin.registrations", slug=slug))
