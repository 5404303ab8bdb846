"""Organisers print an evening's badges: choose people, sheet and order; preview; download."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from meetup import audit
from meetup.auth.access import staff_required
from meetup.badges import bp, preview, services
from meetup.badges.forms import BadgeForm
from meetup.badges.layouts import LAYOUTS, SINGLE_LAYOUT
from meetup.badges.services import Order, Which
from meetup.events import queries
from meetup.responses import pdf_response


@dataclass(frozen=True)
class _Listed:
    """A person as the selection list shows them."""

    id: int
    first_name: str
    last_name: str
    company: str
    badge_printed_at: datetime | None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@bp.route("/events/<slug>/badges", methods=["GET", "POST"])
@staff_required
def badges(slug: str):
    """GET: the choices (a registration id preselects one person). POST: preview or PDF."""
    event = queries.managed_event_or_404(slug, current_user)
    people = services.printable(event)
    # Read once, before a preview's commit would expire them all (a query a person).
    roles = services.roles_for(event, people)
    stale = services.out_of_date(event, people, roles)
    listed = {
        p.id: _Listed(p.id, p.first_name, p.last_name, p.company, p.badge_printed_at)
        for p in people
    }
    cannot_print = [(listed[p.id], letters) for p, letters in services.cannot_print(people)]
    form = BadgeForm(people)
    if request.method == "GET":
        one = request.args.get("registration", type=int)
        if one is not None and any(p.id == one for p in people):
            form.which.data, form.selected.data = Which.SELECTED.value, [one]
            form.layout.data = SINGLE_LAYOUT
    preview_image = None
    status = 200
    if form.validate_on_submit():
        layout = LAYOUTS[form.layout.data]
        chosen = services.select_registrations(
            event,
            Which(form.which.data),
            Order(form.order.data),
            form.selected.data or (),
            people=people,
            stale=stale,
        )
        if not chosen:
            form.which.errors = [_("Nobody to print: every badge has been printed already.")]
            status = 422
        elif request.form.get("action") == "preview":
            pdf = services.badges_pdf(
                event, chosen[: layout.badges_per_page], layout, mark_printed=False, roles=roles
            )
            png = preview.first_page_png(pdf)
            preview_image = "data:image/png;base64," + base64.b64encode(png).decode() if png else ""
        else:
            pdf = services.badges_pdf(
                event, chosen, layout, mark_printed=form.mark_printed.data, roles=roles
            )

            audit.record_now("print_badges", event.slug, len(chosen))
            # "Download": a file to print, and the page with its choices stays where it is.
            return pdf_response(pdf, f"badges-{event.slug}-{layout.name}.pdf", attachment=True)
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "badges/badges.html",
            event=event,
            form=form,
            people=list(listed.values()),
            printed=len(people) - len(stale),
            stale=stale,
            cannot_print=cannot_print,
            preview_image=preview_image,
            can_preview=preview.available(),
        ),
        status,
    )


@bp.get("/badges/calibration/<layout>.pdf")
@staff_required
def calibration(layout: str):
    """Label outlines to print on plain paper and hold against a sheet of labels."""
    if layout not in LAYOUTS:
        abort(404)
    from meetup.badges.pdf import CalibrationWords, render_calibration

    words = CalibrationWords(
        title=_("Calibration page"),
        scale=_("This bar must measure 100 mm. Print at 100 % (no “fit to page”)."),
    )
    return pdf_response(render_calibration(LAYOUTS[layout], words), f"calibration-{layout}.pdf")
